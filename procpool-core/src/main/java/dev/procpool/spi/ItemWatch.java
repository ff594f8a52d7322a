package dev.procpool.spi;

import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Watches the item one worker thread runs, for backends whose workers are threads of their own JVM (a
 * thread pool, a cluster member's threads). A thread cannot be killed, so an item that runs past its
 * timeout is stopped the only way there is: its thread is interrupted and written off ("abandoned"), and
 * the backend puts a fresh thread in its place; if the item ever returns, {@link #end()} tells the old
 * thread to leave quietly.
 *
 * <pre>{@code
 * ItemWatch<Chunk> watch = new ItemWatch<>(Thread.currentThread());
 * for (int i = 0; i < chunk.size(); i++) {
 *   watch.begin(chunk, i, timeoutNanos, timer, (c, at) -> { replaceWorker(); sink.lost(c, timedOut(at)); });
 *   Object result = fn.apply(chunk.items().get(i));
 *   if (!watch.end()) {
 *     return; // timed out meanwhile: the expiry action already reported it
 *   }
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #begin} and {@link #end} are called by the watched thread, {@link
 * #interruptIf} by any thread, the expiry action runs on the timer's thread.
 *
 * @param <C> what the backend calls a unit of work (a {@link Chunk}, or its own wrapper of one)
 */
public final class ItemWatch<C> {

  /**
   * What happens when an item runs past its timeout.
   *
   * @param <C> what the backend calls a unit of work
   */
  @FunctionalInterface
  public interface Expiry<C> {
    /**
     * Reacts to an expired item; its thread was interrupted and this watch is abandoned.
     *
     * @param chunk the chunk whose item expired
     * @param offset the offset of that item in the chunk
     */
    void expired(C chunk, int offset);
  }

  private final Thread thread;
  // guarded by this
  private C current;
  private int offset;
  private long seq;
  private boolean abandoned;
  private ScheduledFuture<?> deadline;

  /**
   * Creates a watch over the thread that will run items.
   *
   * @param thread the worker thread
   * @throws NullPointerException if {@code thread} is null
   */
  public ItemWatch(Thread thread) {
    this.thread = Objects.requireNonNull(thread, "thread");
  }

  /**
   * Marks an item as running. With a timeout, schedules its expiry on {@code timer}: unless
   * {@link #end()} comes first, the thread is interrupted, the watch abandoned, and {@code expiry} runs
   * on the timer's thread. A timer that was shut down (the pool is being terminated) schedules nothing.
   *
   * @param chunk the chunk being run
   * @param offset the offset of the item within it
   * @param timeoutNanos the item's timeout, or 0 or less for none
   * @param timer where the expiry is scheduled; may be null when there is no timeout
   * @param expiry what to do when the item expires; may be null when there is no timeout
   */
  public synchronized void begin(C chunk, int offset, long timeoutNanos, ScheduledExecutorService timer,
      Expiry<? super C> expiry) {
    current = chunk;
    this.offset = offset;
    long mine = ++seq;
    if (timeoutNanos > 0) {
      try {
        deadline = timer.schedule(() -> expire(mine, expiry), timeoutNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // the timer is stopped: the pool is being terminated and this item cut short anyway
      }
    }
  }

  /**
   * Ends the current item: cancels its expiry and clears an interrupt aimed at it, so that it cannot
   * hit the next item.
   *
   * @return false if the item expired meanwhile: the thread is written off and must leave
   */
  public synchronized boolean end() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    current = null;
    Thread.interrupted();
    return !abandoned;
  }

  /**
   * Interrupts the watched thread if the item it runs now belongs to a chunk that {@code which}
   * accepts (the chunks of a cancelled job, say).
   *
   * @param which tells which running chunks to interrupt
   */
  public synchronized void interruptIf(Predicate<? super C> which) {
    if (current != null && which.test(current)) {
      thread.interrupt();
    }
  }

  /**
   * Writes the thread off now, whatever it runs: it is interrupted, and {@link #end()} tells it to leave
   * when its item returns. For a worker the engine asked to stop ({@link WorkerControl#stop}).
   *
   * @return false if it was written off already (its item expired, or it was abandoned before)
   */
  public synchronized boolean abandon() {
    if (abandoned) {
      return false;
    }
    abandoned = true;
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    thread.interrupt();
    return true;
  }

  private void expire(long which, Expiry<? super C> expiry) {
    C chunk;
    int at;
    synchronized (this) {
      if (seq != which || current == null || abandoned) {
        return;
      }
      abandoned = true;
      chunk = current;
      at = offset;
      thread.interrupt();
    }
    expiry.expired(chunk, at);
  }
}
