package dev.procpool.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.contract.CapturedLog;
import dev.procpool.Fn;
import dev.procpool.NoWorkersException;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import dev.procpool.TaskFailedException;
import dev.procpool.WorkerDiedException;
import dev.procpool.contract.Probe;
import dev.procpool.contract.Work;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults a cluster exists to survive, with real nodes started by {@link NodeLauncher} in JVMs of their
 * own on loopback, reached as a client the way {@code ClusterPools.join} users do. Nodes detect a silent
 * node after 5 seconds ({@code --failure-detection-seconds 5}); a SIGKILLed node on the same machine is
 * noticed sooner, when its connections close.
 *
 * <p>To keep the JVMs few, the tests share them and run in order, each leaving the cluster as the next
 * needs it: four nodes and one without the application's classes; the poison item kills two of the four;
 * two nodes join; one leaves gracefully; two of the remaining three are SIGKILLed. A second cluster of two
 * nodes, both without the application's classes, is then killed whole. Every node is killed at the end
 * (and halts on its own if this JVM dies), and the measured figures go to
 * {@code target/cluster-faults-figures.txt} (the README quotes them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterFaultsTest {
  private static final String CLUSTER = "procpool-faults-" + ProcessHandle.current().pid();
  private static final String MEMBERS = IntStream.rangeClosed(5821, 5828).mapToObj(p -> "127.0.0.1:" + p)
      .collect(Collectors.joining(","));
  private static final String BARE_CLUSTER = "procpool-bare-" + ProcessHandle.current().pid();
  private static final String BARE_MEMBERS = "127.0.0.1:5841,127.0.0.1:5842";
  private static final Duration DETECTION = Duration.ofSeconds(5);
  private static final Path FIGURES = Path.of("target", "cluster-faults-figures.txt");
  private static final int POISON = 1234;

  private static final List<MemberProcess> started = new CopyOnWriteArrayList<>();
  /** The nodes of the main cluster, in the order they started; some die along the way. */
  private static final List<MemberProcess> nodes = new CopyOnWriteArrayList<>();
  private static MemberProcess bare;
  private static final List<MemberProcess> bareCluster = new CopyOnWriteArrayList<>();

  @TempDir Path tmp;

  @BeforeAll
  @Timeout(value = 360, unit = TimeUnit.SECONDS)
  static void startNodes() throws Exception {
    String cp = MemberProcess.testClasspath();
    String noTests = MemberProcess.classpathWithoutTestClasses();
    // Each cluster's first node alone, then the others join it.
    nodes.add(track(MemberProcess.start("faults-a", cp, CLUSTER, 5821, MEMBERS, 2)));
    bareCluster.add(track(MemberProcess.start("bare-1", noTests, BARE_CLUSTER, 5841, BARE_MEMBERS, 2)));
    for (MemberProcess m : started) {
      m.awaitReady();
    }
    for (String name : List.of("b", "c", "d")) {
      nodes.add(track(MemberProcess.start("faults-" + name, cp, CLUSTER, 5821, MEMBERS, 2)));
    }
    bare = track(MemberProcess.start("faults-bare", noTests, CLUSTER, 5821, MEMBERS, 2));
    bareCluster.add(track(MemberProcess.start("bare-2", noTests, BARE_CLUSTER, 5841, BARE_MEMBERS, 2)));
    for (MemberProcess m : started) {
      m.awaitReady();
    }
  }

  private static MemberProcess track(MemberProcess m) {
    started.add(m);
    return m;
  }

  @AfterAll
  static void killNodes() throws InterruptedException {
    List<String> left = new ArrayList<>();
    for (MemberProcess m : started) {
      if (!m.kill() || ProcessHandle.of(m.pid()).isPresent()) {
        left.add(m.name);
      }
    }
    assertThat(left).as("nodes left behind").isEmpty();
  }

  private static List<MemberProcess> alive(List<MemberProcess> of) {
    return of.stream().filter(MemberProcess::isAlive).collect(Collectors.toList());
  }

  private static Pool pool(List<MemberProcess> on, String cluster) {
    String[] addresses = on.stream().map(MemberProcess::address).toArray(String[]::new);
    return ClusterPools.builder().join(cluster, addresses).failureDetection(DETECTION).build();
  }

  private static void figure(String line) throws IOException {
    Files.createDirectories(FIGURES.getParent());
    Files.writeString(FIGURES, Instant.now() + " " + line + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** How many times each item ran, from marks named {@code ran-<item>-<anything>}. */
  private static Map<Integer, Integer> runs(String dir) {
    Map<Integer, Integer> runs = new HashMap<>();
    for (String name : new File(dir).list()) {
      if (name.startsWith("ran-")) {
        runs.merge(Integer.parseInt(name.split("-")[1]), 1, Integer::sum);
      }
    }
    return runs;
  }

  /**
   * Every warning this JVM logged is Hazelcast's about the fault the test provoked: it names one of the
   * given nodes, or (once none is left) says the client cannot reach the cluster.
   */
  private static void assertWarningsOnlyAbout(CapturedLog logs, List<MemberProcess> faulty) {
    List<String> about = new ArrayList<>(List.of("Unable to get live cluster connection", "Could not connect to any cluster"));
    faulty.forEach(m -> about.add(m.address().substring(m.address().lastIndexOf(':'))));
    assertThat(logs.warnings()).allSatisfy(w -> {
      assertThat(w).startsWith("WARNING com.hazelcast.");
      assertThat(about).anySatisfy(a -> assertThat(w).contains(a));
    });
  }

  // ---------------------------------------------------------------- a node without the classes

  @Test
  @Order(1)
  void aNodeWithoutTheApplicationsClassesLeavesItsShareToTheOthers() throws Exception {
    List<MemberProcess> five = new ArrayList<>(nodes);
    five.add(bare);
    Fn<Integer, String> f = x -> ProcessHandle.current().pid() + ":" + (x * x);
    List<Integer> items = IntStream.range(0, 2000).boxed().collect(Collectors.toList());
    try (CapturedLog logs = CapturedLog.of("com.hazelcast", "dev.procpool"); Pool pool = pool(five, CLUSTER)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> pool.workers() == 10);
      List<String> results = new ArrayList<>();
      try (ResultIterator<String> it = pool.imap(f, items, 20)) {
        it.forEachRemaining(results::add);
      }
      for (int i = 0; i < items.size(); i++) {
        assertThat(results.get(i)).as("item %d", i).endsWith(":" + (i * i));
      }
      assertThat(results).noneMatch(r -> r.startsWith(bare.pid() + ":"));
      assertThat(pool.stats().tasks()).as("stats() right after the call").isEqualTo(2000);
      assertThat(bare.output()).as("the bare node was sent the call and could not run it")
          .anyMatch(line -> line.contains("is not on the classpath of cluster member"));
      assertThat(logs.warnings()).isEmpty();
    }
    bare.terminate();
    assertThat(bare.awaitExit(60)).as("the bare node left").isTrue();
  }

  // ---------------------------------------------------------------- a poison item

  @Test
  @Order(2)
  void aPoisonItemFailsAloneAndKillsAtMostTwoNodes() throws Exception {
    String dir = tmp.toString();
    Fn<Integer, Integer> f = x -> {
      Probe.mark(dir, "ran-" + x + "-" + UUID.randomUUID());
      if (x == POISON) {
        Runtime.getRuntime().halt(1); // kills every node it runs on
      }
      Probe.spin(1_000);
      return x * 2;
    };
    List<MemberProcess> four = alive(nodes);
    assertThat(four).hasSize(4);
    List<Integer> items = IntStream.range(0, 2000).boxed().collect(Collectors.toList());
    Map<Integer, Object> outcomes = new HashMap<>();
    long t0 = System.nanoTime();
    try (CapturedLog logs = CapturedLog.of("com.hazelcast", "dev.procpool"); Pool pool = pool(four, CLUSTER)) {
      try (ResultIterator<Integer> it = pool.imap(f, items, 50)) {
        for (int i = 0; it.hasNext(); i++) {
          try {
            outcomes.put(i, it.next());
          } catch (WorkerDiedException e) {
            outcomes.put(i, e);
          }
        }
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(outcomes).hasSize(2000);
      assertThat(outcomes.get(POISON)).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
        assertThat(e.itemIndex()).isEqualTo(POISON);
        assertThat(e).hasMessageContaining("died while running item " + POISON);
      });
      for (int i = 0; i < items.size(); i++) {
        if (i != POISON) {
          assertThat(outcomes.get(i)).as("item %d", i).isEqualTo(2 * i);
        }
      }
      List<MemberProcess> dead = four.stream().filter(m -> !m.isAlive()).collect(Collectors.toList());
      // The first death cannot tell which item of the member's chunks killed it: they all run alone next,
      // and the poison kills one more node on each of its 1 + retries isolated runs.
      assertThat(dead).as("nodes the poison killed").hasSizeBetween(1, 2);
      Map<Integer, Integer> runs = runs(dir);
      long twice = runs.entrySet().stream().filter(e -> e.getKey() != POISON && e.getValue() > 1).count();
      assertThat(runs.get(POISON)).as("runs of the poison item").isEqualTo(dead.size());
      assertWarningsOnlyAbout(logs, dead);
      figure("poison item among 2000 (chunksize 50) on 4 nodes of 2 threads, retries 0: " + dead.size()
          + " nodes died, " + twice + " other items ran twice, imap done in " + millis + " ms");
    }
  }

  // ---------------------------------------------------------------- nodes joining

  @Test
  @Order(3)
  void nodesThatJoinRaiseTheChunksInFlight() throws Exception {
    String dir = tmp.toString();
    List<MemberProcess> two = alive(nodes);
    assertThat(two).hasSize(2);
    Fn<Integer, String> f = x -> {
      String me = "busy-" + UUID.randomUUID();
      Probe.mark(dir, me);
      long running = Probe.count(dir, "busy-");
      Probe.spin(30_000);
      Files.delete(Path.of(dir, me));
      return ProcessHandle.current().pid() + ":" + running;
    };
    Iterator<Integer> endless = Stream.iterate(0, i -> i + 1).iterator();
    try (CapturedLog logs = CapturedLog.of("com.hazelcast", "dev.procpool"); Pool pool = pool(two, CLUSTER);
        ResultIterator<String> it = pool.imap(f, endless, 1)) {
      assertThat(pool.workers()).as("two nodes of two threads").isEqualTo(4);
      List<MemberProcess> joining = List.of(
          track(MemberProcess.start("faults-e", MemberProcess.testClasspath(), CLUSTER, 5821, MEMBERS, 2)),
          track(MemberProcess.start("faults-f", MemberProcess.testClasspath(), CLUSTER, 5821, MEMBERS, 2)));
      nodes.addAll(joining);
      Map<String, Integer> fromNew = new HashMap<>();
      joining.forEach(m -> fromNew.put(m.pid() + ":", 0));
      long maxBefore = 0;
      long maxAfter = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (fromNew.values().stream().anyMatch(n -> n < 10) || maxAfter < 5) {
        assertThat(System.nanoTime()).as("the new nodes took work in time").isLessThan(deadline);
        int workers = pool.workers();
        String r = it.next();
        long running = Long.parseLong(r.substring(r.indexOf(':') + 1));
        if (workers <= 4) {
          maxBefore = Math.max(maxBefore, running);
        } else {
          maxAfter = Math.max(maxAfter, running);
        }
        fromNew.replaceAll((pid, n) -> r.startsWith(pid) ? n + 1 : n);
      }
      assertThat(maxBefore).as("items running at once on two nodes").isLessThanOrEqualTo(4);
      assertThat(pool.workers()).as("four nodes of two threads").isEqualTo(8);
      assertThat(maxAfter).as("items running at once once nodes joined").isGreaterThanOrEqualTo(5);
      for (MemberProcess m : joining) {
        m.awaitReady();
      }
      assertThat(logs.warnings()).isEmpty();
      figure("two nodes joined a pool on two nodes of two threads: workers() 4 -> " + pool.workers()
          + ", items running at once " + maxBefore + " -> " + maxAfter);
    }
  }

  // ---------------------------------------------------------------- a graceful leave

  @Test
  @Order(4)
  void aNodeLeavingGracefullyLosesNoResultAndRunsNothingTwice() throws Exception {
    String dir = tmp.toString();
    List<MemberProcess> four = alive(nodes);
    assertThat(four).hasSize(4);
    MemberProcess leaver = four.get(3);
    Fn<Integer, Integer> f = x -> {
      Probe.mark(dir, "ran-" + x + "-on-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
      Probe.spin(5_000);
      return x * x;
    };
    List<Integer> items = IntStream.range(0, 600).boxed().collect(Collectors.toList());
    try (CapturedLog logs = CapturedLog.of("com.hazelcast", "dev.procpool"); Pool pool = pool(four, CLUSTER)) {
      var pending = pool.mapAsync(f, items, 5);
      await().atMost(Duration.ofSeconds(30)).until(() -> Stream.of(new File(dir).list())
          .anyMatch(n -> n.contains("-on-" + leaver.pid() + "-")));
      leaver.terminate(); // SIGTERM
      List<Integer> results = pending.get(60, TimeUnit.SECONDS);
      assertThat(results).isEqualTo(items.stream().map(x -> x * x).collect(Collectors.toList()));
      assertThat(runs(dir)).as("runs per item").hasSize(600).allSatisfy((item, n) -> assertThat(n).isEqualTo(1));
      assertThat(leaver.awaitExit(60)).as("the node left").isTrue();
      assertThat(leaver.output()).contains("procpool node stopped");
      assertWarningsOnlyAbout(logs, List.of(leaver)); // the client retries the leaver until it is gone
    }
  }

  // ---------------------------------------------------------------- two of three nodes killed

  @Test
  @Order(5)
  void twoOfThreeNodesKilledMidMapLoseNoResult() throws Exception {
    String dir = tmp.toString();
    List<MemberProcess> three = alive(nodes);
    assertThat(three).hasSize(3);
    List<MemberProcess> victims = three.subList(1, 3);
    Fn<Integer, String> f = x -> {
      long pid = ProcessHandle.current().pid();
      Probe.mark(dir, "ran-" + x + "-on-" + pid);
      Probe.spin(2_000);
      return pid + ":" + (x * x);
    };
    List<Integer> items = IntStream.range(0, 1500).boxed().collect(Collectors.toList());
    try (CapturedLog logs = CapturedLog.of("com.hazelcast", "dev.procpool"); Pool pool = pool(three, CLUSTER)) {
      var pending = pool.mapAsync(f, items);
      await().atMost(Duration.ofSeconds(30)).until(() -> victims.stream().allMatch(v ->
          Stream.of(new File(dir).list()).anyMatch(n -> n.endsWith("-on-" + v.pid()))));
      for (MemberProcess v : victims) {
        ProcessHandle.of(v.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
      long killedAt = System.nanoTime();
      for (MemberProcess v : victims) {
        assertThat(v.kill()).isTrue();
      }
      List<String> results = pending.get(90, TimeUnit.SECONDS);
      long afterKill = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      for (int i = 0; i < items.size(); i++) {
        assertThat(results.get(i)).as("item %d", i).endsWith(":" + (i * i));
      }
      assertThat(pool.stats().tasks()).as("stats() right after the call").isGreaterThanOrEqualTo(1500);
      long twice = runs(dir).values().stream().filter(n -> n > 1).count();
      assertThat(twice).as("items the dead nodes had run, run again").isPositive();
      assertWarningsOnlyAbout(logs, victims);
      figure("two of three nodes (2 threads each) SIGKILLed in a map of 1500 items of 2 ms: " + twice
          + " items ran twice (" + (twice / 2) + " per node death), the map finished " + afterKill
          + " ms after the kill");
    }
  }

  // ---------------------------------------------------------------- no node has the classes

  @Test
  @Order(6)
  void whenNoNodeHasAClassTheItemsFailNamingEveryNode() throws Exception {
    try (Pool pool = pool(bareCluster, BARE_CLUSTER)) {
      assertThat(pool.workers()).as("by default, the nodes' worker threads").isEqualTo(4);
      Fn<Integer, Integer> f = x -> x + 1; // its class, this test, is on neither node's classpath
      assertThatThrownBy(() -> pool.map(f, List.of(1, 2, 3)))
          .isInstanceOf(TaskFailedException.class)
          .cause()
          .isInstanceOf(MemberClasspathException.class)
          .hasMessageContaining(ClusterFaultsTest.class.getName())
          .hasMessageContaining(bareCluster.get(0).memberAddress())
          .hasMessageContaining(bareCluster.get(1).memberAddress())
          .hasMessageContaining("NodeLauncher")
          .satisfies(e -> assertThat(((MemberClasspathException) e).className())
              .isEqualTo(ClusterFaultsTest.class.getName()));
      // Work whose classes the nodes have still runs there.
      assertThat(pool.submit(new Work.Square(3)).get(20, TimeUnit.SECONDS)).isEqualTo(9);
    }
  }

  // ---------------------------------------------------------------- every node killed

  @Test
  @Order(7)
  void whenEveryNodeIsKilledCallsFailSayingSoAndCloseReturnsAtOnce() throws Exception {
    String dir = tmp.toString();
    List<MemberProcess> both = alive(bareCluster);
    assertThat(both).hasSize(2);
    CapturedLog logs = CapturedLog.of("com.hazelcast", "dev.procpool");
    Pool pool = pool(both, BARE_CLUSTER);
    try {
      List<Future<?>> pending = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        pending.add(pool.submit(new Work.GateRunnable(dir, "gate-" + i))); // runs on the bare nodes: its class is theirs
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> Probe.count(dir, "gate-") == 3);
      for (MemberProcess m : both) {
        ProcessHandle.of(m.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
      long killedAt = System.nanoTime();
      for (Future<?> p : pending) {
        assertThatThrownBy(() -> p.get(DETECTION.toSeconds() + 5, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(NoWorkersException.class)
            .hasMessageContaining("the cluster has no members")
            .hasMessageContaining(both.get(0).memberAddress())
            .hasMessageContaining(both.get(1).memberAddress());
      }
      long failedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      assertThat(failedAfter).isLessThan(DETECTION.toMillis() + 5_000);
      long t = System.nanoTime();
      assertThatThrownBy(() -> pool.submit(new Work.Square(2)).get(5, TimeUnit.SECONDS))
          .as("a call made while no node is left fails as well")
          .cause()
          .isInstanceOf(NoWorkersException.class);
      long newCallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
      t = System.nanoTime();
      pool.close();
      long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
      assertThat(pool.isTerminated()).isTrue();
      assertThat(closeMillis).as("close() returns at once").isLessThan(3_000);
      for (MemberProcess m : both) {
        assertThat(m.kill()).isTrue();
      }
      assertWarningsOnlyAbout(logs, both);
      figure("every node killed (2 nodes, failure detection 5 s): pending calls failed " + failedAfter
          + " ms after the kill, a new call " + newCallMillis + " ms after it was made, close() took "
          + closeMillis + " ms");
    } finally {
      pool.terminate(); // after a failed assertion, no client may go on retrying (and logging) for 30 s
      pool.awaitTermination(10, TimeUnit.SECONDS);
      logs.close();
    }
  }
}
