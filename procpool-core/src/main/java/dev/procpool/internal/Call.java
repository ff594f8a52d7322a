package dev.procpool.internal;

import dev.procpool.Fn;
import dev.procpool.spi.Job;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call on the pool as the engine tracks it: receives the outcome of each item (at most once per
 * index, whatever the backend reports) and decides when the call is over.
 */
abstract class Call implements Job {
  final Engine engine;
  private final long id;
  private final Fn<Object, Object> function;
  private final Duration taskTimeout;
  /** The runnable given to execute()/submit(Runnable), for shutdownNow(); otherwise null. */
  final Runnable origin;
  private volatile boolean cancelled;
  private final AtomicBoolean finished = new AtomicBoolean();

  final CallSpec spec;
  /** How many items the call has, or -1 while unknown. */
  final long total;
  /** Counts outcomes for listeners and the progress bar; null when nobody listens. Set on admission. */
  volatile Tracker tracker;

  Call(Engine engine, Fn<Object, Object> function, CallSpec spec, long total) {
    this.engine = engine;
    this.id = engine.nextCallId();
    this.function = function;
    this.spec = spec;
    this.total = total;
    this.taskTimeout = spec.taskTimeout();
    this.origin = spec.origin();
  }

  /** Counts outcomes for listeners; call it under the call's lock. */
  final void count(int succeeded, int failed) {
    Tracker t = tracker;
    if (t != null && succeeded + failed > 0) {
      t.count(succeeded, failed);
    }
  }

  /** Tells listeners that items got their outcome; call it without the call's lock. */
  final void progressed(int outcomes) {
    Tracker t = tracker;
    if (t != null && outcomes > 0) {
      t.progressed();
    }
  }

  @Override
  public final long id() {
    return id;
  }

  @Override
  public final Fn<Object, Object> function() {
    return function;
  }

  @Override
  public final Duration taskTimeout() {
    return taskTimeout;
  }

  @Override
  public final boolean isCancelled() {
    return cancelled;
  }

  /** Records results of consecutive items; duplicates and results after the call ended are ignored. */
  abstract void onResults(long firstIndex, List<?> results);

  /**
   * Records the failure of one item: the task's own exception ({@code byPool} false), or a
   * TaskFailedException subclass the engine made because the worker died or timed out ({@code byPool}
   * true). Ignored if the item already has an outcome.
   */
  abstract void onFailure(long index, Throwable error, boolean byPool);

  /**
   * Tells the call that a chunk of {@code items} items ran to its last item, {@code nanos} after a worker
   * took it (so including any wait in that worker's own queue), its items and results taking {@code bytes}
   * on their way (0 if the backend does not know). Nothing by default.
   */
  void chunkDone(int items, long nanos, long bytes) {}

  /** Tells whether the item already has an outcome (or the call no longer wants one). */
  abstract boolean isResolved(long index);

  /** Ends the call with a pool-level failure (terminated, broken): every open item fails with it. */
  abstract void abort(RuntimeException reason);

  /** Stops the work: queued chunks are skipped, running items are interrupted if asked. */
  final void cancel(boolean interrupt) {
    cancelled = true;
    finish();
    if (interrupt) {
      engine.interrupt(this);
    }
  }

  final void markCancelled() {
    cancelled = true;
  }

  /** Tells listeners the call is over, before its caller can see the outcome; idempotent. */
  final void announceFinished() {
    Tracker t = tracker;
    if (t != null) {
      t.finished();
    }
  }

  /** Releases the call from the engine once it needs no more work; idempotent. */
  final void finish() {
    if (finished.compareAndSet(false, true)) {
      engine.finished(this);
      Tracker t = tracker;
      if (t != null) {
        t.finished();
      }
    }
  }
}
