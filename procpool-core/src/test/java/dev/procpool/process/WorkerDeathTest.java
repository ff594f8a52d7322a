package dev.procpool.process;

import static dev.procpool.process.ProcessTests.alive;
import static dev.procpool.process.ProcessTests.markPid;
import static dev.procpool.process.ProcessTests.markedPids;
import static dev.procpool.contract.Outcomes.outcomes;
import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.WorkerDiedException;
import dev.procpool.contract.Probe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real crashes of real worker processes: SIGKILL from outside, {@code System.exit}, an
 * OutOfMemoryError under a small heap, a StackOverflowError. Each time only the item that was running
 * fails, with WorkerDiedException saying how the worker died; the other items of its chunk complete,
 * the worker is replaced and the pool goes on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerDeathTest {
  private static Pool pool;

  @TempDir Path tmp;

  @BeforeAll
  static void startPool() {
    pool = Pool.builder().processes(2).jvmOptions("-Xmx32m").name("deaths").build();
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    ProcessTests.stop(pool);
  }

  @Test
  void sigkillFromOutsideFailsOnlyTheItemThatWasRunning() {
    String dir = tmp.toString();
    Fn<Integer, Integer> f = x -> {
      if (x == 3) {
        markPid(dir, "victim");
        Probe.await(dir, "never", Duration.ofSeconds(30));
      }
      return x * 10;
    };
    // Items 0..4 form one chunk: 0..2 are done when 3 is killed, 4 has not started.
    CompletableFuture<List<Object>> result = CompletableFuture.supplyAsync(() -> outcomes(pool, f, range(10), 5));
    Set<Long> killed = new HashSet<>();
    while (!result.isDone()) {
      await().atMost(Duration.ofSeconds(30))
          .until(() -> result.isDone() || !killed.containsAll(markedPids(dir, "victim")));
      for (long pid : markedPids(dir, "victim")) {
        if (killed.add(pid)) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }
    List<Object> out = result.join();
    assertOnlyItemDied(out, 3, "killed by signal 9 (SIGKILL)");
    // Killed once while running the chunk, once when re-run alone: only then is the item to blame.
    assertThat(killed).hasSize(2);
    assertReplacedAndUsable(killed);
  }

  @Test
  void systemExitInATaskFailsOnlyThatItem() {
    String dir = tmp.toString();
    List<Object> out = outcomes(pool, (Integer x) -> {
      if (x == 2) {
        markPid(dir, "exiter");
        System.exit(3);
      }
      return x * 10;
    }, range(6), 3);
    assertOnlyItemDied(out, 2, "exited with code 3");
    assertReplacedAndUsable(markedPids(dir, "exiter"));
  }

  @Test
  void outOfMemoryUnderASmallHeapFailsOnlyThatItem() {
    String dir = tmp.toString();
    List<Object> out = outcomes(pool, (Integer x) -> {
      if (x == 1) {
        markPid(dir, "hog");
        List<long[]> hog = new ArrayList<>();
        for (;;) {
          hog.add(new long[1 << 17]);
        }
      }
      return x * 10;
    }, range(4), 4);
    assertOnlyItemDied(out, 1, "OutOfMemoryError");
    assertReplacedAndUsable(markedPids(dir, "hog"));
  }

  @Test
  void stackOverflowFailsOnlyThatItem() {
    String dir = tmp.toString();
    List<Object> out = outcomes(pool, (Integer x) -> {
      if (x == 0) {
        markPid(dir, "deep");
        return recurse(x);
      }
      return x * 10;
    }, range(3), 3);
    assertOnlyItemDied(out, 0, "StackOverflowError");
    assertThat(((WorkerDiedException) out.get(0)).getCause())
        .as("the worker's stack at the overflow travels as the cause")
        .hasMessageContaining("StackOverflowError")
        .satisfies(c -> assertThat(c.getStackTrace()).anyMatch(e -> e.getMethodName().equals("recurse")));
    assertReplacedAndUsable(markedPids(dir, "deep"));
  }

  @Test
  void retriesRunAnItemThatKillsItsWorkerThatManyMoreTimes() throws Exception {
    String dir = tmp.toString();
    try (Pool retrying = Pool.builder().processes(1).retries(2).name("retrying").build()) {
      assertThatThrownBy(() -> retrying.apply(() -> {
        markPid(dir, "attempt");
        System.exit(3);
        return 0;
      }))
          .isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("exited with code 3")
          .hasMessageContaining("on each of 3 tries");
      assertThat(markedPids(dir, "attempt")).as("1 run + 2 retries, each in a fresh worker").hasSize(3);

      // An item that kills only its first worker succeeds on the retry.
      int got = retrying.apply(() -> {
        if (Probe.count(dir, "flaky-") == 0) {
          markPid(dir, "flaky");
          System.exit(3);
        }
        return 42;
      });
      assertThat(got).isEqualTo(42);
    }
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }

  private static void assertOnlyItemDied(List<Object> out, int victim, String how) {
    assertThat(out).hasSize(out.size());
    for (int i = 0; i < out.size(); i++) {
      if (i == victim) {
        assertThat(out.get(i)).as("item %d", i).isInstanceOf(WorkerDiedException.class);
        WorkerDiedException e = (WorkerDiedException) out.get(i);
        assertThat(e.itemIndex()).isEqualTo(victim);
        assertThat(e).hasMessageContaining("item " + victim).hasMessageContaining(how);
      } else {
        assertThat(out.get(i)).as("item %d", i).isEqualTo(i * 10);
      }
    }
  }

  /** The dead workers are gone, their replacements run tasks, and the pool is back to full strength. */
  private static void assertReplacedAndUsable(Set<Long> dead) {
    assertThat(dead).isNotEmpty().allSatisfy(pid -> assertThat(alive(pid)).as("pid %d", pid).isFalse());
    List<Long> pids = pool.map(x -> ProcessHandle.current().pid(), range(8), 1);
    assertThat(pids).doesNotContainAnyElementsOf(dead);
    await().atMost(Duration.ofSeconds(20)).until(() -> ProcessTests.workerCount() == 2);
  }
}
