package dev.procpool.process;

import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.PoolBuilder;
import dev.procpool.PoolStats;
import dev.procpool.Task;
import dev.procpool.WorkerLocal;
import dev.procpool.WorkerStats;
import dev.procpool.internal.process.WarmWorkers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The warm path: {@code reuseWorkers(keepAlive)} parks idle workers for the next pool, reset for it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WarmWorkersTest {
  private static final Duration KEEP = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @AfterEach
  void drainParkedWorkers() {
    WarmWorkers.drain();
  }

  @AfterAll
  static void noProcessLeftBehind() {
    WarmWorkers.drain();
    assertThat(WarmWorkers.parkedCount()).isZero();
    ProcessTests.assertNoProcessLeft();
  }

  private static PoolBuilder warm(int workers) {
    return Pool.builder().processes(workers).reuseWorkers(KEEP);
  }

  private static Set<Long> childPids() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Waits, in a worker, until {@code n} workers have called it; returns the worker's pid. Fails (and so
   * does the test) if they have not within 30 s.
   */
  static long meet(String dir, int n) {
    long pid = ProcessTests.markPid(dir, "meet");
    await("the other workers in " + dir).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
        .until(() -> ProcessTests.markedPids(dir, "meet").size() >= n);
    return pid;
  }

  /** A fresh directory for {@link #meet}. */
  private Path meeting(String name) throws IOException {
    return Files.createDirectory(tmp.resolve(name));
  }

  /** Parks {@code n} workers: a pool of {@code n} whose workers must all take part. */
  private Set<Long> parkWorkers(int n) throws IOException {
    Set<Long> pids;
    String dir = meeting("park-" + n).toString();
    try (Pool pool = warm(n).name("parking").build()) {
      pids = pool.map(x -> meet(dir, n), range(n), 1).stream().collect(Collectors.toSet());
    }
    assertThat(pids).hasSize(n);
    assertThat(WarmWorkers.parkedCount()).isEqualTo(n);
    return pids;
  }

  private static long pidOf(String probe) {
    return Long.parseLong(probe.split(" ")[0]);
  }

  @Test
  void theSecondPoolRunsOnTheFirstPoolsWorkers() throws Exception {
    Set<Long> first;
    try (Pool pool = warm(2).name("warm-a").build()) {
      String dir = meeting("a").toString();
      // both workers take part
      first = pool.map(x -> meet(dir, 2), range(2), 1).stream().collect(Collectors.toSet());
      assertThat(first).hasSize(2);
      assertThat(pool.stats().workers()).hasSize(2);
    }
    Set<Long> parked = childPids();
    assertThat(parked).hasSize(2).containsAll(first);
    assertThat(WarmWorkers.parkedCount()).isEqualTo(2);

    try (Pool pool = warm(2).name("warm-b").build()) {
      String dir = meeting("b").toString();
      // both leased workers take part
      Set<Long> second = pool.map(x -> meet(dir, 2), range(2), 1).stream().collect(Collectors.toSet());
      assertThat(second).isEqualTo(parked);
      assertThat(childPids()).isEqualTo(parked); // nothing launched
      assertThat(WarmWorkers.parkedCount()).isZero();
      PoolStats stats = pool.stats();
      assertThat(stats.workers()).hasSize(2).allMatch(WorkerStats::alive);
    }
    assertThat(WarmWorkers.parkedCount()).isEqualTo(2);
    assertThat(childPids()).isEqualTo(parked);
  }

  /** An initializer that announces its lease in a system property, then initializes {@link WarmProbe}. */
  private static Task<Void> announce(String lease) {
    return () -> {
      System.setProperty("procpool.test.lease", lease);
      return WarmProbe.init(lease);
    };
  }

  @Test
  void aLeasedWorkerRunsTheNewPoolsInitializerWithItsClassesLoadedAfresh() throws Exception {
    String first;
    try (Pool pool = warm(1).initializer(announce("a")).build()) {
      List<String> calls = pool.map(WarmProbe::call, range(5), 1);
      assertThat(calls).extracting(c -> c.split(" ")[1]).containsExactly("1", "2", "3", "4", "5");
      first = calls.get(4);
    }
    assertThat(first).endsWith(" 5 a 1 a");
    try (Pool pool = warm(1).initializer(announce("b")).build()) {
      String call = pool.map(WarmProbe::call, range(1), 1).get(0);
      // The same process, but the static counter starts again, only the new initializer has run, and
      // the class was initialized after it (preparing the lease while parked ran none of its code).
      assertThat(pidOf(call)).isEqualTo(pidOf(first));
      assertThat(call).endsWith(" 1 b 1 b");
    }
    try (Pool pool = warm(1).build()) {
      String call = pool.apply(() -> WarmProbe.call(0));
      assertThat(pidOf(call)).isEqualTo(pidOf(first));
      // no initializer this time; the system property an earlier lease set is JVM state, which is kept
      assertThat(call).endsWith(" 1 null 0 b");
    }
  }

  @Test
  void classesWithoutStaticStateStayLoadedUntilALeaseUsesOneWithState() throws Exception {
    String first;
    try (Pool pool = warm(1).build()) {
      first = pool.apply(StatelessTasks.identity());
    }
    assertThat(first.split(" ")[2]).startsWith("procpool-lease-"); // a loader of the leases, not the system's
    try (Pool pool = warm(1).build()) {
      // nothing to reset: the next lease keeps the very same class
      assertThat(pool.apply(StatelessTasks.identity())).isEqualTo(first);
    }
    try (Pool pool = warm(1).build()) {
      assertThat(pool.apply(StatelessTasks.identity())).isEqualTo(first);
      // WarmProbe has static state, and this lambda's class (this test) a static initializer
      assertThat(pool.apply(() -> WarmProbe.call(0))).startsWith(pidOf(first) + " 1 ");
    }
    try (Pool pool = warm(1).build()) {
      String after = pool.apply(StatelessTasks.identity());
      assertThat(pidOf(after)).isEqualTo(pidOf(first));
      assertThat(after).isNotEqualTo(first); // all classes loaded afresh, the stateless one too
      assertThat(pool.apply(() -> WarmProbe.call(0))).startsWith(pidOf(first) + " 1 ");
    }
  }

  @Test
  void lambdasLinkedWhileParkedCaptureTheValuesSentWithThem() throws Exception {
    String pid;
    try (Pool pool = warm(1).build()) {
      List<String> out = pool.map(QuietLambdas.tagger("a", 10), range(2), 1);
      pid = out.get(0).split(" ")[3];
      assertThat(out).containsExactly("a 10 1 " + pid, "a 11 2 " + pid);
    }
    for (String tag : List.of("b", "c")) {
      try (Pool pool = warm(1).build()) {
        // The same process, the lambda's own captured values, and the class's state afresh.
        assertThat(pool.map(QuietLambdas.tagger(tag, 20), range(2), 1))
            .containsExactly(tag + " 20 1 " + pid, tag + " 21 2 " + pid);
      }
    }
  }

  @Test
  void workerLocalStateIsDroppedAndClosedWhenTheWorkerIsParked() throws Exception {
    String closed = tmp.resolve("closed").toString();
    WorkerLocal<Counter> local = WorkerLocal.of(() -> new Counter(closed));
    Fn<Integer, String> count = x -> ProcessHandle.current().pid() + " " + local.get().next();
    List<String> first;
    try (Pool pool = warm(1).build()) {
      first = pool.map(count, range(3), 1);
    }
    assertThat(first).extracting(s -> s.split(" ")[1]).containsExactly("1", "2", "3");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(Path.of(closed)));
    try (Pool pool = warm(1).build()) {
      String again = pool.apply(() -> count.apply(0));
      assertThat(pidOf(again)).isEqualTo(pidOf(first.get(0)));
      assertThat(again).endsWith(" 1");
    }
  }

  /** Worker state that marks a file when it is closed. */
  static final class Counter implements AutoCloseable {
    private final AtomicInteger n = new AtomicInteger();
    private final String closedMark;

    Counter(String closedMark) {
      this.closedMark = closedMark;
    }

    int next() {
      return n.incrementAndGet();
    }

    @Override
    public void close() {
      try {
        Files.writeString(Path.of(closedMark), "closed");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Test
  void tasksOfALeaseRunOnAThreadOfTheirOwn() throws Exception {
    // A thread-local kept where the JVM keeps it across leases (system properties are JVM state, which
    // does leak, as documented): only the thread it was set on sees its value.
    Task<String> where = () -> {
      @SuppressWarnings("unchecked")
      ThreadLocal<String> carried = (ThreadLocal<String>) System.getProperties()
          .computeIfAbsent("procpool.test.carried", k -> new ThreadLocal<String>());
      String before = carried.get();
      carried.set("left over");
      return ProcessHandle.current().pid() + " " + Thread.currentThread().getName() + " " + before;
    };
    String first;
    try (Pool pool = warm(1).build()) {
      first = pool.apply(where);
    }
    assertThat(first).endsWith(" null");
    try (Pool pool = warm(1).build()) {
      String second = pool.apply(where);
      assertThat(pidOf(second)).isEqualTo(pidOf(first));
      assertThat(second.split(" ")[1]).isNotEqualTo(first.split(" ")[1]);
      assertThat(second).endsWith(" null");
      assertThat(pool.apply(where)).endsWith(" left over"); // the same lease's thread does see it
    }
  }

  @Test
  void aPoolWithoutTheOptInNeitherParksNorLeases() throws Exception {
    long parked;
    try (Pool pool = warm(1).build()) {
      parked = pool.apply(() -> ProcessHandle.current().pid());
    }
    try (Pool pool = Pool.processes(1)) {
      long plain = pool.apply(() -> ProcessHandle.current().pid());
      assertThat(plain).isNotEqualTo(parked);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> childPids().equals(Set.of(parked)));
    assertThat(WarmWorkers.parkedCount()).isEqualTo(1);
    WarmWorkers.drain();
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void parkedWorkersExitAfterTheirKeepAlive() throws Exception {
    long pid;
    try (Pool pool = Pool.builder().processes(1).reuseWorkers(Duration.ofMillis(300)).build()) {
      pid = pool.apply(() -> ProcessHandle.current().pid());
    }
    long parkedAt = System.nanoTime();
    // This JVM ends it at its keep-alive; the worker's own backstop would only come 5 s after that.
    await().atMost(Duration.ofSeconds(3)).until(() -> WarmWorkers.parkedCount() == 0);
    await().atMost(Duration.ofSeconds(4)).until(() -> !ProcessTests.alive(pid));
    assertThat(System.nanoTime() - parkedAt).isLessThan(TimeUnit.SECONDS.toNanos(5));
    ProcessTests.assertNoProcessLeft();
  }

  /**
   * Parks 3 workers, then terminates a pool of 1 as soon as it is built, while it leases: at most the one
   * worker it was leasing is lost, not every parked one.
   */
  @Test
  void terminatingAPoolWhileItLeasesLeavesTheOtherParkedWorkersParked() throws Exception {
    Set<Long> parked = parkWorkers(3);
    Pool pool = warm(1).name("terminated-at-once").build();
    pool.terminate();
    assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    assertThat(WarmWorkers.parkedCount()).isGreaterThanOrEqualTo(2);
    assertThat(parked.stream().filter(ProcessTests::alive).count()).isGreaterThanOrEqualTo(2);
    try (Pool next = warm(1).build()) {
      assertThat(next.apply(() -> ProcessHandle.current().pid())).isIn(parked);
    }
    WarmWorkers.drain();
    ProcessTests.assertNoProcessLeft();
  }

  /** The second worker's initializer takes a second: the pool is closed while that worker is still starting. */
  @Test
  void aWorkerStillStartingWhenItsPoolFinishesIsParkedToo() throws Exception {
    String dir = meeting("slow-start").toString();
    try (Pool pool = warm(2).name("one-task").initializer(() -> slowUnlessFirst(dir, 1_000)).build()) {
      pool.apply(() -> 1);
    }
    assertThat(WarmWorkers.parkedCount()).isEqualTo(2);
    assertThat(childPids()).hasSize(2);
  }

  static void slowUnlessFirst(String dir, long millis) throws InterruptedException {
    if (!ProcessTests.claim(dir, "first")) {
      Thread.sleep(millis); // a slow start, not a synchronisation: the pool must wait for it, or not
    }
  }

  /** The second worker never finishes starting: close() gives up on it after its grace, and kills it. */
  @Test
  void aWorkerStuckStartingDoesNotHoldCloseForever() throws Exception {
    String dir = meeting("stuck-start").toString();
    long began = System.nanoTime();
    try (Pool pool = warm(2).name("stuck").initializer(() -> slowUnlessFirst(dir, 300_000)).build()) {
      pool.apply(() -> 1);
    }
    assertThat(System.nanoTime() - began).isLessThan(TimeUnit.SECONDS.toNanos(30));
    assertThat(WarmWorkers.parkedCount()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> childPids().size() == 1);
  }

  @Test
  void closingAPoolWhileItLeasesParksAgainTheWorkerItLeased() throws Exception {
    Set<Long> parked = parkWorkers(3);
    warm(1).name("closed-at-once").build().close();
    assertThat(WarmWorkers.parkedCount()).isEqualTo(3);
    assertThat(childPids()).isEqualTo(parked);
  }

  /**
   * Pools that end as soon as their one task is done, often before the control thread of a worker they
   * leased has run: each pool's workers are parked again, and no JVM is launched after the first two.
   */
  @Test
  void aRunOfShortPoolsKeepsLeasingTheSameWorkers() throws Exception {
    Set<Long> parked = parkWorkers(2);
    for (int i = 0; i < 30; i++) {
      try (Pool pool = warm(2).name("short-" + i).build()) {
        assertThat(pool.apply(() -> ProcessHandle.current().pid())).isIn(parked);
      }
      assertThat(WarmWorkers.parkedCount()).as("workers parked after pool %d", i).isEqualTo(2);
      assertThat(childPids()).as("worker JVMs after pool %d", i).isEqualTo(parked);
    }
  }

  @Test
  void itemsAreReadWithTheLeasesContextClassLoader() throws Exception {
    List<ContextLoaderProbe> items = List.of(new ContextLoaderProbe(), new ContextLoaderProbe());
    try (Pool pool = warm(1).build()) {
      assertThat(pool.map(ContextLoaderProbe::check, items, 1)).containsExactly("true true", "true true");
    }
    try (Pool pool = warm(1).build()) { // leased: another lease, another loader
      assertThat(pool.map(ContextLoaderProbe::check, items, 2)).containsExactly("true true", "true true");
    }
  }

  @Test
  void aPoolWithMaxTasksPerChildNeitherLeasesNorParks() throws Exception {
    long parked;
    try (Pool pool = warm(1).build()) {
      parked = pool.apply(() -> ProcessHandle.current().pid());
    }
    long bounded;
    try (Pool pool = warm(1).maxTasksPerChild(100).build()) {
      bounded = pool.apply(() -> ProcessHandle.current().pid());
    }
    assertThat(bounded).isNotEqualTo(parked);
    assertThat(WarmWorkers.parkedCount()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> childPids().equals(Set.of(parked)));
  }

  @Test
  void workersLaunchedAnotherWayAreNotReused() throws Exception {
    long first;
    try (Pool pool = warm(1).jvmOptions("-Xmx96m").build()) {
      first = pool.apply(() -> ProcessHandle.current().pid());
    }
    long second;
    try (Pool pool = warm(1).jvmOptions("-Xmx112m").build()) {
      second = pool.apply(() -> ProcessHandle.current().pid());
    }
    assertThat(second).isNotEqualTo(first);
    assertThat(WarmWorkers.parkedCount()).isEqualTo(2);
    try (Pool pool = warm(1).jvmOptions("-Xmx96m").build()) {
      assertThat(pool.apply(() -> ProcessHandle.current().pid())).isEqualTo(first);
    }
    try (Pool pool = warm(1).systemProperties(java.util.Map.of("warm.test", "x")).build()) {
      long third = pool.apply(() -> ProcessHandle.current().pid());
      assertThat(third).isNotIn(first, second);
    }
  }

  @Test
  void aParkedWorkerKilledWithSigkillIsNotHandedOut() throws Exception {
    long dead;
    try (Pool pool = warm(1).build()) {
      dead = pool.apply(() -> ProcessHandle.current().pid());
    }
    ProcessHandle.of(dead).orElseThrow().destroyForcibly(); // SIGKILL
    try (Pool pool = warm(1).build()) {
      long pid = pool.apply(() -> ProcessHandle.current().pid());
      assertThat(pid).isNotEqualTo(dead);
      assertThat(pool.map(x -> x * 2, range(10))).containsExactly(0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
    }
    assertThat(ProcessTests.alive(dead)).isFalse();
    assertThat(WarmWorkers.parkedCount()).isEqualTo(1);
  }

  @Test
  void aParkedWorkerThatFailsTheLeasesChallengeIsKilledNotHandedOut() throws Exception {
    long parked;
    try (Pool pool = warm(1).build()) {
      parked = pool.apply(() -> ProcessHandle.current().pid());
    }
    assertThat(WarmWorkers.parkedCount()).isEqualTo(1);
    WarmWorkers.forgeAnswersForTest();
    try (Pool pool = warm(1).build()) {
      long pid = pool.apply(() -> ProcessHandle.current().pid());
      assertThat(pid).isNotEqualTo(parked);
      assertThat(pool.map(x -> x * 2, range(4))).containsExactly(0, 2, 4, 6);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessTests.alive(parked));
    assertThat(WarmWorkers.parkedCount()).isEqualTo(1);
  }

  @Test
  void aParkedWorkerFrozenWhileParkedIsKilledAndReplaced() throws Exception {
    long frozen;
    try (Pool pool = warm(1).build()) {
      frozen = pool.apply(() -> ProcessHandle.current().pid());
    }
    // Stopped for sure before the next pool's LEASE: a worker still running when it comes answers it, is leased,
    // and freezes only afterwards, holding the call's chunk, which has no timeout to end the wait.
    ProcessTests.freeze(frozen);
    try (Pool pool = warm(1).build()) {
      // The lease goes unanswered until its time limit kills the worker; then one is launched.
      long pid = pool.apply(() -> ProcessHandle.current().pid());
      assertThat(pid).isNotEqualTo(frozen);
      assertThat(pool.map(x -> x * 2, range(4))).containsExactly(0, 2, 4, 6);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessTests.alive(frozen));
    assertThat(WarmWorkers.parkedCount()).isEqualTo(1);
  }

  @Test
  void terminateDoesNotPark() throws Exception {
    Pool pool = warm(2).build();
    assertThat(pool.map(x -> x + 1, range(4))).containsExactly(1, 2, 3, 4);
    pool.terminate();
    assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    assertThat(WarmWorkers.parkedCount()).isZero();
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void recycledWorkersAreNotParked() throws Exception {
    List<Long> pids;
    try (Pool pool = warm(1).maxTasksPerChild(2).build()) {
      pids = pool.map(x -> ProcessHandle.current().pid(), range(3), 1);
    }
    // the first worker was recycled after 2 tasks; the second is not parked either: its pool bounds
    // the tasks of each process, which a later pool would not know of
    assertThat(pids.get(0)).isEqualTo(pids.get(1)).isNotEqualTo(pids.get(2));
    assertThat(WarmWorkers.parkedCount()).isZero();
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void theSettingIsValidated() {
    assertThatThrownBy(() -> Pool.builder().processes(1).reuseWorkers(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> Pool.builder().processes(1).reuseWorkers(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> Pool.builder().processes(1).reuseWorkers(KEEP).reuseWorkers(KEEP))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("reuseWorkers was already set to PT30S");
    assertThatThrownBy(() -> Pool.builder().threads(1).reuseWorkers(KEEP).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("reuseWorkers(..) applies only to worker processes");
    assertThatThrownBy(() -> Pool.builder().processes(1).reuseWorkers(null))
        .isInstanceOf(NullPointerException.class);
    for (Duration tooLong : List.of(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofDays(200_000),
        Duration.ofDays(1).plusNanos(1))) {
      assertThatThrownBy(() -> Pool.builder().processes(1).reuseWorkers(tooLong))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one day");
    }
    Pool.builder().processes(1).reuseWorkers(Duration.ofDays(1)); // the longest allowed
  }
}
