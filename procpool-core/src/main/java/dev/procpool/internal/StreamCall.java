package dev.procpool.internal;

import dev.procpool.Fn;
import dev.procpool.InputFailedException;
import dev.procpool.ResultIterator;
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
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazy call ({@code imap}, {@code imapUnordered}): a feeder thread reads the input in chunks, never
 * holding more than {@code permits} items that the consumer has not taken yet, so memory stays flat
 * for an infinite input.
 */
final class StreamCall extends Call implements ResultIterator<Object> {
  private static final Object NULL = new Object();

  private record Failure(RuntimeException error) {}

  private final boolean ordered;
  private final int chunksize;
  private final Iterator<?> input;
  private final AutoCloseable inputResource;
  /** One permit per item taken from the input and not yet handed to the consumer. */
  private final Semaphore permits;

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
    this.chunksize = chunksize;
    this.ordered = ordered;
    long bound = (long) engine.settings.readAheadChunks() * chunksize;
    this.permits = new Semaphore((int) Math.min(Integer.MAX_VALUE, Math.max(bound, chunksize)));
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
    engine.register(call);
    try {
      engine.feeders.execute(call::feed);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      call.abort(e);
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
        permits.acquire(chunksize);
        List<Object> batch = new ArrayList<>(chunksize);
        Throwable error = null;
        try {
          while (batch.size() < chunksize && !end) {
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
        permits.release(chunksize - batch.size());
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
          engine.enqueue(List.of(new WorkChunk(this, first, batch, 0)));
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

  @Override
  public boolean hasNext() {
    try {
      return awaitNext(-1);
    } catch (InterruptedException e) {
      throw interrupted();
    } catch (TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public Object next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more results");
    }
    return take();
  }

  @Override
  public Object next(Duration timeout) throws TimeoutException {
    try {
      if (!awaitNext(Math.max(0, timeout.toNanos()))) {
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

  private Object take() {
    Object outcome;
    boolean end;
    lock.lock();
    try {
      if (aborted != null) {
        throw aborted;
      }
      long index = delivered;
      outcome = ordered ? buffered.remove(index) : arrived.poll();
      if (outcome == null) {
        inputErrorDelivered = true;
        closed = true;
        throw new InputFailedException(read, inputError);
      }
      delivered++;
      end = inputDone && delivered == read && inputError == null;
      if (end) {
        closed = true;
      }
    } finally {
      lock.unlock();
    }
    permits.release();
    if (outcome instanceof Failure f) {
      throw Failures.forCaller(f.error());
    }
    return outcome == NULL ? null : outcome;
  }

  @Override
  public Stream<Object> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false)
        .onClose(this::close);
  }

  @Override
  public void close() {
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
