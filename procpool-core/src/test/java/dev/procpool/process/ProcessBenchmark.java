package dev.procpool.process;

import dev.procpool.Pool;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two figures for the process backend, measured on the machine at hand (not a test: nothing is
 * asserted). Run it in a fresh JVM, with the worker JVM options to try as arguments:
 *
 * <pre>
 * java -cp procpool-core/target/classes:procpool-core/target/test-classes \
 *     dev.procpool.process.ProcessBenchmark [worker JVM options...]
 * </pre>
 *
 * <p>Prints the time from {@code Pool.processes(2)} to the first result (this JVM is fresh, so it is
 * cold on both sides), then tasks per second of {@code map(x -> x * x, 100_000 ints, chunksize 1)},
 * the median of 5 runs after one to warm up.
 */
public final class ProcessBenchmark {
  private ProcessBenchmark() {}

  public static void main(String[] args) {
    long start = System.nanoTime();
    Pool pool = args.length == 0 ? Pool.processes(2) : Pool.builder().processes(2).jvmOptions(args).build();
    int first = pool.apply(() -> 6 * 7);
    long firstResultMillis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("first result (" + first + ") after " + firstResultMillis + " ms");

    List<Integer> items = ProcessTests.range(100_000);
    List<Long> rates = new ArrayList<>();
    for (int run = 0; run < 6; run++) {
      long t0 = System.nanoTime();
      List<Integer> squares = pool.map(x -> x * x, items, 1);
      long nanos = System.nanoTime() - t0;
      if (squares.get(99_999) != 99_999 * 99_999) {
        throw new AssertionError("wrong result");
      }
      if (run > 0) {
        rates.add(Math.round(items.size() / (nanos / 1e9)));
      }
    }
    Collections.sort(rates);
    System.out.println("map of 100,000 items, chunksize 1: median " + rates.get(2) + " tasks/s (runs: " + rates + ")");
    pool.close();
  }
}
