package dev.procpool.examples;

import dev.procpool.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Why use a pool at all: the article's opening point, that one CPU is not enough for heavy
 * computations. Eight tasks of pure arithmetic (about 0.2 s each on a current CPU) run once in a plain
 * loop and once with {@code pool.map}; the speed-up approaches the number of workers.
 *
 * <p>Java threads, unlike Python's, run bytecode in parallel, so the thread backend already shows the
 * speed-up; worker processes add isolation (a crash or a leak stays in its worker), not parallelism.
 */
public final class CpuBoundExample {
  private CpuBoundExample() {}

  /** Iterations per task: about 0.2 s of work. */
  static final long ITERATIONS = 100_000_000L;

  /** The timings of one run. */
  public record Timing(int tasks, int workers, double sequentialSeconds, double poolSeconds, boolean sameResults) {
    public double speedup() {
      return sequentialSeconds / poolSeconds;
    }
  }

  /** A CPU-bound task: {@code ITERATIONS} rounds of a xorshift generator, seeded with the item. */
  public static long work(int seed) {
    long x = seed + 1;
    for (long i = 0; i < ITERATIONS; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
    }
    return x;
  }

  public static void main(String[] args) {
    try (Pool pool = Pool.builder().build()) { // one worker per CPU
      run(pool, 8);
    }
  }

  public static Timing run(Pool pool, int tasks) {
    System.out.printf(Locale.ROOT, "--- CPU-bound: %d tasks of pure arithmetic%n", tasks);
    List<Integer> seeds = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      seeds.add(i);
    }
    work(-1); // let the JIT compile work() first, so that the loop below is not timed in the interpreter

    long start = System.nanoTime();
    List<Long> sequential = new ArrayList<>();
    for (int seed : seeds) {
      sequential.add(work(seed));
    }
    double sequentialSeconds = (System.nanoTime() - start) / 1e9;

    start = System.nanoTime();
    List<Long> parallel = pool.map(CpuBoundExample::work, seeds, 1); // one task per chunk
    double poolSeconds = (System.nanoTime() - start) / 1e9;

    Timing t = new Timing(tasks, pool.workers(), sequentialSeconds, poolSeconds, parallel.equals(sequential));
    System.out.printf(Locale.ROOT, "sequential loop:      %.2f s%n", t.sequentialSeconds());
    System.out.printf(Locale.ROOT, "pool.map (%d workers): %.2f s%n", t.workers(), t.poolSeconds());
    System.out.printf(Locale.ROOT, "speed-up:             %.1fx (same results: %b)%n", t.speedup(), t.sameResults());
    return t;
  }
}
