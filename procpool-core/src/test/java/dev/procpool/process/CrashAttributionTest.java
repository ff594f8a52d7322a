package dev.procpool.process;

import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerStats;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Workers flush a short chunk's start with what follows it (or within a millisecond), so a chunk that
 * kills its worker at once may die before the pool heard that it began. Whether it did depends on
 * timing; either way the pool must fail that item after a bounded number of deaths, rather than hand
 * it, uncounted, from worker to worker: after the first death every chunk announces its start.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrashAttributionTest {
  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void aChunkThatHaltsItsWorkerAtOnceFailsAfterABoundedNumberOfDeaths() {
    try (Pool pool = Pool.builder().processes(2).name("halts").build()) {
      // Many tiny chunks first, so that workers take them in batches and flush starts lazily.
      assertThat(pool.map(x -> x, range(5_000), 1)).hasSize(5_000);
      Fn<Integer, Integer> f = x -> {
        if (x == 3_000) {
          Runtime.getRuntime().halt(7); // no shutdown hooks, no FATAL frame, nothing flushed
        }
        return x;
      };
      assertThatThrownBy(() -> pool.map(f, range(5_000), 1))
          .isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("item 3000")
          .hasMessageContaining("code 7");
      int crashes = pool.stats().restarts().getOrDefault(WorkerStats.Restart.CRASH, 0);
      assertThat(crashes).as("workers the halting item killed").isBetween(1, 3);
      assertThat(pool.map(x -> x + 1, range(4), 1)).containsExactly(1, 2, 3, 4);
    }
  }
}
