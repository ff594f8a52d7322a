package dev.procpool.internal;

import dev.procpool.CallStartException;
import dev.procpool.NoWorkersException;
import dev.procpool.PoolListener;
import dev.procpool.PoolStats;
import dev.procpool.PoolTerminatedException;
import dev.procpool.Progress;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerStats;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Exit;
import dev.procpool.spi.ProgressRenderer;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Owns the semantics shared by every backend: the queue of chunks and who may take what, the lifecycle,
 * the ledger of what each worker holds ({@link Link}), and what every fault means. Backends enrol their
 * workers here ({@link WorkSource}) and report facts through each worker's link; the decisions come from
 * {@link FailurePolicy} and are carried out here, so no backend decides the fate of an item or a worker.
 */
final class Engine implements WorkSource {
  private static final System.Logger LOG = System.getLogger("dev.procpool");
  /**
   * The least a worker holding timed work may stay silent beyond its task timeout before it is stopped as
   * frozen: the backend's own timeout (which stops a running item at its timeout) comes first by far.
   */
  static final long FROZEN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long WATCH_PERIOD_MILLIS = 100;
  /** How many failed starts a broken pool's message shows. */
  private static final int STARTS_SHOWN = 3;

  /** Closes what callers dropped unclosed: imap iterators, whole pools. One daemon thread for all pools. */
  static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create(daemonThreads("cleaner"));

  private enum State { RUNNING, SHUTDOWN, TERMINATED }

  final EngineSettings settings;
  final Backend backend;
  private final FailurePolicy policy;
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
  private int startFailuresInARow;
  private int quickDeathsInARow;
  private final ArrayDeque<String> lastStartFailures = new ArrayDeque<>();
  private ScheduledFuture<?> watch;
  /** Isolated chunks in the queue; read without the lock to decide whether a worker's release must wake takers. */
  private volatile int isolatedQueued;
  private volatile boolean everReady;

  /** Runnables of execute()/submit(Runnable) that a terminated pool never started. */
  private volatile ProgressRenderer renderer;
  private volatile boolean rendererMissing;
  private volatile ScheduledThreadPoolExecutor timer;

  /** Runs user callbacks and completes user-visible futures, one at a time, off the workers' threads. */
  final ExecutorService results;
  /** The thread that runs callbacks; waiting for the pool from it would wait for itself. */
  private volatile Thread resultThread;
  /** Reads the input of imap calls, one thread per running call. */
  final ExecutorService feeders;

  Engine(Backend backend, EngineSettings settings) {
    this.backend = backend;
    this.settings = settings;
    this.policy = new FailurePolicy(settings.retries());
    java.util.concurrent.ThreadFactory resultThreads = daemonThreads(settings.poolName() + "-results");
    this.results = Executors.newSingleThreadExecutor(r -> {
      Thread t = resultThreads.newThread(r);
      resultThread = t;
      return t;
    });
    this.feeders = Executors.newCachedThreadPool(daemonThreads(settings.poolName() + "-feeder"));
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
      call.tracker = tracker(call);
      if (call.taskTimeout() != null) {
        watchFrozenWorkers();
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

  /** Opens the call's listeners: the pool's, and a progress bar if the call asks for one. */
  private Tracker tracker(Call call) {
    Progress progress = call.spec.progress();
    boolean barWanted = progress != Progress.OFF && !call.spec.operation().equals("apply");
    boolean terminal = barWanted && Terminal.stderrIsTerminal();
    boolean bar = barWanted && (terminal || progress == Progress.ALWAYS);
    ProgressRenderer renderer = bar ? renderer() : null;
    if (settings.listener() == null && renderer == null) {
      return null;
    }
    List<PoolListener> listeners = new ArrayList<>(2);
    Tracker tracker = new Tracker(call.id(), call.spec.operation(), call.total, listeners);
    if (settings.listener() != null) {
      listeners.add(settings.listener());
    }
    if (renderer != null) {
      listeners.add(renderer.open(tracker, terminal));
    }
    tracker.started();
    return tracker;
  }

  private ProgressRenderer renderer() {
    ProgressRenderer r = renderer;
    if (r == null && !rendererMissing) {
      synchronized (this) {
        if (renderer == null && !rendererMissing) {
          r = java.util.ServiceLoader.load(ProgressRenderer.class, Engine.class.getClassLoader())
              .findFirst().orElse(null);
          if (r == null) {
            rendererMissing = true;
            LOG.log(Level.WARNING, settings.poolName() + ": a progress bar was asked for, but no renderer is on the"
                + " class path; add the dependency dev.procpool:procpool-progress to see it");
          }
          renderer = r;
        }
        r = renderer;
      }
    }
    return r;
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
    stopTimer();
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
      stopTimer();
    } finally {
      lock.unlock();
    }
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

  // ------------------------------------------------------------------ worker lifecycle

  void workerReady(Link link, String detail) {
    everReady = true;
    lock.lock();
    try {
      startFailuresInARow = 0;
      lastStartFailures.clear();
    } finally {
      lock.unlock();
    }
    stats.started(link.id(), System.nanoTime() - link.enrolledAt);
    LOG.log(Level.DEBUG, "{0}: worker {1} started{2}", settings.poolName(), link.id(),
        detail.isEmpty() ? "" : ": " + detail);
  }

  Verdict workerStartFailed(Link link, StartFailure failure, List<WorkChunk> held) {
    links.remove(link);
    for (WorkChunk c : held) {
      settleLost(c, FailurePolicy.Loss.DIED, "worker " + link.id() + " failed while starting: " + failure.detail(),
          failure.cause(), held.size() == 1);
    }
    int inARow;
    lock.lock();
    try {
      inARow = ++startFailuresInARow;
      lastStartFailures.addLast(failure.detail());
      while (lastStartFailures.size() > STARTS_SHOWN) {
        lastStartFailures.removeFirst();
      }
    } finally {
      lock.unlock();
    }
    FailurePolicy.StartDecision decision = policy.startFailed(failure.kind(), everReady, inARow);
    if (decision.broken()) {
      breakPool(brokenMessage(failure, inARow), failure.cause());
      return Verdict.RETIRE;
    }
    if (isFinished()) {
      return Verdict.RETIRE;
    }
    LOG.log(Level.DEBUG, "{0}: worker {1} failed to start ({2}); starting another in {3} ms", settings.poolName(),
        link.id(), failure.detail(), TimeUnit.NANOSECONDS.toMillis(decision.delayNanos()));
    return new Verdict(true, decision.delayNanos());
  }

  private String brokenMessage(StartFailure failure, int inARow) {
    if (failure.kind() == StartFailure.Kind.INITIALIZER) {
      return failure.detail() + "; the pool is broken and takes no more work: fix the initializer and create a new pool";
    }
    if (inARow < FailurePolicy.MAX_START_FAILURES) {
      return failure.detail() + "; no worker of this pool could start, so the pool is broken and takes no more work:"
          + " fix the worker settings and create a new pool";
    }
    List<String> last;
    lock.lock();
    try {
      last = new ArrayList<>(lastStartFailures);
    } finally {
      lock.unlock();
    }
    StringBuilder m = new StringBuilder().append(inARow).append(" worker starts in a row failed; the last ")
        .append(last.size()).append(':');
    for (int i = 0; i < last.size(); i++) {
      m.append(" (").append(i + 1).append(") ").append(last.get(i));
    }
    return m.append("; the pool is broken and takes no more work: find out what kills its workers while they start"
        + " (memory limits, an OOM killer, an operator), fix the worker settings, and create a new pool").toString();
  }

  /** Fails every pending call and refuses new ones: workers cannot be started. */
  private void breakPool(String message, Throwable cause) {
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
      stopTimer();
    } finally {
      lock.unlock();
    }
    LOG.log(Level.DEBUG, "{0}: {1}", settings.poolName(), message);
    for (Call call : cut) {
      call.abort(failure);
    }
  }

  Verdict workerGone(Link link, Exit exit, List<WorkChunk> held) {
    links.remove(link);
    // Statistics first: a caller whose call fails with these chunks must find the death in stats().
    boolean recycled = exit.kind() == Exit.Kind.EXITED && link.recycled();
    WorkerStats.Restart end = switch (exit.kind()) {
      case EXITED -> recycled ? WorkerStats.Restart.RECYCLING : WorkerStats.Restart.SHUTDOWN;
      case DIED, STOPPED -> WorkerStats.Restart.CRASH;
      case TIMED_OUT -> WorkerStats.Restart.TIMEOUT;
      case TERMINATED -> WorkerStats.Restart.SHUTDOWN;
    };
    stats.ended(link.id(), end);
    logEnd(link, exit, recycled);
    if (exit.kind() != Exit.Kind.TERMINATED) {
      FailurePolicy.Loss how = switch (exit.kind()) {
        case TIMED_OUT -> FailurePolicy.Loss.INNOCENT;
        case STOPPED -> FailurePolicy.Loss.FROZE;
        default -> FailurePolicy.Loss.DIED;
      };
      String detail = exit.detail().isEmpty() ? "worker " + link.id() + " " + describe(exit.kind()) : exit.detail();
      for (WorkChunk c : held) {
        settleLost(c, how, detail, exit.cause(), held.size() == 1);
      }
    }
    if (exit.kind() == Exit.Kind.TERMINATED || isFinished()) {
      return Verdict.RETIRE;
    }
    if (exit.kind() == Exit.Kind.EXITED) {
      return Verdict.REPLACE;
    }
    int quick;
    lock.lock();
    try {
      // A worker that dies holding nothing, before finishing a single item, is not killed by a task: a
      // crash loop (something in the worker kills it) must not spin.
      boolean loop = exit.kind() == Exit.Kind.DIED && held.isEmpty() && link.outcomes() == 0;
      quick = quickDeathsInARow = loop ? quickDeathsInARow + 1 : 0;
    } finally {
      lock.unlock();
    }
    return new Verdict(true, FailurePolicy.backoff(quick));
  }

  private void logEnd(Link link, Exit exit, boolean recycled) {
    Level level = switch (exit.kind()) {
      case DIED, TIMED_OUT, STOPPED -> Level.INFO;
      case EXITED, TERMINATED -> Level.DEBUG;
    };
    String what = recycled ? "recycled" : describe(exit.kind());
    LOG.log(level, "{0}: worker {1} {2}{3}", settings.poolName(), link.id(), what,
        exit.detail().isEmpty() ? "" : ": " + exit.detail());
  }

  private static String describe(Exit.Kind kind) {
    return switch (kind) {
      case EXITED -> "exited";
      case DIED -> "died";
      case TIMED_OUT -> "was stopped for a task timeout";
      case STOPPED -> "was stopped as frozen";
      case TERMINATED -> "was terminated";
    };
  }

  // ------------------------------------------------------------------ settling chunks

  void settleLost(WorkChunk c, FailurePolicy.Loss how, String detail) {
    settleLost(c, how, detail, null, false);
  }

  private void settleLost(WorkChunk c, FailurePolicy.Loss how, String detail, Throwable cause, boolean alone) {
    if (c.call.isCancelled()) {
      return;
    }
    apply(c, policy.lost(held(c, alone), how), detail, cause);
  }

  void settleHandedBack(WorkChunk c, String why) {
    if (c.call.isCancelled()) {
      return;
    }
    apply(c, policy.handedBack(held(c, false)), why, null);
  }

  void settleTimedOut(WorkChunk c, int offset) {
    if (c.call.isCancelled()) {
      return;
    }
    apply(c, policy.timedOut(held(c, false), offset), "timed out", null);
  }

  /** Whether any item of the chunk still lacks an outcome. */
  boolean hasOpenItems(WorkChunk c) {
    return openOffsets(c).length > 0;
  }

  private FailurePolicy.Held held(WorkChunk c, boolean alone) {
    return new FailurePolicy.Held(c.size(), openOffsets(c), c.started, c.running, c.deaths, c.suspicion,
        c.handBacks, c.isolated, alone);
  }

  private static int[] openOffsets(WorkChunk c) {
    int[] open = new int[c.size()];
    int n = 0;
    for (int i = 0; i < open.length; i++) {
      if (!c.call.isResolved(c.firstIndex() + i)) {
        open[n++] = i;
      }
    }
    return java.util.Arrays.copyOf(open, n);
  }

  private void apply(WorkChunk c, FailurePolicy.Settlement s, String detail, Throwable cause) {
    Call call = c.call;
    for (FailurePolicy.Failure f : s.failures()) {
      long index = c.firstIndex() + f.offset();
      call.onFailure(index, failure(index, f, call, detail, cause), true);
    }
    if (s.reruns().isEmpty()) {
      return;
    }
    List<WorkChunk> again = new ArrayList<>(s.reruns().size());
    for (FailurePolicy.Rerun r : s.reruns()) {
      if (r.deaths() > 0 && r.deaths() > c.deaths) {
        LOG.log(Level.INFO, "{0}: retrying item {1} after its worker died ({2}), retry {3} of {4}",
            settings.poolName(), c.firstIndex() + r.from(), detail, r.deaths(), settings.retries());
      }
      again.add(new WorkChunk(call, c.firstIndex() + r.from(), c.items().subList(r.from(), r.to()), r.deaths(),
          r.suspicion(), r.handBacks(), r.isolated()));
    }
    requeueFirst(again);
  }

  private static RuntimeException failure(long index, FailurePolicy.Failure f, Call call, String detail, Throwable cause) {
    return switch (f.cause()) {
      case TIMED_OUT -> new TaskTimeoutException(index, call.taskTimeout());
      case DIED -> new WorkerDiedException(index, "the worker died while running item " + index + " (" + detail + ")"
          + (f.tries() > 1 ? " on each of " + f.tries() + " tries" : "")
          + "; the task crashes its worker: fix the task, give workers more memory, or allow retries with"
          + " PoolBuilder.retries(n)", cause);
      case STUCK -> new IllegalStateException("item " + index + " was handed back unstarted "
          + FailurePolicy.MAX_HAND_BACKS + " times in a row (last: " + detail + "); its backend keeps refusing it,"
          + " which is a bug of the backend: report it with this message", cause);
    };
  }

  // ------------------------------------------------------------------ frozen workers

  /** Starts watching for frozen workers, once a call with a task timeout exists. */
  private void watchFrozenWorkers() {
    lock.lock();
    try {
      if (watch != null || state == State.TERMINATED || broken != null) {
        return;
      }
      watch = timer().scheduleWithFixedDelay(this::stopFrozen, WATCH_PERIOD_MILLIS, WATCH_PERIOD_MILLIS,
          TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
  }

  private void stopFrozen() {
    long now = System.nanoTime();
    for (Link link : links) {
      String reason = link.frozen(now);
      if (reason != null) {
        LOG.log(Level.INFO, "{0}: {1}; stopping it", settings.poolName(), reason);
        try {
          link.control.stop(reason);
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, settings.poolName() + ": stopping frozen worker " + link.id() + " failed", e);
        }
      }
    }
  }

  private ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      t = new ScheduledThreadPoolExecutor(1, daemonThreads(settings.poolName() + "-watch"));
      t.setRemoveOnCancelPolicy(true);
      timer = t;
    }
    return t;
  }

  /** Called under the lock. */
  private void stopTimer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t != null) {
      t.shutdownNow();
    }
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
