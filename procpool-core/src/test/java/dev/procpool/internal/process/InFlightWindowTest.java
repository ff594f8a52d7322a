package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.spi.Job;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The window of chunks a worker holds: how deep it is, its byte bound, recalls and timeouts, by the clock given. */
@Timeout(10)
class InFlightWindowTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private static final Job UNTIMED = TestChunks.job(1, null);
  private static final Job TIMED = TestChunks.job(2, Duration.ofSeconds(1));

  private int seq;

  private InFlight sent(InFlightWindow window, Job job, int items, int bytes) {
    InFlight f = new InFlight(seq++, TestChunks.chunk(job, 0, new Object[items]), timeoutNanos(job), bytes);
    window.add(f);
    return f;
  }

  private static long timeoutNanos(Job job) {
    return job.taskTimeout() == null ? 0 : job.taskTimeout().toNanos();
  }

  /** Sends and finishes one chunk that took {@code nanos}, so that the window learns how long chunks take. */
  private void learn(InFlightWindow window, long nanos) {
    InFlight f = sent(window, UNTIMED, 1, 10);
    window.finished(f, nanos);
  }

  @Test
  void startsOneDeepAndDeepensForShortChunksOnly() {
    InFlightWindow window = new InFlightWindow();
    assertThat(window.room()).as("before any chunk is timed").isEqualTo(1);
    sent(window, UNTIMED, 1, 10);
    assertThat(window.full()).isTrue();

    InFlightWindow fast = new InFlightWindow();
    learn(fast, 10_000);
    assertThat(fast.room()).as("chunks of 10 us").isEqualTo(256);
    InFlightWindow slow = new InFlightWindow();
    learn(slow, 1_000 * MS);
    assertThat(slow.room()).as("chunks of 1 s: never prefetched behind").isEqualTo(1);
    InFlightWindow middling = new InFlightWindow();
    learn(middling, 1 * MS);
    assertThat(middling.room()).as("chunks of 1 ms").isEqualTo(4);
  }

  @Test
  void theDepthFollowsTheSmoothedChunkTime() {
    InFlightWindow window = new InFlightWindow();
    learn(window, 10_000);
    learn(window, 30 * MS); // one long chunk moves the average by a quarter: 7.5 ms
    assertThat(window.room()).isEqualTo(2);
    for (int i = 0; i < 30; i++) {
      learn(window, 10_000);
    }
    assertThat(window.room()).isEqualTo(256);
  }

  @Test
  void theDispatcherIsWokenWhenTheWindowIsHalfEmpty() {
    InFlightWindow window = new InFlightWindow();
    learn(window, 1 * MS); // four deep
    InFlight[] f = new InFlight[4];
    for (int i = 0; i < 4; i++) {
      f[i] = sent(window, UNTIMED, 1, 10);
    }
    assertThat(window.full()).isTrue();
    assertThat(window.finished(f[0], 1 * MS)).as("three of four left").isFalse();
    assertThat(window.finished(f[1], 1 * MS)).as("two of four left").isTrue();
    assertThat(window.size()).isEqualTo(2);
  }

  @Test
  void theEncodedBytesInFlightAreBoundedButOneChunkAlwaysGoes() {
    InFlightWindow window = new InFlightWindow();
    learn(window, 10_000); // 256 deep
    InFlight[] small = new InFlight[130];
    for (int i = 0; i < small.length; i++) {
      small[i] = sent(window, UNTIMED, 1, 10);
    }
    InFlight big = sent(window, UNTIMED, 1, 40 << 20);
    assertThat(window.full()).isFalse();
    assertThat(window.atByteBound()).isFalse();
    InFlight second = sent(window, UNTIMED, 1, 40 << 20);
    assertThat(window.atByteBound()).isTrue();
    assertThat(window.full()).as("80 MiB in flight, 132 chunks of 256").isTrue();
    assertThat(window.finished(small[0], 10_000)).as("still above the bound, more than half full").isFalse();
    assertThat(window.finished(second, 10_000)).as("back under the bound, more than half full").isTrue();
    assertThat(window.full()).isFalse();
    assertThat(window.finished(small[1], 10_000)).isFalse();
    window.finished(big, 10_000);

    InFlightWindow empty = new InFlightWindow();
    learn(empty, 10_000);
    assertThat(empty.full()).isFalse();
    sent(empty, UNTIMED, 1, 100 << 20);
    assertThat(empty.atByteBound()).as("a chunk above the bound goes alone").isTrue();
    assertThat(empty.full()).isTrue();
  }

  @Test
  void chunksStuckBehindALongOneAreRecalledOnceAndTheWindowShrinksToOne() throws Exception {
    InFlightWindow window = new InFlightWindow();
    learn(window, 10_000);
    long t0 = 1_000 * MS;
    InFlight head = sent(window, UNTIMED, 1, 10);
    InFlight behind1 = sent(window, UNTIMED, 1, 10);
    InFlight behind2 = sent(window, UNTIMED, 1, 10);
    assertThat(window.recallStuck(t0)).as("nothing started").isNull();
    head.start(0, t0);
    assertThat(window.recallStuck(t0 + 99 * MS)).as("below the 100 ms floor").isNull();
    assertThat(window.full()).isFalse();
    assertThat(window.recallStuck(t0 + 101 * MS)).containsExactly(behind1.seq, behind2.seq);
    assertThat(window.full()).as("one deep while recalling").isTrue();
    assertThat(window.recallStuck(t0 + 200 * MS)).as("each is recalled once").isNull();

    assertThat(window.recalled(behind1.seq)).isSameAs(behind1);
    assertThat(window.size()).isEqualTo(2);
    assertThatThrownBy(() -> window.recalled(head.seq)).isInstanceOf(ProtocolException.class)
        .hasMessageContaining("recalled after it started");
    window.finished(head, 10_000); // reported short, so that the depth is the smoothed time's again
    assertThat(window.room()).as("deep again once a chunk is done").isEqualTo(255);
  }

  @Test
  void theRecallThresholdGrowsWithTheUsualChunkTime() throws Exception {
    InFlightWindow window = new InFlightWindow();
    learn(window, 50 * MS); // recalled after 8 x 50 ms
    long t0 = 1_000 * MS;
    InFlight head = sent(window, UNTIMED, 1, 10);
    sent(window, UNTIMED, 1, 10);
    head.start(0, t0);
    assertThat(window.recallStuck(t0 + 399 * MS)).isNull();
    assertThat(window.recallStuck(t0 + 401 * MS)).hasSize(1);
  }

  @Test
  void onlyATimedItemStillRunningPastItsTimeoutIsOverdue() throws Exception {
    InFlightWindow window = new InFlightWindow();
    long t0 = 1_000 * MS;
    InFlight timed = sent(window, TIMED, 3, 10);
    assertThat(window.overdue(t0 + 5_000 * MS)).as("not started").isNull();
    timed.start(0, t0);
    assertThat(window.overdue(t0 + 999 * MS)).isNull();
    timed.start(1, t0 + 999 * MS); // the next item began: its own clock
    assertThat(window.overdue(t0 + 1_500 * MS)).isNull();
    assertThat(window.overdue(t0 + 2_000 * MS)).isSameAs(timed);
    timed.reported = 2; // its result came back; nothing runs until the next STARTED
    assertThat(window.overdue(t0 + 5_000 * MS)).isNull();

    InFlightWindow untimed = new InFlightWindow();
    InFlight f = sent(untimed, UNTIMED, 1, 10);
    f.start(0, t0);
    assertThat(untimed.overdue(t0 + 3_600_000 * MS)).isNull();
  }

  @Test
  void reportsOnChunksOrItemsTheWorkerDoesNotHoldAreProtocolErrors() throws Exception {
    InFlightWindow window = new InFlightWindow();
    InFlight f = sent(window, UNTIMED, 2, 10);
    assertThat(window.find(f.seq)).isSameAs(f);
    assertThatThrownBy(() -> window.find(f.seq + 1)).isInstanceOf(ProtocolException.class)
        .hasMessageContaining("does not hold");
    assertThatThrownBy(() -> f.start(2, 0)).isInstanceOf(ProtocolException.class).hasMessageContaining("no item 2");
    assertThat(f.start(0, 5)).as("first start").isTrue();
    assertThat(f.start(1, 9)).isFalse();
    assertThat(f.chunkStart).isEqualTo(5);
    assertThat(f.itemStart).isEqualTo(9);
  }

  @Test
  void holdsTellsWhetherAJobHasAChunkInFlightAndClearEmptiesIt() {
    InFlightWindow window = new InFlightWindow();
    sent(window, TIMED, 1, 100 << 20);
    assertThat(window.holds(TIMED.id())).isTrue();
    assertThat(window.holds(UNTIMED.id())).isFalse();
    window.clear();
    assertThat(window.isEmpty()).isTrue();
    assertThat(window.atByteBound()).isFalse();
    assertThat(window.holds(TIMED.id())).isFalse();
  }
}
