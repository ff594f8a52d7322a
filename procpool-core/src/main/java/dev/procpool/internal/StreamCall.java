package dev.procpool.internal;

import dev.procpool.Fn;
import dev.procpool.InputFailedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
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
 * possible and a slow task is never batched, and grow (at most doubling per finished chunk) while a
 * chunk holds less than {@link #TARGET_CHUNK_NANOS} of work; they shrink again when tasks get slower.
 * Their size is also bounded, because read-ahead keeps {@code readAhead} chunks in memory (with the
 * pool's floor in items, see {@link EngineSettings#readAheadBound}): where the backend reports the bytes
 * a chunk took on its way (worker JVMs do), a chunk holds at most {@value #MAX_AUTO_CHUNK_BYTES} bytes'
 * worth of items and results, and never more than {@value #MAX_AUTO_CHUNK_ITEMS} items; elsewhere at
 * most {@value #MAX_AUTO_CHUNK} items, since an item's size is unknown there.
 */
final class StreamCall extends Call {
  private static final Object NULL = new Object();
  /** The chunk size argument that asks for adaptive chunks. */
  static final int AUTO = 0;
  /** The work one adaptive chunk aims at: long enough to hide per-chunk costs, short enough to balance. */
  static final long TARGET_CHUNK_NANOS = 200_000_000L;
  /**
   * Adaptive chunks hold no more items than this where the backend does not report bytes: what read-ahead
   * keeps in memory has no other bound there.
   */
  static final int MAX_AUTO_CHUNK = 1024;
  /**
   * Where the backend reports bytes, adaptive chunks hold no more than this in items and results
   * (encoded): a chunk of tiny items grows past {@link #MAX_AUTO_CHUNK}, which halves the per-item cost of
   * moving chunks between processes, while one of large items stays small.
   */
  static final int MAX_AUTO_CHUNK_BYTES = 256 * 1024;
  /** The most items an adaptive chunk holds however small they are: each costs an object or two in memory. */
  static final int MAX_AUTO_CHUNK_ITEMS = 16 * 1024;

  private record Failure(RuntimeException error) {}

  /**
   * A run of items the feeder read and queued as one chunk: its outcomes by offset (null while open), and
   * how many are still open. Items are tracked per batch, not per item, so that an item costs no map
   * entry and no boxed index on its way through.
   */
  private static final class Batch {
    final long first;
    final Object[] outcomes;
    int open;
    /** Ordered calls: the offset of the next outcome the consumer takes. */
    int taken;

    Batch(long first, int size) {
      this.first = first;
      this.outcomes = new Object[size];
      this.open = size;
    }
  }

  /**
   * The batches with items still open, in input order: what a worker's report is matched against. They
   * are appended as the feeder reads them (so sorted by first index, and contiguous) and found by binary
   * search, which costs no allocation per chunk, unlike a sorted map (with chunks of one item, a
   * {@code TreeMap} was a fifth of the pool thread's time). A finished batch leaves at once from the
   * front, and from elsewhere when the array is full, so that one slow item does not keep every batch
   * read after it.
   */
  private static final class OpenBatches {
    private Batch[] batches = new Batch[16];
    /** Entries in [from, to), by first index; some may be finished. */
    private int from;
    private int to;
    private int live;

    void add(Batch b) {
      if (to == batches.length) {
        makeRoom();
      }
      batches[to++] = b;
      live++;
    }

    /** Drops the finished batches and, if still more than half full, grows. */
    private void makeRoom() {
      Batch[] target = live > batches.length / 2 ? new Batch[batches.length * 2] : batches;
      int n = 0;
      for (int i = from; i < to; i++) {
        if (batches[i].open > 0) {
          target[n++] = batches[i];
        }
      }
      if (target == batches) {
        java.util.Arrays.fill(batches, n, batches.length, null);
      }
      batches = target;
      from = 0;
      to = n;
    }

    /** Called when {@code b}'s last item got its outcome. */
    void finished(Batch b) {
      live--;
      while (from < to && batches[from].open == 0) {
        batches[from++] = null;
      }
      if (from == to) {
        from = 0;
        to = 0;
      }
    }

    /** The open batch holding {@code index}, or null. */
    Batch find(long index) {
      int lo = from;
      int hi = to - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        Batch b = batches[mid];
        if (index < b.first) {
          hi = mid - 1;
        } else if (index - b.first >= b.outcomes.length) {
          lo = mid + 1;
        } else {
          return b.open > 0 ? b : null;
        }
      }
      return null;
    }
  }

  /** Marks an unordered call's outcome that went to {@link #arrived}: the item has its outcome. */
  private static final Object ARRIVED = new Object();

  private final boolean ordered;
  /** Whether the chunk size adapts to the task time (none was given). */
  private final boolean adaptive;
  /** Items per chunk; changes only when adaptive, under {@link #sizing}. */
  private volatile int chunksize;
  private final Object sizing = new Object();
  /** Smoothed nanoseconds per item, or -1 before the first chunk finished; guarded by sizing. */
  private double nanosPerItem = -1;
  /** Smoothed bytes per item on the way to and from workers, or -1 while unknown; guarded by sizing. */
  private double bytesPerItem = -1;
  private final Iterator<?> input;
  private final AutoCloseable inputResource;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Wakes the feeder: the consumer left room for more items. */
  private final Condition room = lock.newCondition();
  // guarded by lock
  /**
   * Items the feeder may still read: the read-ahead bound less the items read and not yet handed to the
   * consumer. Negative while a shrinking bound is caught up with.
   */
  private long permits;
  /** How many permits the feeder waits for, or 0 when it does not wait. */
  private int feederWants;
  private final OpenBatches open = new OpenBatches();
  /** Items read without an outcome yet. */
  private long openItems;
  /** Ordered calls: the batches not yet wholly taken by the consumer, in input order. */
  private final ArrayDeque<Batch> undelivered = new ArrayDeque<>();
  /** Unordered calls: outcomes in the order they came. */
  private final ArrayDeque<Object> arrived = new ArrayDeque<>();
  private long read;
  /** Outcomes moved to the consumer (into its {@link #local} buffer). */
  private long delivered;
  private boolean inputDone;
  private Throwable inputError;
  private boolean inputErrorDelivered;
  /** Set under the lock; read without it by the consumer between refills. */
  private volatile RuntimeException aborted;
  private volatile boolean closed;
  private Thread feeder;
  /** Whether the consumer waits for an outcome, so that arrivals must wake it. */
  private boolean consumerWaiting;

  // The consumer's side (one consumer thread at a time, as for any iterator): outcomes taken from the
  // call in one go, handed out without the lock. Their permits go back when the buffer is refilled.
  private Object[] local = new Object[16];
  private int localNext;
  private int localEnd;

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
    this.permits = engine.settings.readAheadBound(this.chunksize);
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
        Grant grant = acquire();
        int size = grant.chunksize();
        int want = grant.items();
        int taken = 0;
        Throwable error = null;
        while (taken < want && !end) {
          Object[] chunk = new Object[Math.min(size, want - taken)];
          int n = 0;
          try {
            while (n < chunk.length && !end) {
              if (input.hasNext()) {
                Object item = input.next(); // before n++: an input that throws has not given an item
                chunk[n++] = item;
              } else {
                end = true;
              }
            }
          } catch (Throwable t) {
            error = t;
            end = true;
          }
          taken += n;
          Object[] items = n == chunk.length ? chunk : n == 0 ? null : java.util.Arrays.copyOf(chunk, n);
          // Each chunk goes out as soon as it is read, never held back for the next: reading it may wait
          // for the input, and the input may be waiting for this very chunk's result.
          if (!enqueue(items, end, error)) {
            return;
          }
        }
        if (taken < want) {
          release(want - taken, false);
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

  /** What the feeder may read next: {@code items} items, in chunks of {@code chunksize}. */
  private record Grant(int chunksize, int items) {}

  /**
   * Waits until the consumer has left room for a chunk, or for as many whole chunks as a quarter of the
   * read-ahead bound holds, and takes that many permits: the feeder then wakes once per run of results
   * the consumer took, not once per result. The chunk size is read again at every wake-up: room asked
   * for chunks that have since shrunk could exceed the shrunken bound, and would never come.
   */
  private Grant acquire() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      for (;;) {
        if (closed || aborted != null) {
          throw new InterruptedException();
        }
        int size = chunksize;
        long bound = engine.settings.readAheadBound(size);
        // Whole chunks only: a chunk holds exactly the chunk size, but the input's last.
        int want = (int) Math.min(Integer.MAX_VALUE / 2, (long) size * Math.max(1, bound / 4 / size));
        if (permits >= want) {
          permits -= want;
          return new Grant(size, want);
        }
        feederWants = want;
        try {
          room.await();
        } finally {
          feederWants = 0;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Gives permits back (or takes them, for a bound that shrank), waking the feeder if it now has what
   * it waits for, or if the chunk size changed under it; call under the lock or not.
   */
  private void release(long n, boolean resized) {
    lock.lock();
    try {
      permits += n;
      if (feederWants > 0 && (resized || permits >= feederWants)) {
        room.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records a chunk read (null: none, at the end) and queues it; false if the call is over and the
   * feeder must stop.
   */
  private boolean enqueue(Object[] items, boolean end, Throwable error) {
    WorkChunk chunk = null;
    boolean idle;
    lock.lock();
    try {
      if (closed || aborted != null) {
        return false;
      }
      if (items != null) {
        Batch b = new Batch(read, items.length);
        open.add(b);
        openItems += items.length;
        if (ordered) {
          undelivered.addLast(b);
        }
        chunk = new WorkChunk(this, read, new ArraySlice(items, 0, items.length));
        read += items.length;
      }
      if (end) {
        inputDone = true;
        inputError = error;
        Tracker t = tracker;
        if (t != null) {
          t.total(read);
        }
        if (consumerWaiting) {
          changed.signalAll(); // the consumer may wait for the end
        }
      }
      idle = inputDone && openItems == 0;
    } finally {
      lock.unlock();
    }
    if (chunk != null) {
      engine.enqueue(List.of(chunk));
    }
    if (idle) {
      finish();
    }
    return true;
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
    int n = results.size();
    lock.lock();
    try {
      for (int k = 0; k < n; ) {
        Batch b = batchOf(firstIndex + k);
        if (b == null) {
          k++; // given up on, or already has its outcome
          continue;
        }
        int off = (int) (firstIndex + k - b.first);
        int run = Math.min(n - k, b.outcomes.length - off);
        for (int j = 0; j < run; j++) {
          Object v = results.get(k + j);
          if (arrive(b, off + j, v == null ? NULL : v)) {
            fresh++;
          }
        }
        k += run;
      }
      idle = settled(fresh);
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
    boolean fresh = false;
    lock.lock();
    try {
      Batch b = batchOf(index);
      if (b != null) {
        fresh = arrive(b, (int) (index - b.first), new Failure(Failures.record(index, error, byPool)));
      }
      idle = settled(fresh ? 1 : 0);
      count(0, fresh ? 1 : 0);
    } finally {
      lock.unlock();
    }
    progressed(fresh ? 1 : 0);
    if (idle) {
      finish();
    }
  }

  /** The open batch holding {@code index}, or null if that item has its outcome or was never read. */
  private Batch batchOf(long index) {
    return open.find(index);
  }

  /**
   * Records an outcome; false for a duplicate. A batch whose items all have their outcome leaves the
   * open batches; an ordered call keeps it for the consumer.
   */
  private boolean arrive(Batch b, int offset, Object outcome) {
    if (b.outcomes[offset] != null) {
      return false;
    }
    if (ordered) {
      b.outcomes[offset] = outcome;
    } else {
      b.outcomes[offset] = ARRIVED;
      arrived.add(outcome);
    }
    if (--b.open == 0) {
      open.finished(b);
    }
    return true;
  }

  /** Counts {@code fresh} outcomes, wakes a waiting consumer; returns whether the call needs nothing more. */
  private boolean settled(int fresh) {
    openItems -= fresh;
    if (fresh > 0 && consumerWaiting) {
      changed.signalAll();
    }
    return inputDone && openItems == 0;
  }

  /**
   * Adapts the chunk size to a finished chunk's time and bytes per item (smoothed), and the read-ahead
   * bound with it. The time counts from when a worker took the chunk, so it may include a wait behind the
   * chunks that worker already held: that errs towards smaller chunks.
   */
  @Override
  void chunkDone(int items, long nanos, long bytes) {
    if (!adaptive || items <= 0) {
      return;
    }
    synchronized (sizing) {
      double perItem = Math.max(1, (double) nanos / items);
      nanosPerItem = nanosPerItem < 0 ? perItem : (nanosPerItem + perItem) / 2;
      if (bytes > 0) {
        double bytesEach = (double) bytes / items;
        bytesPerItem = bytesPerItem < 0 ? bytesEach : (bytesPerItem + bytesEach) / 2;
      }
      long cap = bytesPerItem < 0
          ? MAX_AUTO_CHUNK
          : Math.min(MAX_AUTO_CHUNK_ITEMS, (long) (MAX_AUTO_CHUNK_BYTES / bytesPerItem));
      int current = chunksize;
      long ideal = Math.max(1, Math.min(cap, (long) (TARGET_CHUNK_NANOS / nanosPerItem)));
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
      release(engine.settings.readAheadBound(next) - engine.settings.readAheadBound(current), true);
    }
  }

  @Override
  boolean isResolved(long index) {
    lock.lock();
    try {
      return closed || aborted != null || batchOf(index) == null;
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
    if (localNext < localEnd && aborted == null && !closed) {
      return true;
    }
    try {
      return more(awaitNext(-1));
    } catch (InterruptedException e) {
      throw interrupted();
    } catch (TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  Object next() {
    if (localNext < localEnd && aborted == null && !closed) {
      return handLocal();
    }
    if (!hasNext()) {
      throw new NoSuchElementException("no more results");
    }
    return take();
  }

  Object next(Duration timeout) throws TimeoutException {
    if (localNext < localEnd && aborted == null && !closed) {
      return handLocal();
    }
    try {
      if (!more(awaitNext(Math.max(0, timeout.toNanos())))) {
        throw new NoSuchElementException("no more results");
      }
    } catch (InterruptedException e) {
      throw interrupted();
    }
    return take();
  }

  /**
   * Waits until the next outcome is known, and moves what is there to the consumer's buffer (unless
   * the call was aborted, or the input failed: then the buffer is empty); false at the end.
   * {@code nanos < 0} waits forever.
   */
  private boolean awaitNext(long nanos) throws InterruptedException, TimeoutException {
    if (localNext < localEnd && aborted == null && !closed) {
      return true;
    }
    lock.lockInterruptibly();
    try {
      for (;;) {
        if (closed) {
          return false;
        }
        if (aborted != null) {
          return true;
        }
        if (refill()) {
          return true;
        }
        if (inputDone && delivered == read) {
          if (inputError == null) {
            closed = true; // read to the end: nothing is left to cancel if the iterator is dropped now
          }
          return inputError != null && !inputErrorDelivered;
        }
        consumerWaiting = true;
        try {
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
        } finally {
          consumerWaiting = false;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under the lock: gives the permits of the outcomes handed out since the last refill back to the
   * feeder, and moves the outcomes that are ready (in input order for imap) to the consumer's buffer, at
   * most a quarter of the read-ahead bound, so that the rest stays free for work in flight. One lock and
   * one wake-up of the feeder per refill, not per result. Returns whether the buffer holds any.
   */
  private boolean refill() {
    if (localNext < localEnd) {
      return true;
    }
    if (localEnd > 0) {
      release(localEnd, false);
      localNext = 0;
      localEnd = 0;
    }
    int cap = (int) Math.max(1, Math.min(MAX_REFILL, engine.settings.readAheadBound(chunksize) / 4));
    int n = 0;
    if (ordered) {
      Batch b;
      while (n < cap && (b = undelivered.peekFirst()) != null && b.taken < b.outcomes.length
          && b.outcomes[b.taken] != null) {
        local = room(local, n);
        local[n++] = b.outcomes[b.taken++];
        if (b.taken == b.outcomes.length) {
          undelivered.pollFirst();
        }
      }
    } else {
      Object o;
      while (n < cap && (o = arrived.poll()) != null) {
        local = room(local, n);
        local[n++] = o;
      }
    }
    delivered += n;
    localEnd = n;
    return n > 0;
  }

  /** Refills take at most this many outcomes at once. */
  private static final int MAX_REFILL = 1024;

  private static Object[] room(Object[] buffer, int n) {
    return n < buffer.length ? buffer : java.util.Arrays.copyOf(buffer, Math.min(MAX_REFILL, 2 * buffer.length));
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

  /** After {@link #awaitNext} said there is more: the next outcome, the call's failure, or the input's. */
  private Object take() {
    RuntimeException thrown;
    lock.lock();
    try {
      if (aborted != null) {
        thrown = aborted; // thrown once; the iteration is over
      } else if (localNext < localEnd) {
        return handLocal();
      } else {
        inputErrorDelivered = true;
        thrown = new InputFailedException(read, inputError);
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    more(false);
    throw thrown;
  }

  /**
   * Hands the consumer the next outcome it holds. The last of the whole call also ends the iteration
   * there, as a consumer that calls {@code next()} exactly as often as there are items never asks
   * {@code hasNext()} again: its iterator is then read to the end, not dropped unread.
   */
  private Object handLocal() {
    Object outcome = local[localNext++];
    if (localNext == localEnd) {
      boolean end;
      lock.lock();
      try {
        end = !closed && aborted == null && inputDone && delivered == read && inputError == null;
        if (end) {
          closed = true;
        }
      } finally {
        lock.unlock();
      }
      more(!end);
    }
    return hand(outcome);
  }

  /** Hands an outcome to the consumer: its value, or what its failure throws. */
  private Object hand(Object outcome) {
    local[localNext - 1] = null;
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
      // Every outcome handed out and the input ended cleanly: read to the end, though the consumer took
      // the last item before the feeder had seen that the input was over.
      boolean readToTheEnd = inputDone && inputError == null && delivered == read && localNext >= localEnd;
      open = !closed && !readToTheEnd;
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
