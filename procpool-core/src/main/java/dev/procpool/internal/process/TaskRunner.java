package dev.procpool.internal.process;

import dev.procpool.Fn;
import java.io.IOException;
import java.io.NotSerializableException;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one lease's chunks in a worker JVM, in the order they came, on the lease's thread, the one that
 * ran the initializer (so that what the initializer put in thread-locals is there for the tasks, and
 * nothing of an earlier lease's is). Each chunk's start and results are
 * written to the output buffer as they happen and flushed when the runner runs out of chunks, so that a
 * burst of short chunks costs one system call; a flusher thread sends anything that waited more than
 * {@link #LINGER_NANOS}, so that the parent learns within that time that a long chunk began (it recalls
 * the chunks queued behind a long one) and gets the results finished before it.
 *
 * <p>A chunk the parent marks {@link Protocol#ANNOUNCE} has its start flushed before it runs: if it
 * kills this JVM at once (a halt, a native crash), the parent still knows it was running and does not
 * hand it, uncounted, to the next worker. The parent marks the first chunk of every job, and every
 * chunk once a worker of the pool died. With a task timeout, each item's start and result are flushed
 * at once: the parent times every item.
 */
final class TaskRunner {
  /** A job's function in this worker; {@code over} once the parent no longer wants its results. */
  static final class Job {
    final long id;
    final Fn<Object, Object> fn;
    final Throwable error;
    volatile boolean over;

    Job(long id, Fn<Object, Object> fn, Throwable error) {
      this.id = id;
      this.fn = fn;
      this.error = error;
    }
  }

  /** A chunk as received: its items (all null if they could not be read, and then why). */
  static final class Work {
    final int seq;
    final Job job;
    final long firstIndex;
    final boolean timed;
    final boolean announce;
    final Object[] items;
    final Throwable error;

    Work(int seq, Job job, long firstIndex, boolean timed, boolean announce, Object[] items, Throwable error) {
      this.seq = seq;
      this.job = job;
      this.firstIndex = firstIndex;
      this.timed = timed;
      this.announce = announce;
      this.items = items;
      this.error = error;
    }
  }

  private static final Work SHUTDOWN = new Work(-1, null, 0, false, false, new Object[0], null);
  private static final Work PARK = new Work(-1, null, 0, false, false, new Object[0], null);
  private static final Object[] NONE = new Object[0];
  /** The longest that written frames wait in the buffer before the flusher sends them. */
  static final long LINGER_NANOS = 1_000_000;

  private final FrameWriter out;
  private final SocketChannel channel;
  private final Thread thread;
  private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
  private final Thread flusher;
  /** The job whose function runs now, so that an interrupt hits only it (guarded by this). */
  private Job running;
  /** When the buffer got its oldest unflushed frame, or 0 when it holds none (guarded by out). */
  private long dirtySince;
  /** Whether the flusher waits without a deadline, so that new output must wake it (guarded by out). */
  private boolean flusherIdle;
  /** Set when the lease ends: the flusher exits. */
  private volatile boolean parked;
  /** Run on this runner's thread the first time it runs out of chunks after running one; or null. */
  private Runnable firstIdle;

  /**
   * @param flusher the worker's flusher thread (see {@link Standby#reusable}), which runs this runner's flushes until
   *     the lease is parked
   */
  TaskRunner(FrameWriter out, SocketChannel channel, Thread thread, Standby flusher) {
    this.out = out;
    this.channel = channel;
    this.thread = thread;
    this.flusher = flusher.thread();
    flusher.run(this::lingerFlushes);
  }

  /**
   * Runs {@code r} on the lease's thread the first time it runs out of chunks after it ran one, once
   * their results are sent: work for later that should not delay the lease's first result.
   */
  void onFirstIdle(Runnable r) {
    firstIdle = r;
  }

  void submit(Work work) {
    queue.add(work);
  }

  void shutdown() {
    queue.add(SHUTDOWN);
  }

  /** Ends {@link #run} once the chunks before it are done, for the worker to be parked. */
  void park() {
    queue.add(PARK);
  }

  /** Gives a chunk back to the parent if it has not started. Called by the reading thread. */
  void recall(int seq) throws IOException {
    for (Work w : queue) {
      if (w.seq == seq && queue.remove(w)) {
        synchronized (out) {
          out.write(Protocol.withInt(Protocol.RECALLED, seq));
          out.flush();
        }
        return;
      }
    }
  }

  /** Interrupts the running item if it belongs to {@code job}. Called by the reading thread. */
  void interrupt(Job job) {
    synchronized (this) {
      if (running == job) {
        thread.interrupt();
      }
    }
  }

  /**
   * Interrupts a job known only by its id: a one-shot job left the reader's map with its chunk (see
   * {@link Protocol#ONE_SHOT}), so its queued chunk is skipped and its running one interrupted here.
   */
  void interrupt(long jobId) {
    for (Work w : queue) {
      if (w.job != null && w.job.id == jobId) {
        w.job.over = true;
      }
    }
    synchronized (this) {
      if (running != null && running.id == jobId) {
        running.over = true;
        thread.interrupt();
      }
    }
  }

  /** Runs chunks until told to shut down (then exits the JVM) or to park (then returns, all flushed). */
  void run() throws IOException {
    boolean ran = false;
    for (;;) {
      Work w = queue.poll();
      if (w == null) {
        flush();
        if (ran && firstIdle != null) {
          Runnable r = firstIdle;
          firstIdle = null;
          r.run();
          w = queue.poll();
        }
      }
      if (w == null) {
        w = take();
      }
      if (w == PARK) {
        flush();
        parked = true;
        LockSupport.unpark(flusher);
        return;
      }
      if (w == SHUTDOWN) {
        flush();
        // The pool sees the end of the connection now, not after the application's shutdown hooks.
        channel.close();
        System.exit(0);
      }
      runChunk(w);
      ran = true;
    }
  }

  private Work take() {
    for (;;) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        // an interrupt aimed at a task that already ended
      }
    }
  }

  private void runChunk(Work w) throws IOException {
    Job job = w.job;
    if (job == null || job.over) {
      send(Protocol.results(w.seq, 0, true, 0, Codec.encodeValues(NONE)));
      return;
    }
    send(Protocol.started(w.seq, 0));
    if (w.timed || w.announce) {
      flush();
    }
    long began = System.nanoTime();
    Throwable unusable = w.error != null ? w.error : job.error;
    if (unusable != null) {
      Object[] outcomes = new Object[w.items.length];
      Arrays.fill(outcomes, RemoteFailure.of(unusable));
      writeOutcomes(w, 0, outcomes, outcomes.length, true, System.nanoTime() - began);
      return;
    }
    Object[] items = w.items;
    Object[] outcomes = new Object[items.length];
    if (!w.timed) {
      writeOutcomes(w, 0, outcomes, runUntimed(job, items, outcomes), true, System.nanoTime() - began);
      return;
    }
    int written = 0;
    int done = 0;
    for (int i = 0; i < items.length && !job.over; i++) {
      if (w.timed && i > 0) {
        send(Protocol.started(w.seq, i));
        flush();
      }
      outcomes[i] = items[i] == Codec.Marker.SKIPPED ? Codec.Marker.SKIPPED : call(job, items[i]);
      done = i + 1;
      if (w.timed && done < items.length) {
        writeOutcomes(w, written, outcomes, done - written, false, 0);
        written = done;
      }
    }
    writeOutcomes(w, written, outcomes, done - written, true, System.nanoTime() - began);
  }

  /**
   * Runs an untimed chunk's items; returns how many ran. Nothing is written between its items, so the
   * chunk, not each item, is marked as the one an interrupt may hit (two monitors per item were a large
   * part of a tiny task's cost); an interrupt a task left on this thread is still cleared after each
   * item, and any interrupt before the results are written.
   */
  private int runUntimed(Job job, Object[] items, Object[] outcomes) {
    synchronized (this) {
      running = job;
    }
    int done = 0;
    try {
      for (int i = 0; i < items.length && !job.over; i++) {
        Object item = items[i];
        if (item == Codec.Marker.SKIPPED) {
          outcomes[i] = item;
        } else {
          try {
            outcomes[i] = job.fn.apply(item);
          } catch (VirtualMachineError e) {
            throw die(out, e, Protocol.EXIT_FATAL);
          } catch (Throwable t) {
            outcomes[i] = RemoteFailure.of(t);
          }
          Thread.interrupted();
        }
        done = i + 1;
      }
    } finally {
      synchronized (this) {
        running = null;
        Thread.interrupted(); // neither a task's own interrupt nor a late one may reach the channel
      }
    }
    return done;
  }

  /** Applies the function; returns its result, or a RemoteFailure for what it threw. */
  private Object call(Job job, Object item) {
    synchronized (this) {
      running = job;
    }
    try {
      return job.fn.apply(item);
    } catch (VirtualMachineError e) {
      throw die(out, e, Protocol.EXIT_FATAL);
    } catch (Throwable t) {
      return RemoteFailure.of(t);
    } finally {
      synchronized (this) {
        running = null;
        Thread.interrupted(); // neither a task's own interrupt nor a late one may reach the channel
      }
    }
  }

  private void writeOutcomes(Work w, int offset, Object[] outcomes, int count, boolean last, long elapsed)
      throws IOException {
    Object[] slice = offset == 0 && count == outcomes.length ? outcomes : Arrays.copyOfRange(outcomes, offset, offset + count);
    byte[] encoded = tryEncode(slice, Protocol.RESULTS_PREFIX);
    if (encoded != null) {
      send(Protocol.resultsInPlace(encoded, w.seq, offset, last, elapsed));
      return;
    }
    // Something in the batch cannot travel: send each outcome alone, so that only its item fails.
    for (int i = 0; i < count; i++) {
      byte[] one = tryEncode(new Object[] {slice[i]}, 0);
      if (one == null) {
        one = Codec.encodeValues(new Object[] {RemoteFailure.of(unsendable(slice[i], w.firstIndex + offset + i))});
      }
      send(Protocol.results(w.seq, offset + i, last && i == count - 1, last ? elapsed : 0, one));
    }
  }

  private static byte[] tryEncode(Object[] values, int reserve) {
    try {
      byte[] b = Codec.encodeValues(values, reserve);
      return b.length - reserve <= Protocol.MAX_PAYLOAD - 64 ? b : null;
    } catch (IOException | RuntimeException | LinkageError | StackOverflowError e) {
      return null;
    }
  }

  private static RuntimeException unsendable(Object result, long index) {
    try {
      byte[] b = Codec.encodeValues(new Object[] {result});
      return new IllegalStateException("the result of item " + index + " serializes to " + b.length
          + " bytes, above the limit of " + Protocol.MAX_PAYLOAD + " bytes per message; return less per item");
    } catch (NotSerializableException e) {
      return new IllegalStateException("the result of item " + index + " cannot be sent back from the worker process: it"
          + " is or contains " + SerializationAdvice.ofValue(result, e), e);
    } catch (IOException | RuntimeException | LinkageError | StackOverflowError e) {
      return new IllegalStateException("the result of item " + index + " (a " + result.getClass().getName()
          + ") cannot be serialized in the worker process: " + e, e);
    }
  }

  private void send(byte[] frame) throws IOException {
    boolean wake = false;
    synchronized (out) {
      out.write(frame);
      if (dirtySince == 0) {
        dirtySince = System.nanoTime();
        wake = flusherIdle;
        flusherIdle = false;
      }
    }
    if (wake) {
      LockSupport.unpark(flusher);
    }
  }

  private void flush() throws IOException {
    synchronized (out) {
      out.flush();
      dirtySince = 0;
    }
  }

  /** The flusher thread: sends what waited in the buffer for {@link #LINGER_NANOS}. */
  private void lingerFlushes() {
    while (!parked) {
      long wait;
      synchronized (out) {
        if (dirtySince == 0) {
          flusherIdle = true;
          wait = -1;
        } else {
          wait = dirtySince + LINGER_NANOS - System.nanoTime();
          if (wait <= 0) {
            try {
              out.flush();
            } catch (IOException e) {
              return; // the connection is gone; the reader ends the worker
            }
            dirtySince = 0;
            continue;
          }
        }
      }
      if (wait < 0) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, wait);
      }
    }
  }

  /**
   * Tells the parent what killed this worker, then halts: after a VirtualMachineError the JVM's state
   * cannot be trusted, and halting skips shutdown hooks that might hang. Never returns.
   */
  static Error die(FrameWriter out, Throwable cause, int exitCode) {
    try {
      byte[] frame = Protocol.fatal(cause);
      synchronized (out) {
        out.write(frame);
        out.flush();
      }
    } catch (Throwable ignored) {
      // the exit code still tells the parent something went wrong
    }
    Runtime.getRuntime().halt(exitCode);
    return new Error("unreachable");
  }
}
