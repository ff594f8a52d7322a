package dev.procpool.spi;

/**
 * Moves chunks to workers and reports what happened; the extension point for a new place to run work
 * (threads, worker processes, a cluster). Everything else (chunking, read-ahead, ordering, callbacks,
 * fail-fast, and what a fault means: re-runs, isolation, retries, timeouts as policy, whether to replace a
 * worker or give up) belongs to the engine, so a backend stays small:
 *
 * <ol>
 *   <li>{@link #start} starts the workers: each is {@linkplain WorkSource#enrol enrolled} first, runs the
 *       pool's initializer once, says it is {@linkplain WorkerLink#ready ready}, then repeatedly takes a
 *       {@link Chunk} from its {@link WorkerLink}, applies {@link Job#function()} to its items in order and
 *       reports each outcome;
 *   <li>when a worker ends or fails to start, the backend reports it and does what the returned
 *       {@link Verdict} says (start another, perhaps after a delay, or not);
 *   <li>an item running past {@link Job#taskTimeout()} is stopped (a process is killed, a thread is
 *       interrupted and abandoned) and reported with {@link WorkerLink#timedOut};
 *   <li>{@link WorkerControl#stop} stops a worker the engine found frozen;
 *   <li>{@link #shutdown()} lets workers exit once their link has no more work; {@link #terminate()} stops
 *       them at once.
 * </ol>
 *
 * <p>Implementations must be thread-safe. The engine calls {@link #start} once.
 */
public interface Backend {

  /**
   * Returns the number of workers this backend runs at once.
   *
   * @return at least 1
   */
  int workers();

  /**
   * Starts the workers. Returns without waiting for them to be ready: the first chunks run as soon as
   * the first worker is.
   *
   * @param source where workers enrol
   */
  void start(WorkSource source);

  /**
   * Checks, when a call starts and before any of its items is read, that this backend can run the job at
   * all: a function that cannot be sent to the workers fails the call once, here, rather than each item.
   * A backend may keep what it prepared (the serialized function) for the job's chunks. The default
   * accepts every job.
   *
   * @param job the new job
   * @throws IllegalArgumentException if the job's function cannot run on this backend, saying why and
   *     what to do
   */
  default void admit(Job job) {}

  /**
   * Tells the backend that a job is over, so that it may drop what it keeps for it.
   *
   * @param job the finished job
   */
  default void jobFinished(Job job) {}

  /**
   * Interrupts the items of a cancelled job that are running now, where the backend can. The default
   * does nothing: the job's remaining items are skipped anyway and its results ignored.
   *
   * @param job the cancelled job
   */
  default void interrupt(Job job) {}

  /**
   * Tells the backend that the pool is shutting down: workers exit once their link has no more work. Does
   * not wait.
   */
  void shutdown();

  /**
   * Stops every worker now (kills processes, interrupts threads); each then reports
   * {@link Exit.Kind#TERMINATED}. Does not wait for workers to exit.
   */
  void terminate();

  /**
   * Waits until every worker has exited and the backend's resources are released.
   *
   * @param timeoutNanos how long to wait at most
   * @return true if everything has exited, false if the time ran out
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitTermination(long timeoutNanos) throws InterruptedException;
}
