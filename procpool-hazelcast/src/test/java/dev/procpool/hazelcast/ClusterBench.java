package dev.procpool.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.hazelcast.internal.ClusterConfigs;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Times {@code map(x -> x * x)} over 100,000 items with the default chunksize on procpool's cluster
 * backend, against the same work written directly on Hazelcast's {@link IExecutorService} with the same
 * chunks: once on an embedded member, once on two member JVMs on loopback reached as a client.
 *
 * <pre>
 * mvn -q -pl procpool-hazelcast test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.procpool.hazelcast.ClusterBench [-Dexec.args="ROUNDS WARMUP"]
 * </pre>
 *
 * <p>A benchmark, not a test: it prints figures and asserts nothing.
 */
public final class ClusterBench {
  private static final int ITEMS = 100_000;
  private static final int WORKERS = 2;

  private ClusterBench() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("hazelcast.logging.type", "jdk");
    java.util.logging.Logger.getLogger("com.hazelcast").setLevel(java.util.logging.Level.WARNING);
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 150;
    List<Integer> items = IntStream.range(0, ITEMS).boxed().collect(Collectors.toList());
    System.out.printf(Locale.ROOT, "map(x -> x * x) over %,d items, median of %d rounds after %d warm-up rounds%n",
        ITEMS, rounds, warmUp);

    HazelcastInstance member = Hazelcast.newHazelcastInstance(ClusterConfigs.member("bench-" + UUID.randomUUID(),
        "127.0.0.1", 5841, List.of("127.0.0.1:5841"), WORKERS, Duration.ofSeconds(10)));
    try {
      compare("embedded member, " + WORKERS + " workers", member, WORKERS, items, rounds);
    } finally {
      member.shutdown();
    }

    if ("embedded".equals(System.getProperty("bench.only"))) {
      return;
    }
    String cluster = "bench-" + ProcessHandle.current().pid();
    String members = "127.0.0.1:5851,127.0.0.1:5852";
    String cp = MemberProcess.testClasspath();
    List<MemberProcess> jvms = List.of(
        MemberProcess.start("bench-1", cp, cluster, 5851, members, WORKERS),
        MemberProcess.start("bench-2", cp, cluster, 5851, members, WORKERS));
    HazelcastInstance client = null;
    try {
      for (MemberProcess m : jvms) {
        m.awaitReady();
      }
      client = HazelcastClient.newHazelcastClient(ClusterConfigs.client(cluster, Arrays.asList(members.split(",")),
          Duration.ofSeconds(10), Duration.ofSeconds(30)));
      compare("two member JVMs via a client, " + 2 * WORKERS + " workers", client, 2 * WORKERS, items, rounds);
    } finally {
      if (client != null) {
        client.shutdown();
      }
      for (MemberProcess m : jvms) {
        m.kill();
      }
    }
  }

  private static void compare(String where, HazelcastInstance hz, int workers, List<Integer> items, int rounds)
      throws Exception {
    int chunksize = (ITEMS + 4 * workers - 1) / (4 * workers); // Python's default, as the engine computes it
    IExecutorService raw = hz.getExecutorService("bench.raw");
    Fn<Integer, Integer> square = x -> x * x;
    try (Pool pool = Pool.builder().backend(ClusterPools.backend(hz), workers).build()) {
      check(pool.map(square, items));
      check(rawMap(raw, items, chunksize, true));
      check(rawMap(raw, items, chunksize, false));
      double procpool = median(rounds, () -> pool.map(square, items));
      double rawData = median(rounds, () -> rawMap(raw, items, chunksize, true));
      double rawJava = median(rounds, () -> rawMap(raw, items, chunksize, false));
      System.out.printf(Locale.ROOT, "%s, chunksize %d:%n", where, chunksize);
      if (System.getProperty("bench.diag") != null) {
        try (Pool threads = Pool.threads(workers);
            Pool deep = Pool.builder().backend(ClusterPools.backend(hz), 2 * workers).build()) {
          System.out.printf(Locale.ROOT, "  diag: thread backend %.2f ms%n", median(rounds, () -> threads.map(square, items)));
          System.out.printf(Locale.ROOT, "  diag: 2x workers, chunksize %d: %.2f ms%n", chunksize,
              median(rounds, () -> deep.map(square, items, chunksize)));
        }
      }
      System.out.printf(Locale.ROOT, "  procpool map                         %8.2f ms%n", procpool);
      System.out.printf(Locale.ROOT, "  raw IExecutorService, DataSerializable %6.2f ms  (procpool / raw = %.2fx)%n",
          rawData, procpool / rawData);
      System.out.printf(Locale.ROOT, "  raw IExecutorService, Serializable   %8.2f ms  (procpool / raw = %.2fx)%n",
          rawJava, procpool / rawJava);
    }
  }

  /** The same work by hand: one task per chunk, all submitted at once, results gathered in order. */
  static List<Integer> rawMap(IExecutorService executor, List<Integer> items, int chunksize, boolean dataSerializable)
      throws Exception {
    List<Future<List<Integer>>> futures = new ArrayList<>();
    for (int from = 0; from < items.size(); from += chunksize) {
      List<Integer> chunk = new ArrayList<>(items.subList(from, Math.min(items.size(), from + chunksize)));
      futures.add(executor.submit(dataSerializable ? new DataSquares(chunk) : new Squares(chunk)));
    }
    List<Integer> out = new ArrayList<>(items.size());
    for (Future<List<Integer>> f : futures) {
      out.addAll(f.get());
    }
    return out;
  }

  private static void check(List<Integer> squares) {
    for (int i = 0; i < squares.size(); i++) {
      if (squares.get(i) != i * i) {
        throw new AssertionError("wrong square at " + i);
      }
    }
    if (squares.size() != ITEMS) {
      throw new AssertionError("got " + squares.size() + " results");
    }
  }

  interface Run {
    Object run() throws Exception;
  }

  private static int warmUp;

  private static double median(int rounds, Run run) throws Exception {
    for (int i = 0; i < warmUp; i++) {
      run.run();
    }
    double[] ms = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      run.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    return ms[rounds / 2];
  }

  static List<Integer> squares(List<Integer> items) {
    ArrayList<Integer> out = new ArrayList<>(items.size());
    for (Integer x : items) {
      out.add(x * x);
    }
    return out;
  }

  /** A chunk task as most users would write it: a Serializable Callable. */
  static final class Squares implements Callable<List<Integer>>, Serializable {
    private static final long serialVersionUID = 1L;
    private final ArrayList<Integer> items;

    Squares(ArrayList<Integer> items) {
      this.items = items;
    }

    Squares(List<Integer> items) {
      this(new ArrayList<>(items));
    }

    @Override
    public List<Integer> call() {
      return squares(items);
    }
  }

  /** The same with Hazelcast's faster DataSerializable, as procpool's own chunk task is written. */
  public static final class DataSquares implements Callable<List<Integer>>, DataSerializable {
    private List<Integer> items;

    public DataSquares() {}

    DataSquares(List<Integer> items) {
      this.items = items;
    }

    @Override
    public List<Integer> call() {
      return squares(items);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(items.size());
      for (Integer x : items) {
        out.writeObject(x);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      int n = in.readInt();
      items = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        items.add(in.readObject());
      }
    }
  }
}
