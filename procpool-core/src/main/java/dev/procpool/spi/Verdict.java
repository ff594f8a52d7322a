package dev.procpool.spi;

import java.time.Duration;

/**
 * What a backend does after one of its workers ended or failed to start, as decided by the engine:
 * start another in its place (now, or after a back-off delay), or not.
 *
 * @param replace whether to start a worker in place of the one that ended
 * @param delayNanos how long to wait before starting it (0 for at once); 0 when {@code replace} is false
 */
public record Verdict(boolean replace, long delayNanos) {

  /** Start another worker at once. */
  public static final Verdict REPLACE = new Verdict(true, 0);
  /** Start no other worker: the pool is done, terminated or broken. */
  public static final Verdict RETIRE = new Verdict(false, 0);

  /**
   * Checks the arguments.
   *
   * @param replace whether to start a worker in place of the one that ended
   * @param delayNanos how long to wait first
   * @throws IllegalArgumentException if {@code delayNanos} is negative, or positive without a replacement
   */
  public Verdict {
    if (delayNanos < 0 || (!replace && delayNanos != 0)) {
      throw new IllegalArgumentException("a delay must be positive and come with a replacement, got " + delayNanos);
    }
  }

  /**
   * Start another worker after a delay.
   *
   * @param delay how long to wait first
   * @return the verdict
   */
  public static Verdict replaceAfter(Duration delay) {
    return delay.isZero() ? REPLACE : new Verdict(true, delay.toNanos());
  }
}
