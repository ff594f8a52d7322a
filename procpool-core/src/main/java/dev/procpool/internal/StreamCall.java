package dev.procpool.internal;

import dev.procpool.Fn;
import dev.procpool.InputFailedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lazy call ({@code imap}, {@code imapUnordered}): a feeder thread reads the input in chunks, never
 * holding more than {@code permits} items that the consumer has not taken yet, so memory stays flat
 * for an infinite input.
 *
 * <p>Without a chunk size from the caller, chunks adapt to the task time, joblib's
 * {@code batch_size='auto'}: they start at one item, so that the first results come as soon as
 * possible and a slow task is never batched, and grow (at most doubling per finished chunk, up to
 * {@value #MAX_AUTO_CHUNK} items) while a chunk holds less than {@link #TARGET_CHUNK_NANOS} of work;
 * they shrink again when tasks get slower. The read-ahead bound stays {@code readAhead} chunks of the
 * current size (with the pool's floor in items, see {@link EngineSettings#readAheadBound}).
 */
final class StreamCall extends Call {
  private static final Object NULL = new Object();
  /** The chunk size argument that asks for adaptive chunks. */
  static final int AUTO = 0;
  /** The work one adaptive chunk aims at: long enough to hide per-chunk costs, short enough to balance. */
  static final long TARGET_CHUNK_NANOS = 200_000_000L;
  /** Adaptive chunks never hold more items than this, which bounds what read-ahead keeps in memory. */
  static final int MAX_AUTO_CHUNK = 1024;

  /** A semaphore whose number of permits can also shrink, for a read-ahead bound that follows the chunk size. */
  private static final class Permits extends Semaphore {
    private static final long serialVersionUID = 1L;

    Permits(int permits) {
      super(permits);
    }

    void reduce(int n) {
      reducePermits(n);
    }
  }

  private record Failure(RuntimeException error) {}

  private final boolean ordered;
  /** Whether the chunk size adapts to the task time (none was given). */
  private final boolean adaptive;
  /** Items per chunk; changes only when adaptive, under {@link #sizing}. */
  private volatile int chunksize;
  private final Object sizing = new Object();
  /** Smoothed nanoseconds per item, or -1 before the first chunk finished; guarded by sizing. */
  private double nanosPerItem = -1;
  private final Iterator<?> input;
  private final AutoCloseable inputResource;
  /** One permit per item taken from the input and not yet handed to the consumer. */
  private final Permits permits;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // guarded by lock
  private final Set<Long> outstanding = new HashSet<>();
  private final Map<Long, Object> buffered = new HashMap<>();
  private final ArrayDeque<Object> arrived = new ArrayDeque<>();
  private long read;
  private long delivered;
  private boolean inputDone;
  private Throwable inputError;
  private boolean inputErrorDelivered;
  private RuntimeException aborted;
  private boolean closed;
  private Thread feeder;

  private StreamCall(
      Engine engine,
      Fn<Object, Object> fn,
      Iterator<?> input,
      AutoCloseable inputResource,
      int chunksize,
      boolean ordered,
      CallSpec spec,
      long total) {
    super(engine, fn, spec, total);
    this.input = input;
    this.inputResource = inputResource;
    this.adaptive = chunksize == AUTO;
    this.chunksize = adaptive ? 1 : chunksize;
    this.ordered = ordered;
    this.permits = new Permits((int) Math.min(Integer.MAX_VALUE, engine.settings.readAheadBound(this.chunksize)));
  }

  static StreamCall start(
      Engine engine,
      Fn<Object, Object> fn,
      Iterator<?> input,
      AutoCloseable inputResource,
      int chunksize,
      boolean ordered,
      CallSpec spec,
      long total) {
    StreamCall call = new StreamCall(engine, fn, input, inputResource, chunksize, ordered, spec, total);
    try {
      engine.register(call);
    } catch (Throwable e) {
      call.closeInput(); // the caller handed us the stream; it would otherwise never be closed
      throw e;
    }
    try {
      engine.feeders.execute(call::feed);
    } catch (Throwable e) {
      call.abort(e instanceof RuntimeException r ? r : new dev.procpool.CallStartException("the call could not start: " + e, e));
      call.closeInput();
      throw e;
    }
    return call;
  }

  // ------------------------------------------------------------------ feeder side

  private void feed() {
    lock.lock();
    try {
      if (closed || aborted != null) {
        return;
      }
      feeder = Thread.currentThread();
    } finally {
      lock.unlock();
    }
    try {
      boolean end = false;
      while (!end) {
        int size = chunksize;
        permits.acquire(size);
        List<Object> batch = new ArrayList<>(size);
        Throwable error = null;
        try {
          while (batch.size() < size && !end) {
            if (input.hasNext()) {
              batch.add(input.next());
            } else {
              end = true;
            }
          }
        } catch (Throwable t) {
          error = t;
          end = true;
        }
        permits.release(size - batch.size());
        long first;
        boolean idle;
        lock.lock();
        try {
          if (closed || aborted != null) {
            return;
          }
          first = read;
          for (int k = 0; k < batch.size(); k++) {
            outstanding.add(first + k);
          }
          read += batch.size();
          if (end) {
            inputDone = true;
            inputError = error;
            Tracker t = tracker;
            if (t != null) {
              t.total(read);
            }
          }
          idle = inputDone && outstanding.isEmpty();
          changed.signalAll();
        } finally {
          lock.unlock();
        }
        if (!batch.isEmpty()) {
          engine.enqueue(List.of(new WorkChunk(this, first, java.util.Collections.unmodifiableList(batch))));
        }
        if (idle) {
          finish();
        }
      }
    } catch (InterruptedException e) {
      // closed or terminated: stop reading
    } finally {
      lock.lock();
      try {
        feeder = null;
      } finally {
        lock.unlock();
      }
      Thread.interrupted(); // an interrupt aimed at this call must not reach the thread's next job
      closeInput();
    }
  }

  private void closeInput() {
    if (inputResource != null) {
      try {
        inputResource.close();
      } catch (Exception e) {
        System.getLogger("dev.procpool").log(System.Logger.Level.WARNING, "closing the imap input failed", e);
      }
    }
  }

  // ------------------------------------------------------------------ worker side

  @Override
  void onResults(long firstIndex, List<?> results) {
    boolean idle;
    int fresh = 0;
    lock.lock();
    try {
      for (int k = 0; k < results.size(); k++) {
        Object v = results.get(k);
        if (arrive(firstIndex + k, v == null ? NULL : v)) {
          fresh++;
        }
      }
      idle = inputDone && outstanding.isEmpty();
      count(fresh, 0);
    } finally {
      lock.unlock();
    }
    progressed(fresh);
    if (idle) {
      finish();
    }
  }

  @Override
  void onFailure(long index, Throwable error, boolean byPool) {
    boolean idle;
    boolean fresh;
    lock.lock();
    try {
      fresh = arrive(index, new Failure(Failures.record(index, error, byPool)));
      idle = inputDone && outstanding.isEmpty();
      count(0, fresh ? 1 : 0);
    } finally {
      lock.unlock();
    }
    progressed(fresh ? 1 : 0);
    if (idle) {
      finish();
    }
  }

  /**
   * Adapts the chunk size to a finished chunk's time per item (smoothed), and the read-ahead bound with
   * it. The time counts from when a worker took the chunk, so it may include a wait behind the chunks
   * that worker already held: that errs towards smaller chunks.
   */
  @Override
  void chunkDone(int items, long nanos) {
    if (!adaptive || items <= 0) {
      return;
    }
    synchronized (sizing) {
      double perItem = Math.max(1, (double) nanos / items);
      nanosPerItem = nanosPerItem < 0 ? perItem : (nanosPerItem + perItem) / 2;
      int current = chunksize;
      long ideal = Math.max(1, Math.min(MAX_AUTO_CHUNK, (long) (TARGET_CHUNK_NANOS / nanosPerItem)));
      int next = current;
      if (ideal > current) {
        next = (int) Math.min(ideal, 2L * current);
      } else if (ideal < current / 2) {
        next = (int) Math.max(ideal, current / 4);
      }
      if (next == current) {
        return;
      }
      chunksize = next;
      long delta = engine.settings.readAheadBound(next) - engine.settings.readAheadBound(current);
      if (delta > 0) {
        permits.release((int) Math.min(Integer.MAX_VALUE, delta));
      } else {
        permits.reduce((int) Math.min(Integer.MAX_VALUE, -delta));
      }
    }
  }

  /** Records an outcome; false for a duplicate, or for an item given up on. */
  private boolean arrive(long index, Object outcome) {
    if (!outstanding.remove(index)) {
      return false;
    }
    if (ordered) {
      buffered.put(index, outcome);
    } else {
      arrived.add(outcome);
    }
    changed.signalAll();
    return true;
  }

  @Override
  boolean isResolved(long index) {
    lock.lock();
    try {
      return closed || aborted != null || !outstanding.contains(index);
    } finally {
      lock.unlock();
    }
  }

  @Override
  void abort(RuntimeException reason) {
    lock.lock();
    try {
      if (aborted == null) {
        aborted = reason;
      }
      markCancelled();
      stopFeeder();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    finish();
  }

  // ------------------------------------------------------------------ consumer side

  boolean hasNext() {
    try {
      return more(awaitNext(-1));
    } catch (InterruptedException e) {
      throw interrupted();
    } catch (TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  Object next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more results");
    }
    return take();
  }

  Object next(Duration timeout) throws TimeoutException {
    try {
      if (!more(awaitNext(Math.max(0, timeout.toNanos())))) {
        throw new NoSuchElementException("no more results");
      }
    } catch (InterruptedException e) {
      throw interrupted();
    }
    return take();
  }

  /** Waits until the next outcome is known; false at the end. {@code nanos < 0} waits forever. */
  private boolean awaitNext(long nanos) throws InterruptedException, TimeoutException {
    lock.lockInterruptibly();
    try {
      for (;;) {
        if (closed) {
          return false;
        }
        if (aborted != null || (ordered ? buffered.containsKey(delivered) : !arrived.isEmpty())) {
          return true;
        }
        if (inputDone && delivered == read) {
          return inputError != null && !inputErrorDelivered;
        }
        if (nanos < 0) {
          changed.await();
        } else if (nanos == 0) {
          throw new TimeoutException("no result within the timeout; the work goes on, call next() again");
        } else {
          nanos = changed.awaitNanos(nanos);
          if (nanos <= 0) {
            nanos = 0;
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * At the end of the iteration, tells listeners before the caller learns it, so that a progress bar
   * shows its final state before the caller prints anything: the worker that delivered the last outcome
   * may not have finished the call yet.
   */
  private boolean more(boolean more) {
    if (!more) {
      announceFinished();
    }
    return more;
  }

  private Object take() {
    Object outcome = null;
    RuntimeException thrown = null;
    boolean end;
    lock.lock();
    try {
      if (aborted != null) {
        thrown = aborted; // thrown once; the iteration is over
      } else {
        long index = delivered;
        outcome = ordered ? buffered.remove(index) : arrived.poll();
        if (outcome == null) {
          inputErrorDelivered = true;
          thrown = new InputFailedException(read, inputError);
        } else {
          delivered++;
        }
      }
      end = thrown != null || (inputDone && delivered == read && inputError == null);
      if (end) {
        closed = true;
      }
    } finally {
      lock.unlock();
    }
    more(!end);
    if (thrown != null) {
      throw thrown;
    }
    permits.release();
    if (outcome instanceof Failure f) {
      throw Failures.forCaller(f.error());
    }
    return outcome == NULL ? null : outcome;
  }

  void close() {
    lock.lock();
    try {
      closed = true;
      stopFeeder();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    cancel(true);
  }

  /**
   * Closes the call for a caller that dropped its iterator unread and unclosed: nobody can take the
   * results, so the remaining work is cancelled (and said so) rather than left waiting forever.
   */
  void abandoned() {
    boolean open;
    lock.lock();
    try {
      open = !closed;
    } finally {
      lock.unlock();
    }
    if (open) {
      System.getLogger("dev.procpool").log(System.Logger.Level.WARNING, "{0}: an {1} iterator was dropped before"
          + " it was read to the end or closed; its remaining work is cancelled. Close iterators you stop"
          + " reading (try-with-resources)", engine.settings.poolName(), ordered ? "imap" : "imapUnordered");
      close();
    }
  }

  private void stopFeeder() {
    if (feeder != null) {
      feeder.interrupt();
    }
  }

  private CancellationException interrupted() {
    Thread.currentThread().interrupt();
    return new CancellationException("interrupted while waiting for the next result; close() the iterator to cancel");
  }

  @Override
  public String toString() {
    return (ordered ? "imap" : "imapUnordered") + "[job " + id() + "]";
  }
}
