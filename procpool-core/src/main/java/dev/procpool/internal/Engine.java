package dev.procpool.internal;

import dev.procpool.PoolListener;
import dev.procpool.PoolStats;
import dev.procpool.PoolTerminatedException;
import dev.procpool.Progress;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerStartException;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Loss;
import dev.procpool.spi.ProgressRenderer;
import dev.procpool.spi.WorkSink;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerActivity;
import dev.procpool.spi.WorkerEvent;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Owns the semantics shared by every backend: the queue of chunks, the lifecycle, and what happens to
 * items whose worker died or timed out. Backends pull chunks from it ({@link WorkSource}) and report to
 * it ({@link WorkSink}); calls put chunks into it.
 */
final class Engine implements WorkSource, WorkSink {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  private enum State { RUNNING, SHUTDOWN, TERMINATED }

  final EngineSettings settings;
  final Backend backend;
  private final AtomicLong callIds = new AtomicLong();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<WorkChunk> queue = new ArrayDeque<>();
  private final Set<Call> active = new LinkedHashSet<>();
  private State state = State.RUNNING;
  private WorkerStartException broken;
  private final StatsRecorder stats = new StatsRecorder();
  /** Runnables of execute()/submit(Runnable) that a terminated backend held but never started. */
  private final List<Runnable> handedBack = new ArrayList<>();
  private volatile ProgressRenderer renderer;
  private volatile boolean rendererMissing;

  /** Runs user callbacks and completes user-visible futures, one at a time, off the workers' threads. */
  final ExecutorService results;
  /** The thread that runs callbacks; waiting for the pool from it would wait for itself. */
  private volatile Thread resultThread;

  /** Throws if the caller is the pool's callback thread, which {@code what} would wait for. */
  void checkNotResultThread(String what) {
    if (Thread.currentThread() == resultThread) {
      throw new IllegalStateException(what + " was called from a callback, which runs on the pool's result thread: it"
          + " would wait for itself. Call it from another thread");
    }
  }

  /** Reads the input of imap calls, one thread per running call. */
  final ExecutorService feeders;

  Engine(Backend backend, EngineSettings settings) {
    this.backend = backend;
    this.settings = settings;
    java.util.concurrent.ThreadFactory resultThreads = daemonThreads(settings.poolName() + "-results");
    this.results = Executors.newSingleThreadExecutor(r -> {
      Thread t = resultThreads.newThread(r);
      resultThread = t;
      return t;
    });
    this.feeders = Executors.newCachedThreadPool(daemonThreads(settings.poolName() + "-feeder"));
  }

  void start() {
    backend.start(this, this);
  }

  long nextCallId() {
    return callIds.incrementAndGet();
  }

  // ------------------------------------------------------------------ calls

  /** Admits a new call; throws if the pool takes no new work. */
  void register(Call call) {
    lock.lock();
    try {
      checkAccepting();
      active.add(call);
    } finally {
      lock.unlock();
    }
    try {
      call.tracker = tracker(call);
    } catch (RuntimeException | LinkageError e) {
      // A broken progress renderer must not strand an admitted call: run it without listeners.
      LOG.log(Level.WARNING, settings.poolName() + ": opening the call's listeners failed; it runs without them", e);
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
      queue.addAll(chunks);
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
        queue.addFirst(chunks.get(i));
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
        queue.clear();
        changed.signalAll();
        results.shutdown();
        feeders.shutdown();
      }
    } finally {
      lock.unlock();
    }
    backend.jobFinished(call);
  }

  void interrupt(Call call) {
    backend.interrupt(call);
  }

  // ------------------------------------------------------------------ lifecycle

  void shutdown() {
    lock.lock();
    try {
      if (state != State.RUNNING) {
        return;
      }
      state = State.SHUTDOWN;
      if (active.isEmpty()) {
        queue.clear();
        results.shutdown();
        feeders.shutdown();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    backend.shutdown();
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
        if (c.call.origin != null && !c.call.isCancelled()) {
          neverStarted.add(c.call.origin);
        }
      }
      queue.clear();
      cut = new ArrayList<>(active);
      changed.signalAll();
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
    synchronized (handedBack) {
      neverStarted.addAll(handedBack);
      handedBack.clear();
    }
    return neverStarted;
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
  public Chunk take() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      for (;;) {
        WorkChunk c = nextLive();
        if (c != null || finishedLocked()) {
          return c;
        }
        changed.await();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Chunk poll(long timeout, TimeUnit unit) throws InterruptedException {
    long nanos = unit.toNanos(timeout);
    lock.lockInterruptibly();
    try {
      for (;;) {
        WorkChunk c = nextLive();
        if (c != null || finishedLocked() || nanos <= 0) {
          return c;
        }
        nanos = changed.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
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

  private WorkChunk nextLive() {
    WorkChunk c;
    while ((c = queue.pollFirst()) != null) {
      if (!c.call.isCancelled()) {
        c.takenAt = System.nanoTime();
        return c;
      }
    }
    return null;
  }

  private boolean finishedLocked() {
    return state == State.TERMINATED || (state == State.SHUTDOWN && active.isEmpty());
  }

  // ------------------------------------------------------------------ WorkSink

  @Override
  public void completed(Chunk chunk, int offset, List<?> values) {
    WorkChunk c = (WorkChunk) chunk;
    c.call.onResults(c.firstIndex() + offset, values);
    if (offset + values.size() == c.size() && c.takenAt != 0) {
      c.call.chunkDone(c.size(), System.nanoTime() - c.takenAt);
    }
  }

  @Override
  public void failed(Chunk chunk, int offset, Throwable error) {
    WorkChunk c = (WorkChunk) chunk;
    c.call.onFailure(c.firstIndex() + offset, error, false);
  }

  /**
   * Decides the fate of a lost chunk's open items. A chunk that never started goes back as it was (up to
   * {@link Loss#MAX_HAND_BACKS} times in a row). Of a chunk that was running, a timed-out item fails and
   * the others go back; when a worker died, the open items are re-run one at a time so that only the
   * item that really kills its worker fails. A chunk whose start is unknown goes back whole once, and
   * counts as started when its items are lost that way again.
   */
  @Override
  public void lost(Chunk chunk, Loss loss) {
    WorkChunk c = (WorkChunk) chunk;
    Call call = c.call;
    if (loss.kind() == Loss.Kind.TERMINATED) {
      if (!loss.started() && call.origin != null) {
        synchronized (handedBack) {
          handedBack.add(call.origin);
        }
      }
      return;
    }
    if (call.isCancelled()) {
      return;
    }
    List<Integer> open = new ArrayList<>();
    for (int i = 0; i < c.size(); i++) {
      if (!call.isResolved(c.firstIndex() + i)) {
        open.add(i);
      }
    }
    if (open.isEmpty()) {
      return;
    }
    Loss.Start start = loss.start();
    if (start == Loss.Start.UNKNOWN && c.uncertainLosses == 0) {
      requeueFirst(runs(c, open, c.deaths, 1, 0));
      return;
    }
    if (start == Loss.Start.NOT_STARTED) {
      if (c.handBacks + 1 >= Loss.MAX_HAND_BACKS) {
        IllegalStateException stuck = new IllegalStateException("the chunk of items " + c.firstIndex() + ".."
            + (c.firstIndex() + c.size() - 1) + " was handed back unstarted " + Loss.MAX_HAND_BACKS
            + " times in a row (last: " + loss.detail() + "); its backend keeps refusing it, which is a bug of the"
            + " backend: report it with this message", loss.cause());
        for (int i : open) {
          call.onFailure(c.firstIndex() + i, stuck, true);
        }
        return;
      }
      requeueFirst(runs(c, open, c.deaths, c.uncertainLosses, c.handBacks + 1));
      return;
    }
    if (loss.kind() == Loss.Kind.TIMED_OUT && loss.offset() >= 0) {
      long index = c.firstIndex() + loss.offset();
      call.onFailure(index, new TaskTimeoutException(index, call.taskTimeout()), true);
      open.remove(Integer.valueOf(loss.offset()));
      requeueFirst(runs(c, open, 0, 0, 0));
      return;
    }
    if (open.size() > 1) {
      List<WorkChunk> singles = new ArrayList<>(open.size());
      for (int i : open) {
        singles.add(new WorkChunk(call, c.firstIndex() + i, c.items().subList(i, i + 1), 0, c.uncertainLosses, 0));
      }
      requeueFirst(singles);
      return;
    }
    int i = open.get(0);
    long index = c.firstIndex() + i;
    int deaths = c.size() == 1 ? c.deaths + 1 : 1;
    if (deaths <= settings.retries()) {
      LOG.log(Level.INFO, "{0}: retrying item {1} after its worker died ({2}), retry {3} of {4}",
          settings.poolName(), index, loss.detail(), deaths, settings.retries());
      requeueFirst(List.of(new WorkChunk(call, index, c.items().subList(i, i + 1), deaths, c.uncertainLosses, 0)));
      return;
    }
    call.onFailure(index, new WorkerDiedException(index,
        "the worker died while running item " + index + " (" + loss.detail() + ")"
            + (deaths > 1 ? " on each of " + deaths + " tries" : "")
            + "; the task crashes its worker: fix the task, give workers more memory, or allow retries with"
            + " PoolBuilder.retries(n)",
        loss.cause()), true);
  }

  @Override
  public void workerStartFailed(String message, Throwable cause) {
    WorkerStartException failure = new WorkerStartException(
        message + "; the pool is broken and takes no more work: fix the initializer or worker settings and"
            + " create a new pool",
        cause);
    List<Call> cut;
    lock.lock();
    try {
      if (broken != null) {
        return;
      }
      broken = failure;
      queue.clear();
      cut = new ArrayList<>(active);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    LOG.log(Level.ERROR, settings.poolName() + ": " + failure.getMessage(), cause);
    for (Call call : cut) {
      call.abort(failure);
    }
  }

  @Override
  public void activity(WorkerActivity activity) {
    stats.activity(activity);
  }

  PoolStats stats() {
    return stats.snapshot();
  }

  @Override
  public void workerEvent(WorkerEvent event) {
    stats.event(event);
    Level level = switch (event.kind()) {
      case DIED, TIMED_OUT -> Level.WARNING;
      case STARTED, EXITED, RECYCLED -> Level.DEBUG;
    };
    String what = switch (event.kind()) {
      case STARTED -> "started";
      case RECYCLED -> "recycled";
      case DIED -> "died";
      case TIMED_OUT -> "stopped for a timeout";
      case EXITED -> "exited";
    };
    LOG.log(level, "{0}: worker {1} {2}{3}", settings.poolName(), event.workerId(), what,
        event.detail().isEmpty() ? "" : ": " + event.detail());
  }

  // ------------------------------------------------------------------ helpers

  /** Groups open offsets into runs of consecutive items, one chunk each. */
  private static List<WorkChunk> runs(WorkChunk c, List<Integer> open, int deaths, int uncertain, int handBacks) {
    List<WorkChunk> out = new ArrayList<>();
    int start = 0;
    for (int k = 1; k <= open.size(); k++) {
      if (k == open.size() || open.get(k) != open.get(k - 1) + 1) {
        int from = open.get(start);
        int to = open.get(k - 1) + 1;
        out.add(new WorkChunk(c.call, c.firstIndex() + from, c.items().subList(from, to), deaths, uncertain, handBacks));
        start = k;
      }
    }
    return out;
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
