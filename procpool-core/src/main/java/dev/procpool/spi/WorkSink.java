package dev.procpool.spi;

import java.util.List;

/**
 * Where a backend reports what its workers did. Reports are idempotent: an outcome reported twice for
 * the same item (a duplicate from a cluster, a late answer from a worker already written off) is
 * counted once, so a backend never needs to deduplicate.
 *
 * <p>Thread-safe; call it from any thread, but never while holding a lock that a
 * {@link WorkSource} caller may need.
 */
public interface WorkSink {

  /**
   * Reports results of consecutive items of a chunk.
   *
   * @param chunk the chunk
   * @param offset the offset within the chunk of {@code results.get(0)}
   * @param results the results, in item order
   */
  void completed(Chunk chunk, int offset, List<?> results);

  /**
   * Reports that the function threw for one item.
   *
   * @param chunk the chunk
   * @param offset the offset of the item within the chunk
   * @param error what the function threw (for remote workers, a faithful copy)
   */
  void failed(Chunk chunk, int offset, Throwable error);

  /**
   * Reports that a chunk was assigned to a worker that is gone, or stopped for its timeout. Items of
   * the chunk without an outcome are handed back to the engine.
   *
   * @param chunk the chunk
   * @param loss what happened
   */
  void lost(Chunk chunk, Loss loss);

  /**
   * Reports that a worker could not be made ready (its initializer threw, or it could not be
   * started). The engine fails the pool's work with it rather than restarting workers forever.
   *
   * @param message what failed, for the exception message
   * @param cause the initializer's exception or the start failure
   */
  void workerStartFailed(String message, Throwable cause);

  /**
   * Records a worker lifecycle event, for statistics and logging. The engine never changes the fate
   * of items because of an event; that is what {@link #lost} is for.
   *
   * @param event the event
   */
  default void workerEvent(WorkerEvent event) {}

  /**
   * Records what a worker did, for statistics only.
   *
   * @param activity the worker's tasks, busy time and bytes since its last report
   */
  default void activity(WorkerActivity activity) {}
}
