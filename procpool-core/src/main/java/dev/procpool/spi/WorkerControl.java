package dev.procpool.spi;

/**
 * How the engine acts on one worker of a backend, given to {@link WorkSource#enrol}.
 *
 * <p>Implementations must be thread-safe and must not block: the engine calls them from its own threads.
 */
public interface WorkerControl {

  /**
   * Stops the worker: it holds work with a task timeout and has reported nothing at all for longer than
   * that timeout allows, so it is frozen (a stopped process, a stalled machine, a cut connection) and
   * cannot be trusted to stop an item itself. The backend ends it the way it ends a worker whose item
   * timed out (kills the process, writes the thread off) and reports it gone with
   * {@link Exit.Kind#STOPPED}. Called at most once.
   *
   * @param reason what the engine saw, for messages
   */
  void stop(String reason);

  /**
   * Tells whether the pool's tasks-per-worker limit ({@code maxTasksPerChild}) applies to this worker as
   * a whole. A worker that stands for several of its own (a cluster member running the pool on several
   * threads) answers false and applies the limit to each of them itself, counting items at chunk
   * boundaries as the engine does.
   *
   * @return true by default
   */
  default boolean recycledAsOne() {
    return true;
  }
}
