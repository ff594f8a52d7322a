package dev.procpool.internal;

import dev.procpool.CallProgress;
import dev.procpool.PoolListener;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/** Counts one call's outcomes and tells the call's listeners (the pool's, and its progress bar). */
final class Tracker implements CallProgress {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  private final long callId;
  private final String operation;
  private volatile long total;
  private final long startNanos = System.nanoTime();
  private final LongAdder done = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final List<PoolListener> listeners;
  private final AtomicBoolean finished = new AtomicBoolean();
  /** Progress reports share it; the end takes it alone, so that no report comes after callFinished. */
  private final java.util.concurrent.locks.ReentrantReadWriteLock events =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
  private final AtomicBoolean complained = new AtomicBoolean();
  /** Opens once every listener has had callFinished, which the other callers of finished() wait for. */
  private final CountDownLatch announced = new CountDownLatch(1);
  /** The thread telling listeners that the call finished; it may end the call again from a listener. */
  private volatile Thread announcer;

  Tracker(long callId, String operation, long total, List<PoolListener> listeners) {
    this.callId = callId;
    this.operation = operation;
    this.total = total;
    this.listeners = listeners;
  }

  void started() {
    for (PoolListener l : listeners) {
      guard(() -> l.callStarted(this));
    }
  }

  /**
   * Counts outcomes; called while the call holds its lock, so that the counts are complete by the
   * time the call finishes, whichever thread finishes it.
   */
  void count(int succeeded, int failures) {
    done.add(succeeded + failures);
    if (failures > 0) {
      failed.add(failures);
    }
  }

  /**
   * Tells listeners that the counts grew; called without holding the call's lock. Several threads may
   * report at once, but none after {@link #finished()}: it waits for reports under way.
   */
  void progressed() {
    events.readLock().lock();
    try {
      if (finished.get()) {
        return;
      }
      for (PoolListener l : listeners) {
        guard(() -> l.progressed(this));
      }
    } finally {
      events.readLock().unlock();
    }
  }

  /** A lazy call learned its total when its input ended. */
  void total(long total) {
    this.total = total;
  }

  /**
   * Tells listeners, once, that the call is over, and returns only when they have been told, whichever
   * thread tells them: the worker that completed the call and the caller that saw it end both call
   * this, and the caller must not go on (and print) before a progress bar has drawn its final state.
   */
  void finished() {
    boolean first;
    if (events.getReadHoldCount() > 0) {
      first = finished.compareAndSet(false, true); // a listener ended the call from its progressed(): no wait
    } else {
      events.writeLock().lock();
      try {
        first = finished.compareAndSet(false, true);
      } finally {
        events.writeLock().unlock();
      }
    }
    if (first) {
      announcer = Thread.currentThread();
      try {
        for (PoolListener l : listeners) {
          guard(() -> l.callFinished(this));
        }
      } finally {
        announced.countDown();
      }
    } else if (Thread.currentThread() != announcer) {
      awaitAnnounced();
    }
  }

  private void awaitAnnounced() {
    boolean interrupted = false;
    for (;;) {
      try {
        announced.await(); // listeners are quick: an interrupt is kept for later, not a reason to go on early
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void guard(Runnable event) {
    try {
      event.run();
    } catch (Throwable e) { // even an Error: a listener must never take a worker down
      if (complained.compareAndSet(false, true)) {
        LOG.log(Level.WARNING, "a PoolListener threw; the pool goes on (reported once per call)", e);
      }
    }
  }

  @Override
  public long callId() {
    return callId;
  }

  @Override
  public String operation() {
    return operation;
  }

  @Override
  public long total() {
    return total;
  }

  @Override
  public long done() {
    return done.sum();
  }

  @Override
  public long failed() {
    return failed.sum();
  }

  @Override
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  @Override
  public String toString() {
    return operation + "[" + done() + "/" + (total < 0 ? "?" : total) + ", " + failed() + " failed]";
  }
}
