package dev.procpool.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.AsyncResult;
import dev.procpool.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many threads submitting many small tasks into one process pool: nothing lost, nothing duplicated. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentSubmittersTest {
  private static final int THREADS = 8;
  private static final int EACH = 10_000;

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void eightThreadsTimesTenThousandApplyAsyncGetEveryResultExactlyOnce() throws Exception {
    Map<Integer, Integer> callbacks = new ConcurrentHashMap<>();
    List<List<AsyncResult<Integer>>> submitted = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    try (Pool pool = Pool.builder().processes(2).name("submitters").build()) {
      for (int t = 0; t < THREADS; t++) {
        int base = t * EACH;
        List<AsyncResult<Integer>> mine = new ArrayList<>(EACH);
        submitted.add(mine);
        Thread thread = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < EACH; i++) {
            int n = base + i;
            mine.add(pool.applyAsync(() -> n * 2, v -> callbacks.merge(v / 2, 1, Integer::sum), null));
          }
        }, "submitter-" + t);
        threads.add(thread);
        thread.start();
      }
      go.countDown();
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(thread.isAlive()).as(thread.getName() + " still submitting").isFalse();
      }
      for (int t = 0; t < THREADS; t++) {
        List<AsyncResult<Integer>> mine = submitted.get(t);
        assertThat(mine).hasSize(EACH);
        for (int i = 0; i < EACH; i++) {
          assertThat(mine.get(i).get(60, TimeUnit.SECONDS)).isEqualTo((t * EACH + i) * 2);
        }
      }
    }
    // close() returned: every callback has run, each exactly once.
    assertThat(callbacks).hasSize(THREADS * EACH);
    assertThat(callbacks.values()).containsOnly(1);
  }
}
