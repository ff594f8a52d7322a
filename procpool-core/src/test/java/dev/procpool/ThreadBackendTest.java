package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only the thread backend does: things a thread cannot be made to do are handled, not hidden. */
@Timeout(30)
class ThreadBackendTest {

  @Test
  void aTaskThatIgnoresInterruptsIsAbandonedAndReplacedOnTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (Pool pool = Pool.builder().threads(1).taskTimeout(Duration.ofMillis(200)).build()) {
      Task<String> stubborn = () -> {
        while (release.getCount() > 0) {
          try {
            release.await();
          } catch (InterruptedException ignored) {
            // a badly behaved task: it swallows the interrupt and keeps waiting
          }
        }
        return "late";
      };
      assertThatThrownBy(() -> pool.apply(stubborn)).isInstanceOf(TaskTimeoutException.class);
      // The only worker is stuck, yet the pool runs new work on a replacement thread.
      assertThat(pool.apply(() -> "fresh")).isEqualTo("fresh");
      release.countDown();
    }
  }

  @Test
  void workerThreadsAreDaemonsSoAForgottenPoolNeverKeepsTheJvmAlive() {
    try (Pool pool = Pool.threads(1)) {
      assertThat(pool.apply(() -> Thread.currentThread().isDaemon())).isTrue();
    }
  }

  @Test
  void mayInterruptCancelsARunningTask() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    try (Pool pool = Pool.threads(1)) {
      AsyncResult<Void> r = pool.applyAsync(() -> {
        started.countDown();
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          interrupted.countDown();
        }
        return null;
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      r.cancel(true);
      assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(pool.map(x -> x, List.of(1))).containsExactly(1);
    }
  }
}
