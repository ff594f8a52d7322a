package dev.procpool.internal.process;

import dev.procpool.RemoteTaskException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The wire format between a pool and its worker JVMs. Every message is a frame: a 4-byte payload
 * length, a 1-byte type, then the payload. Fixed fields are big-endian; user data inside a payload is
 * encoded by {@link Codec}. Both sides are built from the same jar, so there is no version
 * negotiation beyond a check in the handshake.
 */
final class Protocol {
  private Protocol() {}

  static final int VERSION = 3;
  static final int HEADER_BYTES = 5;
  /** Largest payload either side accepts, so that one garbage length cannot make the reader allocate more. */
  static final int MAX_PAYLOAD = 256 << 20;
  /** The reader's payload limit until the worker has proved it knows the secret. */
  static final int MAX_PAYLOAD_BEFORE_AUTH = 64;
  static final int SECRET_BYTES = 32;

  // parent -> worker
  /** int version, nonce. */
  static final byte HELLO = 1;
  /**
   * Starts a lease (a pool's use of the worker): byte flags ({@link #FRESH_CLASSES}), then the pool's
   * initializer Java-serialized, or nothing.
   */
  static final byte INIT = 2;
  /** long jobId, the job's function Java-serialized. */
  static final byte FUNCTION = 3;
  /** int seq, long jobId, long firstIndex, int count, byte flags, the items as Codec values. */
  static final byte CHUNK = 4;
  /** long jobId: the job is over; skip what is left of it. */
  static final byte FORGET = 5;
  /** long jobId: interrupt the item of this job that runs now, and skip the rest. */
  static final byte INTERRUPT = 6;
  /** int seq: give this chunk back if it has not started. */
  static final byte RECALL = 7;
  /** Run what was sent, then exit. */
  static final byte SHUTDOWN = 8;
  /**
   * long keepAliveMillis, nonce: run what was sent, end the lease, answer {@link #PARKED} and wait for a
   * {@link #LEASE}; exit if none comes within the keep-alive (and some grace). The nonce is the challenge
   * the next {@link #LEASE} is answered with: the worker works its answer out while parked.
   */
  static final byte PARK = 9;
  /** A new pool leases the parked worker: answer {@link #LEASED}, then expect {@link #INIT}. */
  static final byte LEASE = 10;

  // worker -> parent
  /** HMAC-SHA256(secret, nonce). */
  static final byte AUTH = 20;
  static final byte READY = 21;
  /** The initializer's exception as a Java-serialized {@link RemoteFailure}. */
  static final byte INIT_FAILED = 22;
  /** int seq, int offset: the item at offset begins now. */
  static final byte STARTED = 23;
  /** int seq, int offset, byte flags, long elapsedNanos, the outcomes as Codec values. */
  static final byte RESULTS = 24;
  /** int seq: the chunk was recalled before it started. */
  static final byte RECALLED = 25;
  /** A fatal error's class, message and stack, written without Java serialization. */
  static final byte FATAL = 26;
  /** The lease is over: everything sent was run and reported, the worker's state reset. */
  static final byte PARKED = 27;
  /** HMAC-SHA256(the worker's launch secret, the nonce of the PARK that parked it). */
  static final byte LEASED = 28;

  /** INIT flag: load the application's classes afresh for this lease, in a {@link LeaseLoader}. */
  static final byte FRESH_CLASSES = 1;

  /** CHUNK flag: the job has a task timeout, so report each item's start and result at once. */
  static final byte TIMED = 1;
  /** CHUNK flag: flush the chunk's STARTED before running it, so that a crash it causes is known as its. */
  static final byte ANNOUNCE = 2;
  /**
   * CHUNK flag: the chunk is its whole job (an {@code apply}), so the worker drops the job's function as
   * it takes the chunk and the parent sends no FORGET for it; a re-sent chunk carries its function again.
   */
  static final byte ONE_SHOT = 4;
  /** RESULTS flag: the chunk is done. */
  static final byte LAST = 1;

  /** Exit code of a worker that halted after a VirtualMachineError. */
  static final int EXIT_FATAL = 70;
  /** Exit code of a worker that read something it could not understand from the parent. */
  static final int EXIT_PROTOCOL = 71;
  /** Exit code of a worker whose parent went away. */
  static final int EXIT_ORPHANED = 72;
  /** Exit code of a worker that could not connect or whose initializer failed. */
  static final int EXIT_START = 73;

  /** Starts a frame of the given payload length; the caller fills exactly that many bytes. */
  static ByteBuffer frame(byte type, int payloadBytes) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payloadBytes);
    b.putInt(payloadBytes).put(type);
    return b;
  }

  static byte[] empty(byte type) {
    return frame(type, 0).array();
  }

  static byte[] withLong(byte type, long value) {
    return frame(type, 8).putLong(value).array();
  }

  static byte[] park(long keepAliveMillis, byte[] nonce) {
    return frame(PARK, 8 + nonce.length).putLong(keepAliveMillis).put(nonce).array();
  }

  static byte[] withInt(byte type, int value) {
    return frame(type, 4).putInt(value).array();
  }

  static byte[] hello(byte[] nonce) {
    return frame(HELLO, 4 + nonce.length).putInt(VERSION).put(nonce).array();
  }

  static byte[] init(boolean freshClasses, byte[] initializer) {
    return frame(INIT, 1 + initializer.length).put(freshClasses ? FRESH_CLASSES : 0).put(initializer).array();
  }

  static byte[] withBytes(byte type, byte[] payload) {
    return frame(type, payload.length).put(payload).array();
  }

  /** A FUNCTION frame as two segments, its header and the caller's array: the function is not copied. */
  static byte[][] function(long jobId, byte[] function) {
    byte[] header = ByteBuffer.allocate(HEADER_BYTES + 8).putInt(8 + function.length).put(FUNCTION).putLong(jobId)
        .array();
    return new byte[][] {header, function};
  }

  /** Bytes before the items of a CHUNK frame: the frame header and the chunk's fixed fields. */
  static final int CHUNK_PREFIX = HEADER_BYTES + 4 + 8 + 8 + 4 + 1;
  /** Bytes before the outcomes of a RESULTS frame. */
  static final int RESULTS_PREFIX = HEADER_BYTES + 4 + 4 + 1 + 8;

  /**
   * Makes a CHUNK frame of {@code frame}, whose first {@link #CHUNK_PREFIX} bytes are free and the rest
   * the encoded items (see {@link Codec#encodeValues(Object[], int)}): no copy of the items.
   */
  static byte[] chunkInPlace(byte[] frame, int seq, long jobId, long firstIndex, int count, byte flags) {
    return chunkInPlace(frame, frame.length, seq, jobId, firstIndex, count, flags);
  }

  /**
   * Like {@link #chunkInPlace(byte[], int, long, long, int, byte)} for a frame written in segments
   * ({@link Codec#encodeSegments}), whose first is {@code first} and whose lengths add up to
   * {@code frameLength}.
   */
  static byte[] chunkInPlace(byte[] first, int frameLength, int seq, long jobId, long firstIndex, int count,
      byte flags) {
    ByteBuffer.wrap(first, 0, CHUNK_PREFIX).putInt(frameLength - HEADER_BYTES).put(CHUNK)
        .putInt(seq).putLong(jobId).putLong(firstIndex).putInt(count).put(flags);
    return first;
  }

  /** The flags byte of a CHUNK frame. */
  static byte chunkFlags(boolean timed, boolean announce, boolean oneShot) {
    return (byte) ((timed ? TIMED : 0) | (announce ? ANNOUNCE : 0) | (oneShot ? ONE_SHOT : 0));
  }

  /** Makes a RESULTS frame of {@code frame}, whose first {@link #RESULTS_PREFIX} bytes are free. */
  static byte[] resultsInPlace(byte[] frame, int seq, int offset, boolean last, long elapsedNanos) {
    ByteBuffer.wrap(frame, 0, RESULTS_PREFIX).putInt(frame.length - HEADER_BYTES).put(RESULTS)
        .putInt(seq).putInt(offset).put(last ? LAST : 0).putLong(elapsedNanos);
    return frame;
  }

  static byte[] started(int seq, int offset) {
    return frame(STARTED, 8).putInt(seq).putInt(offset).array();
  }

  static byte[] results(int seq, int offset, boolean last, long elapsedNanos, byte[] outcomes) {
    return frame(RESULTS, 4 + 4 + 1 + 8 + outcomes.length)
        .putInt(seq).putInt(offset).put(last ? LAST : 0).putLong(elapsedNanos).put(outcomes).array();
  }

  /**
   * Describes a fatal error without Java serialization: it is written after an OutOfMemoryError or a
   * StackOverflowError, when as little as possible should be allocated or recursed.
   */
  static byte[] fatal(Throwable t) {
    StackTraceElement[] trace = t.getStackTrace();
    int n = Math.min(trace.length, 64);
    byte[][] strings = new byte[2 + 3 * n][];
    strings[0] = utf8(t.getClass().getName());
    strings[1] = utf8(t.getMessage());
    for (int i = 0; i < n; i++) {
      strings[2 + 3 * i] = utf8(trace[i].getClassName());
      strings[3 + 3 * i] = utf8(trace[i].getMethodName());
      strings[4 + 3 * i] = utf8(trace[i].getFileName());
    }
    int size = 4 + 4 * n;
    for (byte[] s : strings) {
      size += 4 + s.length;
    }
    ByteBuffer b = frame(FATAL, size);
    putString(b, strings[0]);
    putString(b, strings[1]);
    b.putInt(n);
    for (int i = 0; i < n; i++) {
      putString(b, strings[2 + 3 * i]);
      putString(b, strings[3 + 3 * i]);
      putString(b, strings[4 + 3 * i]);
      b.putInt(trace[i].getLineNumber());
    }
    return b.array();
  }

  /** Reads a FATAL payload back into a stand-in exception carrying the worker's stack. */
  static RemoteTaskException readFatal(ByteBuffer p) throws ProtocolException {
    try {
      String className = getString(p);
      String message = getString(p);
      int n = p.getInt();
      if (n < 0 || n > 64) {
        throw new ProtocolException("FATAL frame with " + n + " stack frames");
      }
      StackTraceElement[] trace = new StackTraceElement[n];
      for (int i = 0; i < n; i++) {
        String cls = getString(p);
        String method = getString(p);
        String file = getString(p);
        trace[i] = new StackTraceElement(cls, method, file.isEmpty() ? null : file, p.getInt());
      }
      return new RemoteTaskException(className, message.isEmpty() ? null : message, trace, null);
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("truncated FATAL frame");
    }
  }

  private static byte[] utf8(String s) {
    return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
  }

  private static void putString(ByteBuffer b, byte[] s) {
    b.putInt(s.length).put(s);
  }

  private static String getString(ByteBuffer p) throws ProtocolException {
    int n = p.getInt();
    if (n < 0 || n > p.remaining()) {
      throw new ProtocolException("string of " + n + " bytes in a frame with " + p.remaining() + " left");
    }
    String s = new String(p.array(), p.arrayOffset() + p.position(), n, StandardCharsets.UTF_8);
    p.position(p.position() + n);
    return s;
  }

  /** Names a frame type for error messages. */
  static String name(byte type) {
    return switch (type) {
      case HELLO -> "HELLO";
      case INIT -> "INIT";
      case FUNCTION -> "FUNCTION";
      case CHUNK -> "CHUNK";
      case FORGET -> "FORGET";
      case INTERRUPT -> "INTERRUPT";
      case RECALL -> "RECALL";
      case SHUTDOWN -> "SHUTDOWN";
      case PARK -> "PARK";
      case LEASE -> "LEASE";
      case AUTH -> "AUTH";
      case READY -> "READY";
      case INIT_FAILED -> "INIT_FAILED";
      case STARTED -> "STARTED";
      case RESULTS -> "RESULTS";
      case RECALLED -> "RECALLED";
      case FATAL -> "FATAL";
      case PARKED -> "PARKED";
      case LEASED -> "LEASED";
      default -> "unknown type " + (type & 0xff);
    };
  }
}
