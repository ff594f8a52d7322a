package dev.procpool;

import dev.procpool.internal.DefaultPool;
import dev.procpool.internal.EngineSettings;
import dev.procpool.internal.process.ProcessBackend;
import dev.procpool.internal.process.ProcessOptions;
import dev.procpool.internal.threads.ThreadBackend;
import dev.procpool.spi.BackendFactory;
import dev.procpool.spi.WorkerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds a {@link Pool} with settings beyond {@link Pool#threads(int)}.
 *
 * <pre>{@code
 * Pool pool = Pool.builder()
 *     .threads(4)
 *     .initializer(() -> NativeLib.load())
 *     .maxTasksPerChild(1_000)
 *     .taskTimeout(Duration.ofMinutes(1))
 *     .build();
 * }</pre>
 *
 * <p>Every setting may be made once: setting it again throws {@link IllegalStateException} naming the
 * value already set, so a misconfiguration is found where it is written. Unset settings take the
 * defaults given on each method. The settings are sealed when {@link #build()} returns: a built pool
 * never changes its configuration, and building twice from one builder is rejected.
 *
 * <p>Not thread-safe; use one builder from one thread.
 */
public final class PoolBuilder {
  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
  /** The read-ahead floor of the default: enough items per worker to cover a round trip of tiny tasks. */
  static final int READ_AHEAD_ITEMS_PER_WORKER = 64;

  private String backendName;
  private BackendFactory backend;
  private Integer workers;
  private Task<?> initializer;
  private Integer maxTasksPerChild;
  private Integer readAhead;
  private Duration taskTimeout;
  private Integer retries;
  private String name;
  private boolean built;
  private PoolListener listener;
  private Progress progress;
  private boolean processes;
  private List<String> jvmOptions;
  private List<Path> extraClasspath;
  private Map<String, String> environment;
  private Map<String, String> systemProperties;
  private WorkerOutput workerOutput;
  private Duration reuseWorkers;

  PoolBuilder() {}

  /**
   * What happens to what worker processes print on their stdout and stderr.
   *
   * @see #workerOutput(WorkerOutput)
   */
  public enum WorkerOutput {
    /**
     * Each whole line goes to this JVM's {@link System#out} or {@link System#err} (as they are when the
     * line arrives), prefixed with the pool's name and the worker's id, such as {@code [pool-1 w2] }.
     * Lines of different workers never interleave mid-line. The default.
     */
    FORWARD,
    /** Dropped. The last lines of stderr are still kept, to explain a worker that fails to start. */
    DISCARD,
    /**
     * Written straight to this process's own stdout and stderr, without a prefix and without passing
     * through this JVM; lines of different workers may interleave, and {@link System#setOut} does not
     * apply.
     */
    INHERIT
  }

  /**
   * Runs the work on one thread per CPU in this JVM ({@link Runtime#availableProcessors()}, read now):
   * Python's {@code Pool()} without {@code processes}, on threads. This is also the default when no
   * backend is chosen.
   *
   * @return this builder
   * @throws IllegalStateException if a backend was already chosen
   */
  public PoolBuilder threads() {
    return threads(Runtime.getRuntime().availableProcessors());
  }

  /**
   * Runs the work on {@code workers} threads in this JVM. This is the default backend, with
   * {@code Runtime.availableProcessors()} workers.
   *
   * @param workers the number of worker threads, at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code workers < 1}
   * @throws IllegalStateException if a backend was already chosen
   */
  public PoolBuilder threads(int workers) {
    checkWorkers(workers);
    chooseBackend("threads(" + workers + ")", ThreadBackend::new);
    this.workers = workers;
    return this;
  }

  /**
   * Runs the work on one worker JVM per CPU ({@link Runtime#availableProcessors()}, read now): Python's
   * {@code Pool()} without {@code processes}. Everything {@link #processes(int)} says applies.
   *
   * @return this builder
   * @throws IllegalStateException if a backend was already chosen
   */
  public PoolBuilder processes() {
    return processes(Runtime.getRuntime().availableProcessors());
  }

  /**
   * Runs the work on {@code workers} worker JVMs, Python's {@code Pool(processes=n)}: each worker is a
   * separate process started with this JVM's own {@code java} and what it needs to load the
   * application's classes, however this JVM was launched (from a class path, the module path or a
   * Spring Boot executable jar; not from a source file, where {@link #build()} fails). So a task that
   * crashes, calls {@code System.exit}, runs out of memory or hangs past its timeout takes down only
   * its worker, which the pool replaces. Functions, items and results must be {@link java.io.Serializable}; one
   * that is not fails with an {@link IllegalArgumentException} (as the item's cause) naming the class.
   *
   * <p>Workers start in parallel when the pool is built, and the first tasks run as soon as the first
   * worker is ready. Worker-process settings: {@link #jvmOptions}, {@link #extraClasspath},
   * {@link #environment}, {@link #systemProperties}, {@link #workerOutput}, {@link #reuseWorkers}.
   *
   * @param workers the number of worker processes, at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code workers < 1}
   * @throws IllegalStateException if a backend was already chosen
   */
  public PoolBuilder processes(int workers) {
    checkWorkers(workers);
    chooseBackend("processes(" + workers + ")", null);
    this.processes = true;
    this.workers = workers;
    return this;
  }

  /**
   * Passes options to each worker process's {@code java} command, such as {@code -Xmx256m} to cap its
   * heap or {@code -XX:+UseSerialGC}. Only for {@link #processes(int)}. Default: none, the JVM's own
   * defaults, except that a worker's heap starts at 32 MB ({@code -Xms32m}) and grows as its tasks need,
   * up to the JVM's default maximum; no starting size is added when these options or the worker's
   * {@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS} or {@code _JAVA_OPTIONS} size the heap
   * ({@code -Xms}, {@code -Xmx}, {@code -Xmn}, or an {@code -XX:} option on the heap, RAM or young
   * generation size).
   *
   * @param options JVM options, each starting with {@code -}
   * @return this builder
   * @throws IllegalArgumentException if an option does not start with {@code -}, or sets the classpath
   *     (use {@link #extraClasspath}) or a main jar
   * @throws IllegalStateException if already set
   */
  public PoolBuilder jvmOptions(String... options) {
    Objects.requireNonNull(options, "options");
    List<String> list = new ArrayList<>();
    for (String o : options) {
      Objects.requireNonNull(o, "a JVM option is null");
      if (!o.startsWith("-")) {
        throw new IllegalArgumentException("JVM options start with '-', got \"" + o + "\"");
      }
      if (List.of("-cp", "-classpath", "--class-path", "-jar").contains(o) || o.startsWith("--class-path=")) {
        throw new IllegalArgumentException("the JVM option " + o + " is not allowed: workers use this JVM's classpath;"
            + " add entries with extraClasspath(..)");
      }
      list.add(o);
    }
    requireUnset("jvmOptions", jvmOptions);
    this.jvmOptions = List.copyOf(list);
    return this;
  }

  /**
   * Adds entries after the classpath worker processes inherit from this JVM, for classes only the
   * workers need. Only for {@link #processes(int)}. Default: none.
   *
   * @param entries jars or directories
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public PoolBuilder extraClasspath(Path... entries) {
    Objects.requireNonNull(entries, "entries");
    List<Path> list = new ArrayList<>();
    for (Path p : entries) {
      list.add(Objects.requireNonNull(p, "a classpath entry is null"));
    }
    requireUnset("extraClasspath", extraClasspath);
    this.extraClasspath = List.copyOf(list);
    return this;
  }

  /**
   * Sets environment variables of worker processes, on top of the environment they inherit from this
   * JVM. Only for {@link #processes(int)}. Default: the inherited environment unchanged.
   *
   * @param variables names and values
   * @return this builder
   * @throws IllegalArgumentException if a name is empty or contains {@code '='} or a NUL character
   * @throws IllegalStateException if already set
   */
  public PoolBuilder environment(Map<String, String> variables) {
    Map<String, String> copy = checkedCopy(variables, "environment variable");
    for (Map.Entry<String, String> e : copy.entrySet()) {
      if (e.getKey().indexOf('\0') >= 0 || e.getValue().indexOf('\0') >= 0) {
        throw new IllegalArgumentException("the environment variable " + e.getKey() + " contains a NUL character");
      }
    }
    requireUnset("environment", environment);
    this.environment = copy;
    return this;
  }

  /**
   * Sets system properties in worker processes (as {@code -Dname=value}). Only for
   * {@link #processes(int)}. Default: none beyond the JVM's own.
   *
   * @param properties names and values
   * @return this builder
   * @throws IllegalArgumentException if a name is empty or contains {@code '='}
   * @throws IllegalStateException if already set
   */
  public PoolBuilder systemProperties(Map<String, String> properties) {
    Map<String, String> copy = checkedCopy(properties, "system property");
    requireUnset("systemProperties", systemProperties);
    this.systemProperties = copy;
    return this;
  }

  /**
   * Chooses what happens to what worker processes print. Only for {@link #processes(int)}. Default:
   * {@link WorkerOutput#FORWARD}.
   *
   * @param output forward, discard or inherit
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public PoolBuilder workerOutput(WorkerOutput output) {
    Objects.requireNonNull(output, "output");
    requireUnset("workerOutput", workerOutput);
    this.workerOutput = output;
    return this;
  }

  /**
   * Keeps this pool's idle worker JVMs warm for the next pool, like loky's reusable executor, for
   * programs that create process pools again and again. When the pool finishes ({@link Pool#close()},
   * or {@link Pool#shutdown()} then {@link Pool#join()}), each idle worker is parked in a cache of this
   * JVM instead of exiting; a later pool built with this setting and the same launch configuration (the
   * {@code java} executable, {@link #jvmOptions}, the classpath with {@link #extraClasspath},
   * {@link #environment}, {@link #systemProperties}, {@link #workerOutput}) leases parked workers
   * instead of starting JVMs, so that its first result comes in milliseconds rather than the few hundred
   * a JVM takes to start. Only for {@link #processes(int)}. Default: off, every worker exits with its
   * pool.
   *
   * <p>A worker still starting when its pool finishes is not stopped, as it is without this setting: it
   * finishes starting and is parked, and {@link Pool#close()} waits for that (a JVM's start, a few hundred
   * milliseconds; one not up within 10 seconds is killed), so that a run of short pools does not launch a
   * JVM for each one.
   *
   * <p>A parked worker exits once it has waited {@code keepAlive} for a pool, and with this JVM (when it
   * exits, or when it is killed). Workers of a pool ended with {@link Pool#terminate()} or
   * {@link Pool#shutdownNow()}, and workers that crashed, timed out or broke the protocol, are never
   * parked. A pool that sets {@link #maxTasksPerChild} neither parks nor leases workers (its bound
   * counts the tasks of a process from its launch), as if this setting were not there. A parked worker
   * that died, or that fails to prove it is the process that was launched, is killed and never handed
   * out: the new pool's initializer is sent only after the proof. Stats and listeners see a leased worker start
   * with the detail {@code reused}, and a parked one exit with {@code parked for reuse}. The cache is
   * shared by all pools of the JVM and is thread-safe.
   *
   * <p>A leased worker starts each pool as a new one would, as far as procpool can reset it: the new
   * pool's initializer runs in it; the application's classes are loaded afresh, by a class loader of
   * the lease's own, so their static fields start from scratch (when none of the classes the last lease
   * loaded can hold state, having neither a static initializer nor a static field that is not a
   * constant, the next lease keeps them: there is nothing to reset); {@link WorkerLocal} states are dropped
   * (closed, for those that are {@link AutoCloseable}, when the worker is parked); tasks run on a new
   * thread, so no thread-local is left over; the old pool's functions are gone. What belongs to the JVM
   * itself is not reset, and this is why reuse is opt-in: system properties, the default locale or time
   * zone, and other JDK state a task changed; static state of the JDK's classes and procpool's own;
   * threads a task started and left running (which also keep the old classes alive); files and sockets
   * left open; shutdown hooks; native libraries, which a JVM loads for one class loader only, so a class
   * that calls {@code System.loadLibrary} fails with {@link UnsatisfiedLinkError} in a leased worker.
   * Code that asks the system class loader for application classes gets other copies than the tasks'.
   *
   * @param keepAlive how long a parked worker waits for the next pool before it exits, positive and
   *     at most one day
   * @return this builder
   * @throws IllegalArgumentException if {@code keepAlive} is zero, negative or longer than one day
   * @throws IllegalStateException if already set
   */
  public PoolBuilder reuseWorkers(Duration keepAlive) {
    Objects.requireNonNull(keepAlive, "keepAlive");
    if (keepAlive.isZero() || keepAlive.isNegative()) {
      throw new IllegalArgumentException("reuseWorkers needs a positive keep-alive for parked workers, got "
          + keepAlive);
    }
    if (keepAlive.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("reuseWorkers takes a keep-alive of at most one day (PT24H), got "
          + keepAlive);
    }
    requireUnset("reuseWorkers", reuseWorkers);
    this.reuseWorkers = keepAlive;
    return this;
  }

  /**
   * Runs the work on a backend of your own or from another procpool module (for example a cluster).
   *
   * @param factory creates the backend from the pool's worker settings
   * @param workers how many workers the backend should run, at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code workers < 1}
   * @throws IllegalStateException if a backend was already chosen
   */
  public PoolBuilder backend(BackendFactory factory, int workers) {
    Objects.requireNonNull(factory, "factory");
    checkWorkers(workers);
    chooseBackend("backend(" + factory + ")", factory);
    this.workers = workers;
    return this;
  }

  /**
   * Runs {@code initializer} once in every worker before its first task, Python's
   * {@code initializer}. If it throws, the pool does not restart workers forever as Python does: the
   * pending and later work fails with {@link WorkerStartException}. For worker processes it must be
   * serializable (a lambda is, when what it captures is). Default: none.
   *
   * <p>A lambda that returns nothing, {@code () -> init(x)}, resolves to {@link #initializer(Action)};
   * one that returns a value, or a {@code Task} variable, resolves here. Both do the same.
   *
   * @param initializer the task to run; its result is ignored
   * @return this builder
   * @throws NullPointerException if {@code initializer} is null
   * @throws IllegalStateException if already set
   */
  public PoolBuilder initializer(Task<?> initializer) {
    Objects.requireNonNull(initializer, "initializer");
    requireUnset("initializer", this.initializer);
    this.initializer = initializer;
    return this;
  }

  /**
   * Runs {@code initializer} once in every worker before its first task, Python's
   * {@code initializer}, for an initializer that returns nothing:
   * {@code .initializer(() -> NativeLib.load(dir))} or {@code .initializer(Models::warmUp)}, without
   * {@code return null;}. Otherwise the same as {@link #initializer(Task)}. Default: none.
   *
   * @param initializer the action to run
   * @return this builder
   * @throws NullPointerException if {@code initializer} is null
   * @throws IllegalStateException if already set
   */
  public PoolBuilder initializer(Action initializer) {
    return initializer((Task<?>) initializer);
  }

  /**
   * Replaces a worker with a fresh one once it has run {@code tasks} items, Python's
   * {@code maxtasksperchild}; useful to contain leaks. The check is made between chunks, so a worker
   * may run up to one chunk more than the limit. Default: never replace.
   *
   * @param tasks the number of items, at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code tasks < 1}
   * @throws IllegalStateException if already set
   */
  public PoolBuilder maxTasksPerChild(int tasks) {
    if (tasks < 1) {
      throw new IllegalArgumentException(
          "maxTasksPerChild must be at least 1, got " + tasks + "; leave it unset to never replace workers");
    }
    requireUnset("maxTasksPerChild", maxTasksPerChild);
    this.maxTasksPerChild = tasks;
    return this;
  }

  /**
   * Bounds how far {@code imap} and {@code imapUnordered} read ahead of their consumer: at most
   * {@code chunks} chunks (that is, {@code chunks * chunksize} items, where an adaptive chunk size counts
   * at its current value: at most 1024 items on threads and clusters; on worker JVMs, which measure the
   * bytes a chunk takes, at most 256 KB of encoded items and results and at most 16,384 items) are taken
   * from the input and not yet handed to the consumer.
   * Larger values keep workers busier when task times vary; smaller ones use less memory.
   *
   * <p>Default: {@code 4 * workers} chunks, but never fewer than 64
   * items per worker, so that chunks of a single small item still keep workers busy while results
   * travel back (with chunks of one and the bare chunk bound, every worker would wait for a round trip
   * per item). Set it when items are large, to bound memory exactly: an explicit value has no floor.
   *
   * @param chunks the number of chunks, at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code chunks < 1}
   * @throws IllegalStateException if already set
   */
  public PoolBuilder readAhead(int chunks) {
    if (chunks < 1) {
      throw new IllegalArgumentException("readAhead must be at least 1 chunk, got " + chunks);
    }
    requireUnset("readAhead", readAhead);
    this.readAhead = chunks;
    return this;
  }

  /**
   * Stops any single item that runs longer than {@code timeout}; the item fails with
   * {@link TaskTimeoutException} like any failed item: {@code map} and {@code apply} fail fast with
   * it, while {@code imap} throws it at the item's position and goes on. Threads are interrupted and
   * replaced (a thread that ignores interrupts keeps running in the background: use processes for
   * code that may hang). Override per call with {@link Pool#withTimeout(Duration)}. Default: none.
   *
   * @param timeout the per-item limit, positive
   * @return this builder
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   * @throws IllegalStateException if already set
   */
  public PoolBuilder taskTimeout(Duration timeout) {
    checkTimeout(timeout);
    requireUnset("taskTimeout", taskTimeout);
    this.taskTimeout = timeout;
    return this;
  }

  /**
   * How many more times to run an item whose worker died while running it, before failing it with
   * {@link WorkerDiedException}. Only crashes count (a task that throws is never retried). Default: 0.
   *
   * @param retries the number of retries, at least 0
   * @return this builder
   * @throws IllegalArgumentException if {@code retries < 0}
   * @throws IllegalStateException if already set
   */
  public PoolBuilder retries(int retries) {
    if (retries < 0) {
      throw new IllegalArgumentException("retries must be at least 0, got " + retries);
    }
    requireUnset("retries", this.retries);
    this.retries = retries;
    return this;
  }

  /**
   * Names the pool's threads, processes and log lines. Default: {@code pool-N}.
   *
   * @param name a short name
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public PoolBuilder name(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    requireUnset("name", this.name);
    this.name = name;
    return this;
  }

  /**
   * Sends the progress of every call to {@code listener}, for an application's own UI, metrics or
   * logs. Default: none.
   *
   * @param listener the listener; called from pool threads, so it must be fast and thread-safe
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public PoolBuilder listener(PoolListener listener) {
    Objects.requireNonNull(listener, "listener");
    requireUnset("listener", this.listener);
    this.listener = listener;
    return this;
  }

  /**
   * Shows a live progress bar on standard error for {@code map}, {@code starmap}, {@code imap} and
   * {@code imapUnordered}; see {@link Progress}. Needs the {@code dev.procpool:procpool-progress}
   * module on the class path. Override per call with {@link Pool#withProgress(Progress)}. Default:
   * {@link Progress#OFF}.
   *
   * @param progress when to show the bar
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public PoolBuilder progress(Progress progress) {
    Objects.requireNonNull(progress, "progress");
    requireUnset("progress", this.progress);
    this.progress = progress;
    return this;
  }

  /**
   * Builds and starts the pool. Workers start in the background; the first tasks run as soon as the
   * first worker is ready.
   *
   * @return a running pool
   * @throws IllegalStateException if this builder already built a pool, or a worker-process setting
   *     was made for a backend other than {@link #processes(int)}, or worker processes were chosen in
   *     a program run from its source file ({@code java Hello.java}), whose classes no worker JVM can load
   */
  public Pool build() {
    if (built) {
      throw new IllegalStateException("this builder already built a pool; use a new Pool.builder()");
    }
    if (backendName == null) {
      threads(Runtime.getRuntime().availableProcessors());
    }
    if (!processes) {
      rejectProcessOnly("jvmOptions", jvmOptions);
      rejectProcessOnly("extraClasspath", extraClasspath);
      rejectProcessOnly("environment", environment);
      rejectProcessOnly("systemProperties", systemProperties);
      rejectProcessOnly("workerOutput", workerOutput);
      rejectProcessOnly("reuseWorkers", reuseWorkers);
    }
    built = true;
    if (processes) {
      ProcessOptions options = new ProcessOptions(
          jvmOptions == null ? List.of() : jvmOptions,
          extraClasspath == null ? List.of() : extraClasspath,
          environment == null ? Map.of() : environment,
          systemProperties == null ? Map.of() : systemProperties,
          workerOutput == null ? WorkerOutput.FORWARD : workerOutput,
          reuseWorkers);
      backend = settings -> new ProcessBackend(settings, options);
    }
    String poolName = name != null ? name : "pool-" + POOL_NUMBER.incrementAndGet();
    WorkerSettings settings =
        new WorkerSettings(poolName, workers, initializer, maxTasksPerChild == null ? 0 : maxTasksPerChild);
    EngineSettings engine = new EngineSettings(
        poolName,
        readAhead == null ? 4 * workers : readAhead,
        readAhead == null ? READ_AHEAD_ITEMS_PER_WORKER * workers : 0,
        retries == null ? 0 : retries,
        settings.maxTasksPerWorker(),
        taskTimeout,
        listener,
        progress == null ? Progress.OFF : progress);
    return DefaultPool.start(backend.create(settings), engine);
  }

  static void checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  private static void checkWorkers(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
  }

  private void rejectProcessOnly(String setting, Object value) {
    if (value != null) {
      throw new IllegalStateException(setting + "(..) applies only to worker processes, but the backend is "
          + backendName + "; choose processes(n) or remove " + setting + "(..)");
    }
  }

  private static Map<String, String> checkedCopy(Map<String, String> map, String what) {
    Objects.requireNonNull(map, what + "s");
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : map.entrySet()) {
      String key = Objects.requireNonNull(e.getKey(), "a " + what + " name is null");
      String value = Objects.requireNonNull(e.getValue(), "the " + what + " " + key + " has a null value");
      if (key.isEmpty() || key.indexOf('=') >= 0) {
        throw new IllegalArgumentException("a " + what + " name must be non-empty and without '=', got \"" + key + "\"");
      }
      copy.put(key, value);
    }
    return copy;
  }

  private void chooseBackend(String description, BackendFactory factory) {
    if (backendName != null) {
      throw new IllegalStateException(
          "the backend was already chosen: " + backendName + "; choose only one of threads(..), processes(..), backend(..)");
    }
    backendName = description;
    backend = factory;
  }

  private static void requireUnset(String setting, Object current) {
    if (current != null) {
      throw new IllegalStateException(setting + " was already set to " + current);
    }
  }
}
