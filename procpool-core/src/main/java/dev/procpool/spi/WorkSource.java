package dev.procpool.spi;

import java.util.concurrent.TimeUnit;

/**
 * Where a backend's workers take their work from: the engine's queue of chunks. Workers pull, so the
 * engine keeps control of what runs next (retries go first) and of how much is read ahead.
 *
 * <p>Thread-safe; any number of backend threads may take at once.
 */
public interface WorkSource {

  /**
   * Waits for the next chunk.
   *
   * @return the next chunk, or null once the pool is shut down and every call has finished, or is
   *     terminated: the worker should then exit
   * @throws InterruptedException if interrupted while waiting
   */
  Chunk take() throws InterruptedException;

  /**
   * Returns the next chunk if one is ready within the given time.
   *
   * @param timeout how long to wait, 0 for not at all
   * @param unit the unit of {@code timeout}
   * @return the next chunk, or null if none came in time or the pool is finished (see
   *     {@link #isFinished()})
   * @throws InterruptedException if interrupted while waiting
   */
  Chunk poll(long timeout, TimeUnit unit) throws InterruptedException;

  /**
   * Tells whether no chunk will ever come again (the pool is shut down and drained, or terminated).
   *
   * @return true when the backend's workers may exit
   */
  boolean isFinished();
}
