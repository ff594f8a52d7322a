package dev.procpool.spi;

import dev.procpool.Fn;
import java.time.Duration;

/**
 * One call on a pool ({@code map}, {@code imap}, {@code apply}, ...) as a backend sees it: an id and a
 * function that every {@link Chunk} of the call shares. A backend ships the function to a worker once
 * per job (keyed by {@link #id()}), not once per chunk, and may forget it when
 * {@link Backend#jobFinished(Job)} is called.
 *
 * <p>Implementations are supplied by the engine and are thread-safe.
 */
public interface Job {

  /**
   * Returns the id of this job, unique within its pool.
   *
   * @return the id
   */
  long id();

  /**
   * Returns the function to apply to every item of this job. Tuple-taking forms ({@code starmap})
   * and item-less tasks ({@code apply}) are already adapted to one-argument functions.
   *
   * @return the function, never null
   */
  Fn<Object, Object> function();

  /**
   * Returns how long one item may run before the backend must stop it and report it with
   * {@link WorkerLink#timedOut}.
   *
   * @return the timeout, or null for none
   */
  Duration taskTimeout();

  /**
   * Tells whether the caller no longer wants results of this job (it failed fast, was cancelled or
   * closed). A backend should skip its remaining items; results it still reports are ignored.
   *
   * @return true once the job is over for the caller
   */
  boolean isCancelled();

  /**
   * Returns how many items the job has, when they are all known up front ({@code map}, {@code apply}):
   * a chunk of that many items is then the whole job, and a backend may drop the function with it.
   *
   * @return the number of items, or -1 for a job whose input is still being read ({@code imap})
   */
  default long size() {
    return -1;
  }
}
