package dev.procpool.internal.process;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The frames queued for one worker, and its writer thread, which sends them, flushing only when the
 * queue runs dry: a burst of frames costs one system call.
 *
 * <p>Thread-safe: any thread may queue frames, before the writer starts too.
 */
final class Outbox {
  /** Ends the writer; compared by identity. */
  private static final byte[] CLOSE = new byte[0];

  /** Frames for the writer: a byte[], or a byte[][] of segments written one after the other. */
  private final LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();
  private volatile Carriers.Job writer;
  /** Set by the writer when it stopped at CLOSE with everything queued before it flushed. */
  private volatile boolean closedClean;

  /** Queues a frame: a byte[], or a byte[][] of segments. */
  void add(Object frame) {
    frames.add(frame);
  }

  /** Queues frames; the writer coalesces them into as few writes as its buffer allows. */
  void addAll(List<Object> batch) {
    frames.addAll(batch);
  }

  /**
   * Starts the writer thread.
   *
   * @param broken run by the writer if writing fails: the worker stopped reading
   */
  void start(FrameWriter out, String threadName, Runnable broken) {
    writer = Carriers.start(threadName, null, () -> write(out, broken));
  }

  /** Ends the writer once it has written what is queued before; it may not have started. */
  void close() {
    frames.add(CLOSE);
  }

  /**
   * Ends the writer once it has written and flushed what is queued, and waits for it; false if it did not
   * end cleanly within {@code millis} (the connection is then in doubt).
   */
  boolean closeAndAwait(long millis) {
    frames.add(CLOSE);
    Carriers.Job w = writer;
    if (w == null) {
      return false; // never started: what was queued was never sent
    }
    try {
      return w.await(millis) && closedClean;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void write(FrameWriter out, Runnable broken) {
    try {
      for (;;) {
        Object frame = frames.poll();
        if (frame == null) {
          out.flush();
          frame = frames.take();
        }
        if (frame == CLOSE) {
          // Frames queued just before (FORGET, INTERRUPT) must not stay in the buffer of a parked worker's writer.
          out.flush();
          closedClean = true;
          return;
        }
        if (frame instanceof byte[][] segments) {
          for (byte[] segment : segments) {
            out.write(segment);
          }
        } else {
          out.write((byte[]) frame);
        }
      }
    } catch (InterruptedException e) {
      // gone
    } catch (IOException e) {
      // The worker stopped reading: it died or broke the connection. The reader finds out which.
      broken.run();
    }
  }
}
