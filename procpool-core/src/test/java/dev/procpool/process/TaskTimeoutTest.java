package dev.procpool.process;

import static dev.procpool.process.ProcessTests.alive;
import static dev.procpool.process.ProcessTests.markPid;
import static dev.procpool.process.ProcessTests.markedPids;
import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import dev.procpool.TaskTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task past its timeout is stopped for real: its worker process is killed (an interrupt would not
 * stop these tasks, which spin and ignore interrupts), replaced, and only that item fails.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskTimeoutTest {
  private static final Duration TIMEOUT = Duration.ofMillis(700);
  /** "Within the timeout plus about a second", with room for a loaded CI machine. */
  private static final long BOUND_MILLIS = TIMEOUT.toMillis() + 1_500;

  private static Pool pool;

  @TempDir Path tmp;

  @BeforeAll
  static void startPool() {
    pool = Pool.builder().processes(2).taskTimeout(TIMEOUT).name("timeouts").build();
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    ProcessTests.stop(pool);
  }

  @Test
  void aTaskPastTheBuildersTimeoutIsKilledWithinASecondAndOnlyItFails() {
    assertStoppedAndReplaced(pool);
  }

  @Test
  void aPerCallTimeoutOverridesTheBuildersOne() {
    try (Pool untimed = Pool.builder().processes(1).name("untimed").build()) {
      Pool limited = untimed.withTimeout(TIMEOUT);
      assertStoppedAndReplaced(limited);
      // The pool itself has no timeout: a task longer than the view's limit completes there.
      assertThat(untimed.apply(() -> {
        spinMillis(TIMEOUT.toMillis() + 300);
        return "slow but fine";
      })).isEqualTo("slow but fine");
    }
  }

  private void assertStoppedAndReplaced(Pool pool) {
    String dir = tmp.toString();
    Fn<Integer, Integer> f = x -> {
      if (x == 2) {
        markPid(dir, "runaway");
        spinMillis(60_000);
      }
      return x * 10;
    };
    List<Object> out = new ArrayList<>();
    long started = 0;
    try (ResultIterator<Integer> it = pool.imap(f, range(5), 3)) {
      while (it.hasNext()) {
        try {
          out.add(it.next());
        } catch (TaskTimeoutException e) {
          long elapsed = System.nanoTime() - started;
          assertThat(TimeUnit.NANOSECONDS.toMillis(elapsed)).as("ms from the item's start to its failure")
              .isLessThan(BOUND_MILLIS);
          assertThat(e.itemIndex()).isEqualTo(2);
          assertThat(e.timeout()).isEqualTo(TIMEOUT);
          out.add("timeout");
        }
        if (out.size() == 2) {
          await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
              .until(() -> !markedPids(dir, "runaway").isEmpty());
          started = System.nanoTime();
        }
      }
    }
    assertThat(out).containsExactly(0, 10, "timeout", 30, 40);
    long runaway = markedPids(dir, "runaway").iterator().next();
    await().atMost(Duration.ofSeconds(5)).until(() -> !alive(runaway));
    List<Long> pids = pool.map(x -> ProcessHandle.current().pid(), range(4), 1);
    assertThat(pids).doesNotContain(runaway);
  }

  /** Busy for that long, deaf to interrupts: only killing the process stops it. */
  static void spinMillis(long millis) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }
}
