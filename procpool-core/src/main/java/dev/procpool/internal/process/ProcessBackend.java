package dev.procpool.internal.process;

import dev.procpool.spi.Backend;
import dev.procpool.spi.Job;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerSettings;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs chunks in worker JVMs, one {@link WorkerProcess} each, connected over Unix domain sockets in a
 * private directory and authenticated with a per-pool secret. The engine owns what happens to items;
 * this backend moves chunks and reports outcomes and losses, replaces workers that die, time out or
 * reach their task limit, and makes sure no worker outlives the pool, except, when the pool opted in,
 * idle workers parked for a later pool (see {@link WarmWorkers}).
 *
 * <p>Thread-safe.
 */
public final class ProcessBackend implements Backend {
  /** How often timeouts and stuck prefetches are checked; bounds how late a timeout is enforced. */
  private static final long SWEEP_MILLIS = 25;
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  /**
   * The deadlines of every process pool of this JVM (sweeps, start, exit and lease limits): one thread
   * started once, rather than one per pool on the way to its first result. What a finished pool left
   * scheduled finds its workers gone and does nothing.
   */
  private static final class Timer {
    static final ScheduledThreadPoolExecutor INSTANCE = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "procpool-process-timer");
        thread.setDaemon(true);
        return thread;
      });
      t.setRemoveOnCancelPolicy(true);
      return t;
    }
  }

  private final WorkerSettings settings;
  private final ProcessOptions options;
  private final ClassLoader loader;
  /** Replacements that wait out a back-off delay: the backend is not done while one is due. */
  private final AtomicInteger pendingStarts = new AtomicInteger();
  private final Set<WorkerProcess> live = ConcurrentHashMap.newKeySet();
  private final FunctionCache functions = new FunctionCache();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition retired = lock.newCondition();

  private volatile WorkSource source;
  private volatile boolean terminated;
  /** Set once a worker died: from then on every chunk reports its start before it runs. */
  private volatile boolean announceAll;
  private volatile byte[] secret;
  private final byte[] initializer;
  private volatile PrivateDirectory directory;
  private final WorkerLauncher launcher;
  /** What every worker shares; made in {@link #start}. */
  private volatile WorkerContext context;
  private ScheduledFuture<?> sweeper;
  private boolean cleanedUp;
  /** Whether shutdown() came: only then do parked workers go to {@link WarmWorkers} (guarded by lock). */
  private boolean shuttingDown;
  /** Workers that parked before shutdown() came: kept until it does, or killed by terminate() (guarded by lock). */
  private final List<WarmWorkers.Parked> parkedEarly = new ArrayList<>();

  /**
   * Creates the backend; worker processes start in {@link #start}.
   *
   * @param settings the pool's worker settings
   * @param options the process options from the builder
   * @throws IllegalArgumentException if the initializer cannot be sent to worker processes, or workers
   *     cannot be launched the way the options say
   * @throws IllegalStateException if this JVM runs a program from its source file, whose classes no
   *     worker JVM can load
   */
  public ProcessBackend(WorkerSettings settings, ProcessOptions options) {
    SourceLauncher.requireCompiledProgram();
    this.settings = settings;
    this.options = options;
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    this.loader = context != null ? context : ProcessBackend.class.getClassLoader();
    this.initializer = encodeInitializer();
    this.launcher = WorkerLauncher.of(options, loader);
  }

  @Override
  public int workers() {
    return settings.workers();
  }

  @Override
  public void start(WorkSource source) {
    this.source = source;
    ScheduledThreadPoolExecutor t = Timer.INSTANCE;
    try {
      secret = Auth.randomBytes();
      if (!reusesWorkers()) {
        directory(); // at once; a pool that may lease parked workers makes it when it launches one
      }
      context = new WorkerContext(source, settings.poolName(), options, loader, secret, initializer, reusesWorkers(),
          launcher, t, functions);
    } catch (IOException e) {
      // No worker can start: reported as the first worker's failure, which breaks the pool.
      source.enrol(reason -> { }).startFailed(new StartFailure(StartFailure.Kind.REFUSED,
          "worker processes cannot be started: " + e.getMessage(), e));
      cleanUp();
      return;
    }
    // Every LEASE first: a control thread that starts may take this thread's processor for a while, and
    // nothing that follows is needed before a leased worker answers.
    List<WorkerStart.Lease> leases = new ArrayList<>();
    for (int i = 0; i < settings.workers(); i++) {
      leases.add(requestLease());
    }
    lock.lock();
    try {
      sweeper = t.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
    leases.forEach(this::spawn);
    // After the launches: a JVM's first log call starts java.util.logging, some 20 ms.
    if (LOG.isLoggable(System.Logger.Level.DEBUG)) { // describe() is not free either, with the code interpreted
      LOG.log(System.Logger.Level.DEBUG, "{0}: starting {1} worker processes: {2}", settings.poolName(),
          settings.workers(), launcher.describe());
    }
  }

  private byte[] encodeInitializer() {
    if (settings.initializer() == null) {
      return new byte[0];
    }
    try {
      return Codec.serialize(settings.initializer());
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException("the initializer cannot be sent to worker processes: it is or captures "
          + SerializationAdvice.ofFunction(settings.initializer(), e), e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the initializer cannot be serialized for worker processes: " + e, e);
    }
  }

  /**
   * Asks a parked worker for a lease from the thread that starts the pool, so that the round trip
   * overlaps the start of the worker's control thread; null if there is none, or the pool does not reuse
   * workers. Not from an interrupted thread: a channel written to from one is closed.
   */
  private WorkerStart.Lease requestLease() {
    if (!reusesWorkers() || Thread.currentThread().isInterrupted()) {
      return null;
    }
    WarmWorkers.Parked w = WarmWorkers.take(launcher.key());
    return w == null ? null : WorkerStart.requestLease(w, context);
  }

  /** Starts a worker; with {@code lease}, it takes the parked worker that lease was requested from. */
  private void spawn(WorkerStart.Lease lease) {
    if (terminated || (lease == null && stopping())) {
      if (lease != null) {
        WorkerStart.abandon(lease);
      }
      return;
    }
    WorkerProcess w = new WorkerProcess(this, context, lease);
    live.add(w);
    if (terminated) {
      w.terminate();
    }
    w.start();
  }

  @Override
  public void jobFinished(Job job) {
    functions.forget(job.id());
    for (WorkerProcess w : live) {
      w.forget(job.id());
    }
  }

  @Override
  public void interrupt(Job job) {
    for (WorkerProcess w : live) {
      w.interrupt(job);
    }
  }

  @Override
  public void shutdown() {
    // Each worker exits (or parks) once the source returns null to it.
    List<WarmWorkers.Parked> early;
    lock.lock();
    try {
      shuttingDown = true;
      early = takeParkedEarly();
      if (!terminated) { // read under the lock, where terminate() sets it: it cannot come in between
        early.forEach(w -> WarmWorkers.park(w, options.reuseKeepAlive()));
        early.clear();
      }
    } finally {
      lock.unlock();
    }
    early.forEach(WarmWorkers::discard);
  }

  @Override
  public void terminate() {
    List<WarmWorkers.Parked> early;
    lock.lock();
    try {
      terminated = true; // under the lock: a worker that parks from now on is killed, never parked
      early = takeParkedEarly();
    } finally {
      lock.unlock();
    }
    early.forEach(WarmWorkers::discard);
    for (WorkerProcess w : live) {
      w.terminate();
    }
  }

  /** Takes the workers that parked before shutdown() or terminate() came; called under the lock. */
  private List<WarmWorkers.Parked> takeParkedEarly() {
    List<WarmWorkers.Parked> early = new ArrayList<>(parkedEarly);
    parkedEarly.clear();
    return early;
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    long nanos = timeoutNanos;
    lock.lock();
    try {
      while (!live.isEmpty() || pendingStarts.get() > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = retired.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
    if (stopping()) {
      cleanUp();
    }
    return true;
  }

  /** Whether this pool parks its workers when it is done, and leases parked ones (see {@link WarmWorkers}). */
  private boolean reusesWorkers() {
    // maxTasksPerChild bounds the tasks of a process from its launch: such a pool neither parks nor leases.
    return options.reuseKeepAlive() != null && settings.maxTasksPerWorker() <= 0;
  }

  // ------------------------------------------------------------------ for the workers (WorkerProcess, WorkerStart)

  /**
   * A worker answered PARK. It goes to {@link WarmWorkers} only once the pool is known to have been shut
   * down rather than terminated: the engine's source runs dry for both, before it tells the backend which.
   */
  void park(WarmWorkers.Parked w) {
    boolean kill;
    lock.lock();
    try {
      kill = terminated;
      if (!kill && shuttingDown) {
        WarmWorkers.park(w, options.reuseKeepAlive()); // under the lock: terminate() cannot come in between
      } else if (!kill) {
        parkedEarly.add(w);
      }
    } finally {
      lock.unlock();
    }
    if (kill) {
      WarmWorkers.discard(w);
    }
  }

  /** The pool's private directory, made on first use. */
  PrivateDirectory directory() throws IOException {
    lock.lock();
    try {
      if (directory == null) {
        if (cleanedUp) {
          throw new IOException("the pool is done");
        }
        PrivateDirectory dir = PrivateDirectory.create();
        WorkerReaper.register(dir);
        directory = dir;
      }
      return directory;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether every chunk should report its start before it runs: after a worker died, so that a chunk
   * that kills its worker at once (before the worker's buffered STARTED went out) cannot go round the
   * workers uncounted.
   */
  boolean announceAll() {
    return announceAll;
  }

  /** A worker died (not asked to exit, not terminated, not timed out). */
  void workerDied() {
    announceAll = true;
  }

  /** Whether the pool was terminated: its workers are killed, never parked. */
  boolean terminated() {
    return terminated;
  }

  /** Whether no new worker should start: the pool is terminated, broken, or done with all its work. */
  boolean stopping() {
    WorkSource s = source;
    return terminated || s == null || s.isFinished();
  }

  /** Does what the engine decided after a worker ended or failed to start: start another, now or later. */
  void follow(Verdict verdict) {
    if (!verdict.replace()) {
      return;
    }
    if (verdict.delayNanos() == 0) {
      spawn(null);
      return;
    }
    pendingStarts.incrementAndGet();
    try {
      Timer.INSTANCE.schedule(() -> {
        try {
          spawn(null);
        } finally {
          pendingStarts.decrementAndGet();
          signalRetired();
        }
      }, verdict.delayNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      pendingStarts.decrementAndGet(); // the pool is done
    }
  }

  private void signalRetired() {
    lock.lock();
    try {
      retired.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The worker's process and threads are gone. */
  void retired(WorkerProcess w) {
    live.remove(w);
    signalRetired();
    if (live.isEmpty() && pendingStarts.get() == 0 && stopping()) {
      cleanUp();
    }
  }

  /**
   * Serializes the job's function when its call starts, once for all workers: a function that cannot be
   * sent fails the call once, here, with why and what to do, instead of failing each of its items.
   */
  @Override
  public void admit(Job job) {
    functions.admit(job);
  }

  private void sweep() {
    long now = System.nanoTime();
    for (WorkerProcess w : live) {
      w.sweep(now);
    }
  }

  /** Releases the pool's directory and stops its sweeps, once; a second caller returns only when it is done. */
  private void cleanUp() {
    lock.lock();
    try {
      if (cleanedUp) {
        return;
      }
      cleanedUp = true;
      if (sweeper != null) {
        sweeper.cancel(false);
      }
      PrivateDirectory dir = directory;
      if (dir != null) {
        dir.delete();
        WorkerReaper.unregister(dir);
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ test hooks

  /** The pool's secret, which its workers' JVMs are given. */
  byte[] secret() {
    return secret;
  }

  /** Queues raw bytes to the worker with the given process id; false if there is none. */
  boolean injectForTest(long pid, byte[] raw) {
    for (WorkerProcess w : live) {
      if (w.pid() == pid) {
        w.injectForTest(raw);
        return true;
      }
    }
    return false;
  }
}
