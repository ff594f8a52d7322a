package dev.procpool.internal.process;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The chunks one worker holds, in the order they were sent, and how many more it may be sent.
 *
 * <p>Several chunks are in flight per worker when chunks are short, so the worker never waits for a
 * round trip; when one runs long, the chunks queued behind it are recalled so that other workers can
 * take them, and a long chunk is never prefetched behind. How deep the window is follows the smoothed
 * time of a chunk; the encoded bytes it holds are bounded as well.
 *
 * <p>Not thread-safe: guarded by its {@link WorkerProcess}'s lock, which also guards the worker's state
 * (a chunk enters the window only while the worker takes chunks). {@link #atByteBound} alone may be read
 * without it.
 */
final class InFlightWindow {
  private static final long RECALL_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** Encoded bytes of the chunks in flight above which no more are sent (one always may be). */
  private static final long MAX_BYTES_IN_FLIGHT = 64L << 20;

  private final ArrayDeque<InFlight> chunks = new ArrayDeque<>();
  private long ewmaNanos = -1;
  private boolean recalling;
  /** The encoded size of the chunks in the window; written under the lock. */
  private volatile long bytes;

  /**
   * How many chunks may be in flight: enough short ones to cover a round trip through the threads of
   * both processes (some 100 us to 1 ms on a busy machine) and to amortize each wake-up and system call
   * over many chunks, one while a long one blocks the worker. {@link #MAX_BYTES_IN_FLIGHT} bounds the
   * memory this holds when chunks are short to run but large to send.
   */
  private int depth() {
    if (recalling || ewmaNanos < 0) {
      return 1;
    }
    if (ewmaNanos < 20_000) {
      return 256;
    }
    if (ewmaNanos < 50_000) {
      return 64;
    }
    if (ewmaNanos < 200_000) {
      return 16;
    }
    if (ewmaNanos < 2_000_000) {
      return 4;
    }
    return ewmaNanos < 20_000_000 ? 2 : 1;
  }

  /** Whether no more chunks may be sent until some are done. */
  boolean full() {
    return chunks.size() >= depth() || (!chunks.isEmpty() && bytes >= MAX_BYTES_IN_FLIGHT);
  }

  /** How many more chunks may be sent now (the byte bound aside). */
  int room() {
    return depth() - chunks.size();
  }

  /** Whether the chunks in flight reached the byte bound; may be read without the lock. */
  boolean atByteBound() {
    return bytes >= MAX_BYTES_IN_FLIGHT;
  }

  boolean isEmpty() {
    return chunks.isEmpty();
  }

  int size() {
    return chunks.size();
  }

  void add(InFlight f) {
    chunks.add(f);
    bytes += f.bytesSent;
  }

  /**
   * Returns the chunk a report of the worker names.
   *
   * @throws ProtocolException if the worker holds no such chunk
   */
  InFlight find(int seq) throws ProtocolException {
    for (InFlight f : chunks) {
      if (f.seq == seq) {
        return f;
      }
    }
    throw new ProtocolException("a report on chunk " + seq + ", which this worker does not hold");
  }

  /**
   * The worker is done with a chunk that took {@code elapsedNanos} to run; true if the dispatcher should
   * be woken to send more.
   */
  boolean finished(InFlight f, long elapsedNanos) {
    chunks.remove(f);
    long before = bytes;
    bytes = before - f.bytesSent;
    ewmaNanos = ewmaNanos < 0 ? elapsedNanos : (3 * ewmaNanos + elapsedNanos) / 4;
    recalling = false;
    // Half empty (or back under the byte bound): the dispatcher refills in one batch rather than
    // waking for every chunk.
    return chunks.size() <= depth() / 2 || (before >= MAX_BYTES_IN_FLIGHT && bytes < MAX_BYTES_IN_FLIGHT);
  }

  /**
   * The worker handed back a chunk it had not started.
   *
   * @throws ProtocolException if the worker holds no such chunk, or had started it
   */
  InFlight recalled(int seq) throws ProtocolException {
    InFlight f = find(seq);
    if (f.started) {
      throw new ProtocolException("chunk " + seq + " was recalled after it started");
    }
    chunks.remove(f);
    bytes -= f.bytesSent;
    return f;
  }

  /** Whether a chunk of the job is in flight. */
  boolean holds(long jobId) {
    for (InFlight f : chunks) {
      if (f.chunk.job().id() == jobId) {
        return true;
      }
    }
    return false;
  }

  /** Returns the chunk whose running item is past its task timeout at {@code now}, or null. */
  InFlight overdue(long now) {
    InFlight head = chunks.peekFirst();
    return head != null && head.timed() && head.running() && now - head.itemStart > head.timeoutNanos ? head : null;
  }

  /**
   * Recalls the chunks queued behind one that has run far longer than chunks usually take: marks them
   * and returns their sequence numbers for RECALL frames, or null if there are none to recall. From
   * then on, until a chunk is done, the window is one deep.
   */
  List<Integer> recallStuck(long now) {
    InFlight head = chunks.peekFirst();
    if (head == null || !head.started || chunks.size() <= 1
        || now - head.chunkStart <= Math.max(RECALL_FLOOR_NANOS, 8 * ewmaNanos)) {
      return null;
    }
    // Every pass, not once: the dispatcher may have been inside take() when the head stalled.
    recalling = true;
    List<Integer> recall = null;
    for (InFlight f : chunks) {
      if (!f.started && !f.recalled) {
        f.recalled = true;
        if (recall == null) {
          recall = new ArrayList<>();
        }
        recall.add(f.seq);
      }
    }
    return recall;
  }

  /** The worker is gone: the engine's ledger settles what it held. */
  void clear() {
    chunks.clear();
    bytes = 0;
  }
}
