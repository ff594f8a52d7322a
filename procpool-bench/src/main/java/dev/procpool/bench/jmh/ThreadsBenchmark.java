package dev.procpool.bench.jmh;

import dev.procpool.Pool;
import dev.procpool.bench.Work;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine's own cost on the threads backend: {@code map} of x * x against a parallel stream of the
 * same, and {@code apply} latency (one item through the queue and back).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ThreadsBenchmark {
  @Param({"1000", "100000"})
  public int size;

  private Pool pool;
  private List<Integer> items;

  @Setup(Level.Trial)
  public void setUp() {
    pool = Pool.threads(2);
    items = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      items.add(i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
  }

  @Benchmark
  public List<Integer> poolMap() {
    return pool.map(Work.SQUARE, items);
  }

  @Benchmark
  public List<Integer> parallelStream() {
    return items.parallelStream().map(x -> x * x).toList();
  }

  @Benchmark
  public Integer apply() {
    return pool.apply(() -> 42);
  }
}
