package dev.procpool.internal.process;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import dev.procpool.spi.WorkerLink;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Turns one worker's chunks into frames: the CHUNK frame, numbered, and before it what the worker needs
 * first (its job's function, once per job; FORGET for the jobs that ended since the last chunk). What
 * cannot be serialized fails here, before anything is sent: the whole chunk if the function cannot
 * travel, otherwise only the items that cannot.
 *
 * <p>{@link #encode} is called by the worker's control thread only; {@link #unship} and
 * {@link #forgetLater} by any thread.
 */
final class ChunkEncoder {
  private final WorkerLink link;
  private final FunctionCache functions;
  /** The jobs whose function the worker holds. */
  private final Set<Long> shipped = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Long> pendingForgets = new ConcurrentLinkedQueue<>();
  private int nextSeq;

  ChunkEncoder(WorkerLink link, FunctionCache functions) {
    this.link = link;
    this.functions = functions;
  }

  /**
   * Encodes a chunk and adds its frames to {@code frames}, the CHUNK frame last; returns it as sent, or
   * null if there is nothing to send (every item failed here, and the chunk is reported finished).
   *
   * @param announceAll whether every chunk reports its start before it runs (see
   *     {@link ProcessBackend#announceAll})
   */
  InFlight encode(Chunk chunk, boolean announceAll, List<Object> frames) {
    Job job = chunk.job();
    boolean oneShot = chunk.firstIndex() == 0 && chunk.size() == job.size();
    Object function = functions.encoded(job, oneShot);
    if (function instanceof RuntimeException e) {
      for (int i = 0; i < chunk.size(); i++) {
        link.failed(chunk, i, e);
      }
      link.finished(chunk);
      return null;
    }
    Object[] values = chunk.items().toArray(); // once: a chunk of a map holds up to an eighth of its input
    byte[][] segments = Codec.encodeSegments(values, Protocol.CHUNK_PREFIX);
    long frameLength = 0;
    if (segments != null) {
      for (byte[] segment : segments) {
        frameLength += segment.length;
      }
      if (frameLength - Protocol.CHUNK_PREFIX > Protocol.MAX_PAYLOAD - 64) {
        segments = null; // too large: the usual way finds the items at fault
      }
    }
    byte[] items = segments != null ? segments[0] : encodeItems(chunk, values);
    if (items == null) {
      link.finished(chunk); // every item failed here; nothing to send
      return null;
    }
    long timeout = job.taskTimeout() == null ? 0 : Math.max(1, job.taskTimeout().toNanos());
    // The first chunk of a job, and every chunk once a worker died, report their start before they run.
    boolean announce = chunk.firstIndex() == 0 || announceAll;
    Long forget;
    while ((forget = pendingForgets.poll()) != null) {
      frames.add(Protocol.withLong(Protocol.FORGET, forget));
    }
    if (oneShot || shipped.add(job.id())) {
      frames.add(Protocol.function(job.id(), (byte[]) function));
    }
    byte flags = Protocol.chunkFlags(timeout > 0, announce, oneShot);
    int seq = nextSeq++;
    if (segments != null) {
      Protocol.chunkInPlace(items, (int) frameLength, seq, job.id(), chunk.firstIndex(), chunk.size(), flags);
      frames.add(segments);
    } else {
      frames.add(Protocol.chunkInPlace(items, seq, job.id(), chunk.firstIndex(), chunk.size(), flags));
      frameLength = items.length;
    }
    return new InFlight(seq, chunk, timeout, (int) (frameLength - Protocol.CHUNK_PREFIX));
  }

  /** The job is over; true if the worker holds its function and must be told to drop it. */
  boolean unship(long jobId) {
    return shipped.remove(jobId);
  }

  /** Tells the worker with the next chunk that the job is over: no system call per finished job. */
  void forgetLater(long jobId) {
    pendingForgets.add(jobId);
  }

  /** Encodes the chunk's items; items that cannot travel are failed and replaced by a marker. */
  private byte[] encodeItems(Chunk chunk, Object[] values) {
    byte[] all = tryEncode(values, Protocol.CHUNK_PREFIX);
    if (all != null) {
      return all;
    }
    Object[] items = values; // toArray's own copy: items that cannot travel are replaced in it
    int failed = 0;
    for (int i = 0; i < items.length; i++) {
      RuntimeException problem = itemProblem(items[i], chunk.firstIndex() + i);
      if (problem != null) {
        link.failed(chunk, i, problem);
        items[i] = Codec.Marker.SKIPPED;
        failed++;
      }
    }
    if (failed == items.length) {
      return null;
    }
    all = tryEncode(items, Protocol.CHUNK_PREFIX);
    if (all == null) {
      IllegalArgumentException e = new IllegalArgumentException("the items " + chunk.firstIndex() + ".."
          + (chunk.firstIndex() + items.length - 1) + " together exceed the limit of " + Protocol.MAX_PAYLOAD
          + " bytes per message; use a smaller chunksize");
      for (int i = 0; i < items.length; i++) {
        if (items[i] != Codec.Marker.SKIPPED) {
          link.failed(chunk, i, e);
        }
      }
    }
    return all;
  }

  private static byte[] tryEncode(Object[] values, int reserve) {
    try {
      byte[] b = Codec.encodeValues(values, reserve);
      return b.length - reserve <= Protocol.MAX_PAYLOAD - 64 ? b : null;
    } catch (IOException | RuntimeException | StackOverflowError e) {
      return null;
    }
  }

  private static RuntimeException itemProblem(Object item, long index) {
    try {
      byte[] b = Codec.encodeValues(new Object[] {item});
      if (b.length <= Protocol.MAX_PAYLOAD - 64) {
        return null;
      }
      return new IllegalArgumentException("item " + index + " serializes to " + b.length + " bytes, above the limit of "
          + Protocol.MAX_PAYLOAD + " bytes per message");
    } catch (NotSerializableException e) {
      return new IllegalArgumentException("item " + index + " cannot be sent to a worker process: it is or contains "
          + SerializationAdvice.ofValue(item, e) + ", or use a thread pool", e);
    } catch (IOException | RuntimeException | StackOverflowError e) {
      return new IllegalArgumentException("item " + index + " (a " + item.getClass().getName()
          + ") cannot be serialized for a worker process: " + e, e);
    }
  }
}
