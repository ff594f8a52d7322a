package dev.procpool.internal.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Reads frames from a channel. Reads go through one direct buffer of {@value #BUFFER_BYTES} bytes (so
 * that the JDK does not allocate and cache a temporary direct buffer as large as the biggest frame).
 * Beyond {@code eagerBytes}, a payload buffer grows only as bytes really arrive, so that a garbage
 * length cannot make it allocate the limit; a worker reads its parent's frames, which it trusts, in
 * one allocation of the frame's size.
 *
 * <p>Not thread-safe: one reading thread at a time.
 */
final class FrameReader {
  /** Large enough that a big frame takes few system calls; a Unix socket holds about this much. */
  static final int BUFFER_BYTES = 256 * 1024;
  /** What a claimed length may make the reader allocate before the bytes arrive, by default. */
  static final int DEFAULT_EAGER_BYTES = 1 << 20;

  private final ReadableByteChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private final int eagerBytes;
  private int maxPayload;
  private long bytesRead;
  private byte type;
  private ByteBuffer payload;

  FrameReader(ReadableByteChannel channel, int maxPayload) {
    this(channel, maxPayload, DEFAULT_EAGER_BYTES);
  }

  /**
   * Creates a reader.
   *
   * @param eagerBytes how much of a frame's claimed length is allocated at once; the rest as it arrives
   */
  FrameReader(ReadableByteChannel channel, int maxPayload, int eagerBytes) {
    this.channel = channel;
    this.maxPayload = maxPayload;
    this.eagerBytes = eagerBytes;
    buffer.flip();
  }

  void maxPayload(int maxPayload) {
    this.maxPayload = maxPayload;
  }

  /**
   * Reads the next frame.
   *
   * @return false at end of stream between frames
   * @throws ProtocolException if the frame is malformed or the stream ends inside it
   * @throws IOException if reading fails
   */
  boolean next() throws IOException {
    if (!fill(Protocol.HEADER_BYTES, true)) {
      return false;
    }
    int length = buffer.getInt();
    type = buffer.get();
    if (length < 0 || length > maxPayload) {
      throw new ProtocolException("a frame of type " + Protocol.name(type) + " claims " + Integer.toUnsignedString(length)
          + " bytes, above the limit of " + maxPayload);
    }
    byte[] data = new byte[Math.min(length, Math.max(buffer.capacity(), eagerBytes))];
    int have = 0;
    while (have < length) {
      boolean more;
      try {
        more = buffer.hasRemaining() || fill(1, false);
      } catch (IOException e) {
        // A peer that exits with unread input resets the connection rather than ending it.
        more = false;
      }
      if (!more) {
        throw new ProtocolException("the stream ended inside a frame of type " + Protocol.name(type) + " after "
            + have + " of its " + length + " bytes");
      }
      int n = Math.min(length - have, buffer.remaining());
      if (have + n > data.length) {
        data = Arrays.copyOf(data, (int) Math.min(length, Math.max((long) data.length * 2, have + n)));
      }
      buffer.get(data, have, n);
      have += n;
    }
    bytesRead += Protocol.HEADER_BYTES + length;
    payload = ByteBuffer.wrap(data);
    return true;
  }

  byte type() {
    return type;
  }

  /** The current frame's payload, positioned at its start. */
  ByteBuffer payload() {
    return payload;
  }

  long bytesRead() {
    return bytesRead;
  }

  /**
   * Makes at least {@code needed} bytes available; false at end of stream, except that a header cut
   * short ({@code header} true and some bytes read) is a protocol error.
   */
  private boolean fill(int needed, boolean header) throws IOException {
    if (buffer.remaining() >= needed) {
      return true;
    }
    buffer.compact();
    try {
      while (buffer.position() < needed) {
        int n;
        try {
          n = channel.read(buffer);
        } catch (IOException e) {
          if (header && buffer.position() > 0) {
            n = -1; // reset inside a header: cut short all the same
          } else {
            throw e;
          }
        }
        if (n < 0) {
          if (!header || buffer.position() == 0) {
            return false;
          }
          throw new ProtocolException("the stream ended inside a frame header");
        }
      }
    } finally {
      buffer.flip();
    }
    return true;
  }
}
