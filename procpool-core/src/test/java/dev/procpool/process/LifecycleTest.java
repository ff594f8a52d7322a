package dev.procpool.process;

import static dev.procpool.process.ProcessTests.markPid;
import static dev.procpool.process.ProcessTests.markedPids;
import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.AsyncResult;
import dev.procpool.Pool;
import dev.procpool.PoolTerminatedException;
import dev.procpool.Task;
import dev.procpool.contract.Probe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Workers never outlive their pool: not after terminate(), close(), a parent killed with SIGKILL, or a parent that just exits. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LifecycleTest {
  @TempDir Path tmp;

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void terminateKillsBusyWorkersWithinAboutASecond() throws Exception {
    String dir = tmp.toString();
    Pool pool = Pool.builder().processes(2).name("terminated").build();
    AsyncResult<List<Integer>> busy = pool.mapAsync(x -> {
      markPid(dir, "busy");
      TaskTimeoutTest.spinMillis(60_000);
      return x;
    }, range(2), 1);
    await().atMost(Duration.ofSeconds(20)).until(() -> markedPids(dir, "busy").size() == 2);
    Set<Long> pids = markedPids(dir, "busy");

    long start = System.nanoTime();
    pool.terminate();
    await().atMost(Duration.ofMillis(1_500)).pollInterval(Duration.ofMillis(10))
        .until(() -> pids.stream().noneMatch(ProcessTests::alive));
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
    assertThat(pool.isTerminated()).isTrue();
    assertThatThrownBy(() -> busy.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(PoolTerminatedException.class);
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void closeFinishesSubmittedWorkFirstAndLeavesNoProcess() throws Exception {
    Pool pool = Pool.builder().processes(2).name("closed").build();
    AsyncResult<List<Integer>> pending = pool.mapAsync(x -> {
      TaskTimeoutTest.spinMillis(150);
      return x * x;
    }, range(8), 1);
    pool.close();
    assertThat(pending.isDone()).isTrue();
    assertThat(pending.get()).containsExactly(0, 1, 4, 9, 16, 25, 36, 49);
    assertThat(pool.isTerminated()).isTrue();
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void workersExitWhenTheirParentJvmIsKilledWithSigkill() throws Exception {
    String dir = tmp.toString();
    Process parent = ProcessTests.startJava(ParentOfWorkersMain.class.getName(), dir, "block");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> markedPids(dir, "worker").size() == 2 || !parent.isAlive());
      Set<Long> workers = markedPids(dir, "worker");
      assertThat(workers).as("both workers busy in the parent JVM").hasSize(2);
      // The worker's arguments: the socket path (in the pool's private directory), its id, the parent's pid.
      String[] args = new String(Files.readAllBytes(Path.of("/proc", workers.iterator().next().toString(), "cmdline")),
          StandardCharsets.UTF_8).split("\0");
      Path privateDir = Path.of(args[args.length - 3]).getParent();
      assertThat(privateDir).isDirectory();
      Probe.mark(dir, "parent-may-go");
      parent.destroyForcibly(); // SIGKILL: no shutdown hook runs
      parent.waitFor(10, TimeUnit.SECONDS);
      await("workers exit on their own").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> workers.stream().noneMatch(ProcessTests::alive));
      assertThat(privateDir).as("removed by the orphaned workers").doesNotExist();
    } finally {
      parent.destroyForcibly();
    }
  }

  @Test
  void workersExitWhenTheirParentJvmExitsWithoutClosingThePool() throws Exception {
    String dir = tmp.toString();
    Process parent = ProcessTests.startJava(ParentOfWorkersMain.class.getName(), dir, "exit");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> markedPids(dir, "worker").size() == 2 || !parent.isAlive());
      Set<Long> workers = markedPids(dir, "worker");
      assertThat(workers).hasSize(2);
      Probe.mark(dir, "parent-may-go");
      assertThat(parent.waitFor(20, TimeUnit.SECONDS)).as("the parent exits although its pool is open").isTrue();
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> workers.stream().noneMatch(ProcessTests::alive));
    } finally {
      parent.destroyForcibly();
    }
  }

  @Test
  void workersStartInParallelAndWorkRunsOnTheFirstReadyOne() throws Exception {
    String dir = tmp.toString();
    // The first worker to reach its initializer stays there until the test says so.
    Task<Void> init = () -> {
      if (ProcessTests.claim(dir, "slow-init")) {
        Probe.await(dir, "init-may-go", Duration.ofSeconds(30));
      }
      return null;
    };
    try (Pool pool = Pool.builder().processes(2).initializer(init).name("eager").build()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> ProcessTests.workerCount() == 2);
      // One worker is still initializing; the other runs everything meanwhile.
      assertThat(pool.map(x -> x + 1, range(20), 1)).hasSize(20);
      assertThat(Probe.marked(dir, "init-may-go")).isFalse();
      Probe.mark(dir, "init-may-go");
    }
  }
}
