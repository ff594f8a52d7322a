package dev.procpool.internal;

import dev.procpool.CallStartException;
import dev.procpool.NoWorkersException;
import dev.procpool.PoolStats;
import dev.procpool.PoolTerminatedException;
import dev.procpool.Progress;
import dev.procpool.WorkerStartException;
import dev.procpool.spi.Backend;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Owns the semantics shared by every backend: the calls, the queue of chunks and who may take what, and
 * the lifecycle. Backends enrol their workers here ({@link WorkSource}); each worker's {@link Link} keeps
 * the ledger of what it holds and takes its facts. What the facts mean is decided in one place,
 * {@link FailurePolicy}, and carried out by {@link ChunkSettler} (items) and {@link WorkerVerdicts}
 * (workers), so no backend decides the fate of an item or a worker.
 */
final class Engine implements WorkSource {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  /** Closes what callers dropped unclosed: imap iterators, whole pools. One daemon thread for all pools. */
  static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create(daemonThreads("cleaner"));

  private enum State { RUNNING, SHUTDOWN, TERMINATED }

  final EngineSettings settings;
  final Backend backend;
  /** Carries out the failure model's decisions on chunks that left their worker. */
  final ChunkSettler settler;
  /** Decides what follows a worker's start or end. */
  final WorkerVerdicts verdicts;
  private final FrozenWorkerWatch frozenWatch;
  private final CallListeners listeners;
  private final AtomicLong callIds = new AtomicLong();
  private final AtomicInteger linkIds = new AtomicInteger();
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  final StatsRecorder stats = new StatsRecorder();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // guarded by lock
  private final ArrayDeque<WorkChunk> queue = new ArrayDeque<>();
  private final Set<Call> active = new LinkedHashSet<>();
  private State state = State.RUNNING;
  private WorkerStartException broken;
  /** Isolated chunks in the queue; read without the lock to decide whether a worker's release must wake takers. */
  private volatile int isolatedQueued;


  /** Runs user callbacks and completes user-visible futures, one at a time, off the workers' threads. */
  final ExecutorService results;
  /** The thread that runs callbacks; waiting for the pool from it would wait for itself. */
  private volatile Thread resultThread;
  /** Reads the input of imap calls, one thread per running call. */
  final ExecutorService feeders;

  Engine(Backend backend, EngineSettings settings) {
    this.backend = backend;
    this.settings = settings;
    this.settler = new ChunkSettler(settings, this::requeueFirst);
    this.verdicts = new WorkerVerdicts(this, settler, stats, settings.poolName());
    this.frozenWatch = new FrozenWorkerWatch(links, settings.poolName());
    this.listeners = new CallListeners(settings);
    java.util.concurrent.ThreadFactory resultThreads = daemonThreads(settings.poolName() + "-results");
    this.results = Executors.newSingleThreadExecutor(r -> {
      Thread t = resultThreads.newThread(r);
      resultThread = t;
      return t;
    });
    this.feeders = Executors.newCachedThreadPool(daemonThreads(settings.poolName() + "-feeder"));
  }

  /** The thread that runs callbacks, or null before it started. */
  Thread resultThread() {
    return resultThread;
  }

  /** Throws if the caller is the pool's callback thread, which {@code what} would wait for. */
  void checkNotResultThread(String what) {
    if (Thread.currentThread() == resultThread) {
      throw new IllegalStateException(what + " was called from a callback, which runs on the pool's result thread: it"
          + " would wait for itself. Call it from another thread");
    }
  }

  void start() {
    backend.start(this);
  }

  long nextCallId() {
    return callIds.incrementAndGet();
  }

  // ------------------------------------------------------------------ calls

  /**
   * Admits a new call; throws if the pool takes no new work, if the backend cannot run its function
   * (IllegalArgumentException), or if the call cannot start here (CallStartException). A call that throws
   * is not registered: nothing of it is left behind.
   */
  void register(Call call) {
    checkAccepting();
    try {
      backend.admit(call);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Throwable t) {
      throw new CallStartException("the " + call.spec.operation() + " call could not start: the backend failed to"
          + " take its job (" + t + "); the pool and its other calls go on", t);
    }
    lock.lock();
    try {
      checkAccepting();
      active.add(call);
    } catch (RuntimeException e) {
      backend.jobFinished(call);
      throw e;
    } finally {
      lock.unlock();
    }
    try {
      call.tracker = listeners.open(call);
      if (call.taskTimeout() != null) {
        frozenWatch.start();
      }
    } catch (Throwable t) {
      call.markCancelled();
      call.finish();
      throw new CallStartException("the " + call.spec.operation() + " call could not start: " + t
          + (t instanceof java.util.ServiceConfigurationError || t instanceof LinkageError
              ? "; its progress bar renderer cannot be loaded: put procpool-progress and its dependencies on the"
                  + " class path together, or call without a progress bar (Progress.OFF)"
              : "; the pool and its other calls go on"), t);
    }
  }

  /** Throws the exception a new call gets from a pool that takes no new work. */
  void checkAccepting() {
    lock.lock();
    try {
      if (broken != null) {
        throw new WorkerStartException(broken.getMessage(), broken.getCause());
      }
      if (state != State.RUNNING) {
        throw new RejectedExecutionException(
            "pool is not running: " + (state == State.SHUTDOWN ? "shutdown()" : "terminate()")
                + " was called; create a new Pool for more work");
      }
    } finally {
      lock.unlock();
    }
  }

  void enqueue(List<WorkChunk> chunks) {
    lock.lock();
    try {
      if (state == State.TERMINATED) {
        return;
      }
      for (WorkChunk c : chunks) {
        queue.addLast(c);
        if (c.isolated) {
          isolatedQueued++;
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Puts chunks first in line, keeping their order: re-runs go before new work. */
  private void requeueFirst(List<WorkChunk> chunks) {
    lock.lock();
    try {
      if (state == State.TERMINATED) {
        return;
      }
      for (int i = chunks.size() - 1; i >= 0; i--) {
        WorkChunk c = chunks.get(i);
        queue.addFirst(c);
        if (c.isolated) {
          isolatedQueued++;
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void finished(Call call) {
    lock.lock();
    try {
      active.remove(call);
      if (state == State.SHUTDOWN && active.isEmpty()) {
        drained();
      }
    } finally {
      lock.unlock();
    }
    backend.jobFinished(call);
  }

  /** The pool is shut down and every call has finished; called under the lock. */
  private void drained() {
    queue.clear();
    isolatedQueued = 0;
    changed.signalAll();
    results.shutdown();
    feeders.shutdown();
    frozenWatch.stop();
  }

  void interrupt(Call call) {
    backend.interrupt(call);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Lets the pending calls finish, then the workers exit.
   *
   * @param keepJvmAlive whether the JVM must not exit before the calls accepted so far have finished (a
   *     non-daemon thread waits for them), as with ThreadPoolExecutor: what the caller asked for, but not
   *     what a pool that became unreachable asks for
   */
  void shutdown(boolean keepJvmAlive) {
    boolean pending;
    lock.lock();
    try {
      if (state != State.RUNNING) {
        return;
      }
      state = State.SHUTDOWN;
      pending = !active.isEmpty();
      if (!pending) {
        drained();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    backend.shutdown();
    if (pending && keepJvmAlive) {
      Thread keeper = new Thread(this::awaitQuietly, "procpool-" + settings.poolName() + "-finishing");
      keeper.setDaemon(false); // the point: main may return, the work accepted before shutdown() still finishes
      keeper.start();
    }
  }

  private void awaitQuietly() {
    try {
      awaitTermination(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether calls are still pending: work accepted before shutdown() that the JVM must not drop. */
  boolean hasPendingCalls() {
    lock.lock();
    try {
      return !active.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Stops everything now; returns the runnables of execute()/submit(Runnable) that never started. */
  List<Runnable> terminate() {
    List<Call> cut;
    List<Runnable> neverStarted = new ArrayList<>();
    lock.lock();
    try {
      if (state == State.TERMINATED) {
        return neverStarted;
      }
      state = State.TERMINATED;
      for (WorkChunk c : queue) {
        addOrigin(c, neverStarted);
      }
      for (Link link : links) {
        for (WorkChunk c : link.unstarted()) {
          addOrigin(c, neverStarted);
        }
      }
      queue.clear();
      isolatedQueued = 0;
      cut = new ArrayList<>(active);
      changed.signalAll();
      } finally {
      lock.unlock();
    }
    frozenWatch.stop();
    for (Call call : cut) {
      call.abort(new PoolTerminatedException(
          "the pool was terminated before this call completed; use close() or shutdown() to let work finish"));
    }
    backend.terminate();
    feeders.shutdownNow();
    results.shutdown();
    return neverStarted;
  }

  private static void addOrigin(WorkChunk c, List<Runnable> into) {
    if (c.call.origin != null && !c.call.isCancelled() && !into.contains(c.call.origin)) {
      into.add(c.call.origin);
    }
  }

  boolean isShutdown() {
    lock.lock();
    try {
      return state != State.RUNNING;
    } finally {
      lock.unlock();
    }
  }

  boolean awaitTermination(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    if (!backend.awaitTermination(nanos)) {
      return false;
    }
    if (!results.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      return false;
    }
    return feeders.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  boolean isTerminated() {
    return isShutdown() && results.isTerminated() && feeders.isTerminated() && backendTerminated();
  }

  private boolean backendTerminated() {
    try {
      return backend.awaitTermination(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ------------------------------------------------------------------ WorkSource

  @Override
  public WorkerLink enrol(WorkerControl control) {
    Objects.requireNonNull(control, "control");
    Link link = new Link(this, linkIds.incrementAndGet(), control, settings.maxTasksPerWorker());
    links.add(link);
    return link;
  }

  @Override
  public boolean isFinished() {
    lock.lock();
    try {
      return finishedLocked();
    } finally {
      lock.unlock();
    }
  }

  private boolean finishedLocked() {
    return state == State.TERMINATED || broken != null || (state == State.SHUTDOWN && active.isEmpty());
  }

  @Override
  public void noWorkers(String why) {
    List<Call> cut;
    lock.lock();
    try {
      cut = new ArrayList<>(active);
    } finally {
      lock.unlock();
    }
    if (cut.isEmpty()) {
      return;
    }
    LOG.log(Level.DEBUG, "{0}: no workers left: {1}", settings.poolName(), why);
    NoWorkersException failure = new NoWorkersException(why);
    for (Call call : cut) {
      call.abort(failure);
    }
  }

  /**
   * The next chunk for {@code link}, waiting up to {@code nanos} (forever if negative); null if none came
   * or the worker must take no more. An isolated chunk goes only to a worker that holds nothing, and while
   * one waits at the head of the queue, nothing else goes out: the workers drain until one is free for it.
   */
  WorkChunk take(Link link, long nanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      for (;;) {
        if (finishedLocked() || link.closed()) {
          return null;
        }
        WorkChunk c = nextFor(link);
        if (c != null) {
          link.assign(c);
          return c;
        }
        if (nanos == 0) {
          return null;
        }
        if (nanos < 0) {
          changed.await();
        } else {
          nanos = Math.max(0, changed.awaitNanos(nanos));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private WorkChunk nextFor(Link link) {
    WorkChunk head;
    while ((head = queue.peekFirst()) != null && head.call.isCancelled()) {
      dequeue();
    }
    if (head == null || !link.mayTake(head)) {
      return null;
    }
    return dequeue();
  }

  private WorkChunk dequeue() {
    WorkChunk c = queue.pollFirst();
    if (c != null && c.isolated) {
      isolatedQueued--;
    }
    return c;
  }

  /** A worker let go of a chunk (or of all): wake the takers if an isolated chunk may now go out. */
  void linkReleased(boolean wasIsolated, boolean nowEmpty) {
    if (wasIsolated || (nowEmpty && isolatedQueued > 0)) {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Fails every pending call and refuses new ones: workers cannot be started. */
  void breakPool(String message, Throwable cause) {
    WorkerStartException failure = new WorkerStartException(message, cause);
    List<Call> cut;
    lock.lock();
    try {
      if (broken != null) {
        return;
      }
      broken = failure;
      queue.clear();
      isolatedQueued = 0;
      cut = new ArrayList<>(active);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    frozenWatch.stop();
    LOG.log(Level.DEBUG, "{0}: {1}", settings.poolName(), message);
    for (Call call : cut) {
      call.abort(failure);
    }
  }

  /** The worker is gone or failed to start: it holds nothing more and is no longer watched. */
  void forget(Link link) {
    links.remove(link);
  }

  PoolStats stats() {
    return stats.snapshot();
  }

  static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "procpool-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
