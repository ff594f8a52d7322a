package dev.procpool.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.TaskFailedException;
import dev.procpool.contract.Probe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members that die, leave, or lack the application's classes, with real member JVMs on loopback. The
 * members detect a silent member after 5 seconds ({@code --failure-detection-seconds 5}); a SIGKILLed
 * member on the same machine is noticed sooner, when its connections close. The tests share their
 * member JVMs and run in order: the kill leaves one member, to which a third is added for the graceful
 * leave.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterFaultsTest {
  private static final String CLUSTER = "procpool-faults-" + ProcessHandle.current().pid();
  private static final String MEMBERS = "127.0.0.1:5821,127.0.0.1:5822,127.0.0.1:5823";
  private static final String BARE_CLUSTER = "procpool-bare-" + ProcessHandle.current().pid();
  private static final String BARE_MEMBERS = "127.0.0.1:5831";
  private static final List<MemberProcess> started = new ArrayList<>();
  private static MemberProcess a;
  private static MemberProcess b;
  private static MemberProcess bare;

  @TempDir Path tmp;

  @BeforeAll
  static void startMembers() throws Exception {
    String cp = MemberProcess.testClasspath();
    a = track(MemberProcess.start("faults-a", cp, CLUSTER, 5821, MEMBERS, 2));
    b = track(MemberProcess.start("faults-b", cp, CLUSTER, 5821, MEMBERS, 2));
    bare = track(MemberProcess.start("bare", MemberProcess.classpathWithoutTestClasses(), BARE_CLUSTER, 5831,
        BARE_MEMBERS, 2));
    for (MemberProcess m : started) {
      m.awaitReady();
    }
  }

  private static MemberProcess track(MemberProcess m) {
    started.add(m);
    return m;
  }

  @AfterAll
  static void killMembers() throws InterruptedException {
    for (MemberProcess m : started) {
      assertThat(m.kill()).as("member %s is gone", m.name).isTrue();
      assertThat(ProcessHandle.of(m.pid())).as("member %s left no process", m.name).isEmpty();
    }
  }

  private static Pool pool(int workers) {
    return ClusterPools.builder().join(CLUSTER, MEMBERS.split(",")).workers(workers)
        .failureDetection(Duration.ofSeconds(5)).build();
  }

  /** Waits until the pool's cluster has {@code n} data members. */
  private static void awaitMembers(Pool pool, int n) {
    // the pool's workers() is fixed; ask the cluster through a task that every member answers
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      Set<Long> pids = new HashSet<>(pool.map(x -> ProcessHandle.current().pid(),
          IntStream.range(0, 40).boxed().collect(Collectors.toList()), 1));
      return pids.size() == n;
    });
  }

  @Test
  @Order(1)
  void aMemberKilledInTheMiddleOfAMapLosesNoResult() throws Exception {
    String dir = tmp.toString();
    long victim = b.pid();
    Fn<Integer, String> f = x -> {
      long pid = ProcessHandle.current().pid();
      Probe.mark(dir, "ran-" + x + "-on-" + pid);
      Probe.spin(20_000);
      return pid + ":" + (x * x);
    };
    List<Integer> items = IntStream.range(0, 400).boxed().collect(Collectors.toList());
    try (Pool pool = pool(4)) {
      awaitMembers(pool, 2);
      var pending = pool.mapAsync(f, items, 5);
      await().atMost(Duration.ofSeconds(30)).until(() -> Probe.count(dir, "ran-") > 0
          && hasMarkOn(dir, victim));
      assertThat(b.kill()).isTrue();
      long killedAt = System.nanoTime();
      List<String> results = pending.get(60, TimeUnit.SECONDS);
      long afterKillMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      for (int i = 0; i < items.size(); i++) {
        assertThat(results.get(i)).as("item %d", i).endsWith(":" + (i * i));
      }
      // Items the dead member had started were run again on the survivor: their results come from it.
      List<Integer> rerun = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        if (Probe.marked(dir, "ran-" + i + "-on-" + victim) && !results.get(i).startsWith(victim + ":")) {
          rerun.add(i);
        }
      }
      assertThat(rerun).as("items lost with the member and re-run elsewhere").isNotEmpty();
      System.out.println("kill test: map finished " + afterKillMillis + " ms after the SIGKILL; re-ran "
          + rerun.size() + " items");
    }
  }

  private static boolean hasMarkOn(String dir, long pid) {
    return Probe.count(dir, "ran-") > 0
        && java.util.Arrays.stream(new java.io.File(dir).list()).anyMatch(n -> n.endsWith("-on-" + pid));
  }

  @Test
  @Order(2)
  void aMemberLeavingGracefullyLosesNoResultAndRunsNothingTwice() throws Exception {
    MemberProcess c = track(MemberProcess.start("faults-c", MemberProcess.testClasspath(), CLUSTER, 5821, MEMBERS, 2))
        .awaitReady();
    String dir = tmp.toString();
    long leaver = c.pid();
    Fn<Integer, Integer> f = x -> {
      Probe.mark(dir, "run-" + x + "-on-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
      Probe.spin(20_000);
      return x * x;
    };
    List<Integer> items = IntStream.range(0, 300).boxed().collect(Collectors.toList());
    try (Pool pool = pool(6)) {
      awaitMembers(pool, 2);
      java.io.File[] none = new java.io.File(dir).listFiles();
      for (java.io.File file : none) {
        file.delete();
      }
      var pending = pool.mapAsync(f, items, 5);
      await().atMost(Duration.ofSeconds(30)).until(() -> java.util.Arrays.stream(new java.io.File(dir).list())
          .anyMatch(n -> n.contains("-on-" + leaver + "-")));
      ProcessHandle.of(leaver).orElseThrow().destroy(); // SIGTERM
      List<Integer> results = pending.get(60, TimeUnit.SECONDS);
      assertThat(results).isEqualTo(items.stream().map(x -> x * x).collect(Collectors.toList()));
      for (int i = 0; i < items.size(); i++) {
        assertThat(Probe.count(dir, "run-" + i + "-on-")).as("runs of item %d", i).isEqualTo(1);
      }
      assertThat(c.awaitExit(60)).as("the member left").isTrue();
      assertThat(c.output()).contains("procpool node stopped");
    }
  }

  @Test
  @Order(3)
  void aClassMissingOnAMemberNamesTheClassAndTheFix() {
    try (Pool pool = ClusterPools.join(BARE_CLUSTER, BARE_MEMBERS)) {
      assertThat(pool.workers()).as("by default, the members' worker threads").isEqualTo(2);
      Fn<Integer, Integer> f = x -> x + 1; // its class, this test, is not on the bare member's classpath
      assertThatThrownBy(() -> pool.map(f, List.of(1, 2, 3)))
          .isInstanceOf(TaskFailedException.class)
          .cause()
          .isInstanceOf(MemberClasspathException.class)
          .hasMessageContaining(ClusterFaultsTest.class.getName())
          .hasMessageContaining("not on the classpath of cluster member")
          .hasMessageContaining("NodeLauncher")
          .satisfies(e -> assertThat(((MemberClasspathException) e).className()).isEqualTo(ClusterFaultsTest.class.getName()));
    }
  }
}
