package dev.procpool.bench;

import dev.procpool.Pool;
import dev.procpool.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Workload 6, run by {@link Compare} in a fresh JVM each time: {@code Pool.processes(2)} created, first
 * result received, closed; then the same for a second pool right after the first. Then the warm path:
 * a pool with {@code reuseWorkers(..)} whose workers are parked when it closes, followed by
 * {@value #WARM_POOLS} such pools in a row, each leasing the workers its predecessor parked, while the
 * three JVMs still run the path interpreted and compile it; then {@value #STEADY_POOLS} more, the last
 * {@value #STEADY_MEASURED} of them measured once it runs compiled, as {@link Compare} measures the
 * throughput rows after a warm-up. Prints one line of JSON with the times in milliseconds, measured from
 * the call that creates the pool: {@code warm} is the median of the {@value #WARM_POOLS} first warm
 * pools' times to their first result, {@code warmRuns} all of them, and {@code steady} the median of
 * the measured ones.
 */
public final class ColdStart {
  /** How many pools in a row take the workers the pool before them parked. */
  static final int WARM_POOLS = 7;
  /**
   * How many pools in a row follow, to run the warm path until the JIT compilers have compiled it: on two
   * cores, the median per 500 pools fell from 2.4 ms (pools 8 to 507) to 1.1 ms (1,008 to 1,507) and
   * stayed between 0.6 and 0.9 ms from pool 1,508 to pool 8,007 (2 runs, quiet machine).
   */
  static final int STEADY_POOLS = 2_500;
  /** How many of the last of those are measured. */
  static final int STEADY_MEASURED = 500;

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

    Pool parking = warmPool();
    parking.apply(one);
    parking.close(); // parks both workers, the one still starting too
    List<Double> warm = new ArrayList<>();
    for (int i = 0; i < WARM_POOLS; i++) {
      long w0 = System.nanoTime();
      Pool pool = warmPool();
      pool.apply(one);
      warm.add(ms(System.nanoTime() - w0));
      pool.close();
    }
    List<Double> steady = new ArrayList<>();
    for (int i = 0; i < STEADY_POOLS; i++) {
      long w0 = System.nanoTime();
      Pool pool = warmPool();
      pool.apply(one);
      if (i >= STEADY_POOLS - STEADY_MEASURED) {
        steady.add(ms(System.nanoTime() - w0));
      }
      pool.close();
    }
    System.out.printf(Locale.ROOT, "{\"first\": %.3f, \"firstClose\": %.3f, \"second\": %.3f, \"secondClose\": %.3f,"
        + " \"warm\": %.3f, \"warmRuns\": [%s], \"steady\": %.3f}%n", ms(t1 - t0), ms(t2 - t1), ms(t3 - t2),
        ms(t4 - t3), median(warm), warm.stream().map(d -> String.format(Locale.ROOT, "%.3f", d))
            .collect(Collectors.joining(", ")), median(steady));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private static Pool warmPool() {
    return Pool.builder().processes(2).reuseWorkers(Duration.ofSeconds(30)).build();
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
