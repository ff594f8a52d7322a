package dev.procpool.internal.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Coalesces frames into one direct buffer and writes them when told to flush (or when the buffer is
 * full), so that a burst of small frames costs one system call.
 *
 * <p>Not thread-safe: callers serialize access.
 */
final class FrameWriter {
  private final WritableByteChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(FrameReader.BUFFER_BYTES);
  private long bytesWritten;

  FrameWriter(WritableByteChannel channel) {
    this.channel = channel;
  }

  /** Appends an encoded frame (see {@link Protocol}). */
  void write(byte[] frame) throws IOException {
    int off = 0;
    while (off < frame.length) {
      if (!buffer.hasRemaining()) {
        drain();
      }
      int n = Math.min(buffer.remaining(), frame.length - off);
      buffer.put(frame, off, n);
      off += n;
    }
    bytesWritten += frame.length;
  }

  void flush() throws IOException {
    if (buffer.position() > 0) {
      drain();
    }
  }

  long bytesWritten() {
    return bytesWritten;
  }

  private void drain() throws IOException {
    buffer.flip();
    try {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } finally {
      buffer.compact();
    }
  }
}
