package dev.procpool.bench;

import dev.procpool.Pool;
import dev.procpool.Task;

/**
 * Workload 6, run by {@link Compare} in a fresh JVM each time: {@code Pool.processes(2)} created, first
 * result received, closed; then the same for a second pool right after the first. Prints one line of
 * JSON with the times in milliseconds, measured from the call that creates the pool.
 */
public final class ColdStart {
  private ColdStart() {}

  /**
   * Runs the workload.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    Task<Integer> one = () -> 1;
    long t0 = System.nanoTime();
    Pool first = Pool.processes(2);
    first.apply(one);
    long t1 = System.nanoTime();
    first.close();
    long t2 = System.nanoTime();
    Pool second = Pool.processes(2);
    second.apply(one);
    long t3 = System.nanoTime();
    second.close();
    long t4 = System.nanoTime();
    System.out.printf("{\"first\": %.3f, \"firstClose\": %.3f, \"second\": %.3f, \"secondClose\": %.3f}%n",
        ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3));
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
