package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code imap} without a chunk size: chunks adapt to the task time, and the input is still read at most
 * {@code readAhead} chunks (of at most 1024 items) ahead of the consumer. The contract suite covers
 * the orders, failures and laziness that must not change; nothing here depends on timing.
 */
@Timeout(60)
class AdaptiveChunkTest {
  /** Adaptive chunks never hold more items than this (StreamCall.MAX_AUTO_CHUNK). */
  private static final int MAX_CHUNK = 1024;

  @Test
  void manyShortTasksComeBackCompleteAndInOrder() {
    try (Pool pool = Pool.threads(2); ResultIterator<Long> it = pool.imap(x -> x * 2, longs(200_000))) {
      long expected = 0;
      while (it.hasNext()) {
        assertThat(it.next()).isEqualTo(2 * expected);
        expected++;
      }
      assertThat(expected).isEqualTo(200_000);
    }
  }

  /**
   * Quick tasks grow the chunks to their largest; then the tasks get slow, and the chunks (with the
   * read-ahead bound of one chunk) shrink while the feeder waits for room for a large one. It must
   * then read the smaller chunks the bound now allows, not wait for room that can never come.
   */
  @Test
  @Timeout(30)
  void chunksThatShrinkWhileTheInputWaitsForRoomDoNotStallTheCall() {
    long quick = 10_000;
    long slow = 2_000;
    Fn<Long, Long> f = x -> {
      if (x >= quick) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a task of 1 ms
      }
      return x;
    };
    try (Pool pool = Pool.builder().threads(2).readAhead(1).build();
        ResultIterator<Long> it = pool.imap(f, longs(quick + slow))) {
      long expected = 0;
      while (it.hasNext()) {
        assertThat(it.next()).isEqualTo(expected++);
      }
      assertThat(expected).isEqualTo(quick + slow);
    }
  }

  @Test
  void anInfiniteInputIsStillReadABoundedDistanceAhead() {
    int readAhead = 2;
    AtomicLong pulled = new AtomicLong();
    Iterator<Long> infinite = Stream.iterate(0L, i -> i + 1).peek(i -> pulled.incrementAndGet()).iterator();
    try (Pool pool = Pool.builder().threads(2).readAhead(readAhead).build();
        ResultIterator<Long> it = pool.imapUnordered(x -> x, infinite)) {
      for (int i = 0; i < 20_000; i++) {
        it.next();
      }
      // Chunks have grown by now; with the consumer paused, reading stops at the bound.
      long bound = 20_000L + (long) readAhead * MAX_CHUNK;
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> pulled.get() <= bound);
    }
  }

  /**
   * Worker JVMs report the bytes each chunk took, so chunks of tiny items grow past the item cap that
   * applies where sizes are unknown (and stop at 16,384 items).
   */
  @Test
  void onWorkerJvmsChunksOfTinyItemsGrowPastTheCapForUnknownSizes() {
    AtomicLong pulled = new AtomicLong();
    Iterator<Long> infinite = Stream.iterate(0L, i -> i + 1).peek(i -> pulled.incrementAndGet()).iterator();
    try (Pool pool = Pool.builder().processes(2).readAhead(1).build();
        ResultIterator<Long> it = pool.imapUnordered(x -> x, infinite)) {
      long consumed = 0;
      while (pulled.get() - consumed <= MAX_CHUNK) {
        it.next(); // the consumer goes on until the read-ahead (one chunk) is larger than 1024 items
        consumed++;
        assertThat(consumed).as("items consumed before a chunk grew past %d items", MAX_CHUNK).isLessThan(2_000_000);
      }
      long taken = consumed;
      // With the consumer paused, at most one chunk is read ahead, and the buffer it took before.
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
          .until(() -> pulled.get() - taken <= 2L * 16 * 1024);
    }
  }

  /**
   * Large items on worker JVMs: their bytes, not a count, bound the chunks, so read-ahead holds a few of
   * them however quick the task (a count cap of 1024 would let 4096 items of 64 KB, 256 MB, be read ahead).
   */
  @Test
  void onWorkerJvmsLargeItemsAreReadAheadByTheirBytes() {
    int size = 64 * 1024;
    AtomicLong pulled = new AtomicLong();
    Iterator<byte[]> large = Stream.generate(() -> new byte[size]).peek(b -> pulled.incrementAndGet()).iterator();
    Fn<byte[], Integer> length = b -> b.length;
    try (Pool pool = Pool.builder().processes(2).readAhead(2).build();
        ResultIterator<Integer> it = pool.imap(length, large)) {
      for (int i = 0; i < 1_000; i++) {
        assertThat(it.next()).isEqualTo(size);
      }
      // 2 chunks of at most 256 KB (4 items), and as many in the consumer's buffer: 16 items, 1 MB.
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
          .until(() -> pulled.get() - 1_000 <= 16);
    }
  }

  private static Iterator<Long> longs(long n) {
    return Stream.iterate(0L, i -> i < n, i -> i + 1).iterator();
  }
}
