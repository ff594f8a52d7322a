package dev.procpool.bench;

import dev.procpool.Fn;

/**
 * The functions the workloads apply, the same as those of {@code python/compare.py}. Static fields, so
 * that each is one serializable lambda whose class worker JVMs load from this module.
 */
public final class Work {
  private Work() {}

  /** Workloads 1, 2, 3 and 8. */
  public static final Fn<Integer, Integer> SQUARE = x -> x * x;

  /** Workload 4. */
  public static final Fn<byte[], Integer> LENGTH = b -> b.length;

  /** Workload 5: about 0.2 s for the calibrated number of iterations. */
  public static final Fn<Long, Long> SPIN = Work::spin;

  /**
   * Pure arithmetic for {@code n} rounds of xorshift64, the same loop as {@code spin} in compare.py.
   * The sum is returned so that the JIT cannot drop the loop.
   *
   * @param n the number of rounds
   * @return a checksum
   */
  public static long spin(long n) {
    long x = 0x9E3779B97F4A7C15L;
    long acc = 0;
    for (long i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      acc += x & 1023;
    }
    return acc;
  }

  /**
   * How many rounds of {@link #spin} take about {@code seconds} in this JVM, measured after the JIT
   * has compiled it.
   *
   * @param seconds the wanted duration
   * @return the number of rounds
   */
  public static long calibrate(double seconds) {
    long n = 1_000_000;
    for (int warm = 0; warm < 5; warm++) {
      sink += spin(n);
    }
    double took;
    for (;;) {
      long t0 = System.nanoTime();
      sink += spin(n);
      took = (System.nanoTime() - t0) / 1e9;
      if (took > 0.05) {
        break;
      }
      n *= 2;
    }
    // best of three at this size, so that a busy moment of the machine does not shrink the tasks
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      sink += spin(n);
      took = Math.min(took, (System.nanoTime() - t0) / 1e9);
    }
    return (long) (n * seconds / took);
  }

  /** Keeps calibration results alive. */
  static volatile long sink;
}
