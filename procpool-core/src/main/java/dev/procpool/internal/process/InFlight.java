package dev.procpool.internal.process;

import dev.procpool.spi.Chunk;

/**
 * A chunk sent to a worker and not yet done: made by {@link ChunkEncoder} as it encodes the chunk,
 * held in the worker's {@link InFlightWindow}, updated by its {@link ReplyReader}. Its mutable fields
 * are guarded by the worker's lock.
 */
final class InFlight {
  final int seq;
  final Chunk chunk;
  final long timeoutNanos;
  final int bytesSent;
  boolean started;
  int offset = -1;
  long chunkStart;
  long itemStart;
  int reported;
  boolean recalled;

  InFlight(int seq, Chunk chunk, long timeoutNanos, int bytesSent) {
    this.seq = seq;
    this.chunk = chunk;
    this.timeoutNanos = timeoutNanos;
    this.bytesSent = bytesSent;
  }

  boolean timed() {
    return timeoutNanos > 0;
  }

  /** Whether an item of this chunk runs in the worker now. */
  boolean running() {
    return started && reported <= offset;
  }

  /**
   * Records that the item at {@code offset} began at {@code now}; true if it is the chunk's first.
   *
   * @throws ProtocolException if the chunk has no such item
   */
  boolean start(int offset, long now) throws ProtocolException {
    if (offset < 0 || offset >= chunk.size()) {
      throw new ProtocolException("chunk " + seq + " has no item " + offset);
    }
    boolean first = !started;
    if (first) {
      chunkStart = now;
    }
    started = true;
    this.offset = offset;
    itemStart = now;
    return first;
  }
}
