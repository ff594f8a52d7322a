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
 * The process backend's per-item and per-byte costs: one {@code apply} round trip to a worker JVM, a
 * {@code map} of 10,000 small items in chunks of one (what pipelining and coalesced writes are for), and
 * a {@code map} of large {@code byte[]} items (what copies cost).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ProcessBenchmark {
  @Param({"1048576"})
  public int payloadBytes;

  private Pool pool;
  private List<Integer> items;
  private List<byte[]> payloads;

  @Setup(Level.Trial)
  public void setUp() {
    pool = Pool.processes(2);
    pool.apply(() -> 1);
    items = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      items.add(i);
    }
    payloads = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      payloads.add(new byte[payloadBytes]);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
  }

  /** One item to a worker and back: the latency a lone applyAsync sees. */
  @Benchmark
  public Integer applyRoundTrip() {
    return pool.apply(() -> 42);
  }

  /** 10,000 items in chunks of one; divide by 10,000 for the cost per task. */
  @Benchmark
  public List<Integer> mapChunksOfOne() {
    return pool.map(Work.SQUARE, items, 1);
  }

  /** 16 payloads of {@code payloadBytes} there, their lengths back. */
  @Benchmark
  public List<Integer> mapLargeByteArrays() {
    return pool.map(Work.LENGTH, payloads);
  }
}
