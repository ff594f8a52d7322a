package dev.procpool.process;

import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import dev.procpool.contract.Probe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers take several short chunks at a time so that they never wait for a round trip; a long task
 * must not hold the chunks queued behind it hostage while another worker is idle.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrefetchTest {
  @TempDir Path tmp;

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void chunksQueuedBehindALongTaskAreTakenBackAndRunElsewhere() throws Exception {
    String dir = tmp.toString();
    try (Pool pool = Pool.builder().processes(2).name("prefetch").build()) {
      // Many tiny tasks: each worker learns that its chunks are short and takes many at a time.
      assertThat(pool.map(x -> x, range(20_000), 1)).hasSize(20_000);

      Fn<Integer, Integer> f = x -> {
        if (x == 0) {
          Probe.await(dir, "release", Duration.ofSeconds(30));
        }
        return x;
      };
      List<Integer> got = new ArrayList<>();
      try (ResultIterator<Integer> it = pool.imapUnordered(f, range(40), 1)) {
        for (int i = 0; i < 39; i++) {
          got.add(it.next(Duration.ofSeconds(10)));
        }
        assertThat(got).doesNotContain(0).hasSize(39);
        Probe.mark(dir, "release");
        assertThat(it.next(Duration.ofSeconds(10))).isZero();
      }
    }
  }
}
