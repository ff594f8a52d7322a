package dev.procpool.spi;

/**
 * Moves chunks to workers and reports what happened; the extension point for a new place to run
 * work (threads, worker processes, a cluster). Everything else (chunking, read-ahead, ordering,
 * callbacks, fail-fast, retries, timeouts as policy) belongs to the engine, so a backend stays small:
 *
 * <ol>
 *   <li>{@link #start} starts the workers; each runs the pool's initializer once, then repeatedly
 *       takes a {@link Chunk} from the {@link WorkSource}, applies {@link Job#function()} to its
 *       items in order and reports each outcome to the {@link WorkSink};
 *   <li>a worker that reached the pool's tasks-per-worker limit is replaced by a fresh one;
 *   <li>a worker that dies is replaced, and every chunk it held is reported {@link WorkSink#lost
 *       lost};
 *   <li>an item running past {@link Job#taskTimeout()} is stopped (a process is killed, a thread is
 *       interrupted and abandoned) and reported lost with {@link Loss.Kind#TIMED_OUT};
 *   <li>{@link #shutdown()} lets workers exit once the source is finished; {@link #terminate()} stops
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
   * @param source where workers take chunks from
   * @param sink where workers report outcomes and events
   */
  void start(WorkSource source, WorkSink sink);

  /**
   * Tells the backend that a job is over, so that it may drop the function it cached for it.
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
   * Lets workers exit once the source reports {@linkplain WorkSource#isFinished() finished}. Does not
   * wait.
   */
  void shutdown();

  /**
   * Stops every worker now (kills processes, interrupts threads); chunks they held are reported lost
   * with {@link Loss.Kind#TERMINATED}. Chunks a worker held but never began must be reported (with
   * {@code started} false) before this method returns, so that {@code shutdownNow()} can list the
   * runnables that never started. Does not wait for workers to exit.
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
