package dev.procpool;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

/**
 * The pending result of an asynchronous call, Python's {@code AsyncResult}, usable as a
 * {@link Future}.
 *
 * <pre>{@code
 * AsyncResult<List<Integer>> r = pool.mapAsync(x -> x * x, List.of(1, 2, 3));
 * r.await(Duration.ofSeconds(1));        // Python's wait(): never throws on timeout
 * if (r.ready() && r.successful()) {
 *   System.out.println(r.get());         // [1, 4, 9]
 * }
 * }</pre>
 *
 * <p>A failed task makes {@link #get()} throw {@link ExecutionException} whose cause is the task's own
 * exception (or a {@link WorkerDiedException} or {@link TaskTimeoutException} when the pool ended
 * it). Callbacks given to the call have run before the result becomes {@linkplain #ready() ready}.
 * {@link #cancel(boolean)} drops the work not yet started and, with {@code true}, interrupts what
 * runs.
 *
 * <p>Thread-safe.
 *
 * @param <R> the result type
 */
public interface AsyncResult<R> extends Future<R> {

  /**
   * Waits for the result, at most {@code timeout}.
   *
   * @param timeout how long to wait
   * @return the result
   * @throws ExecutionException if the task failed; the cause is the task's exception
   * @throws TimeoutException if the result did not come in time (the work goes on)
   * @throws InterruptedException if interrupted while waiting
   * @throws java.util.concurrent.CancellationException if the call was cancelled
   */
  R get(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException;

  /**
   * Tells whether the call has completed, successfully or not. Python's {@code ready()}.
   *
   * @return true once {@link #get()} would not block
   */
  boolean ready();

  /**
   * Tells whether the call completed without failure. Python's {@code successful()}.
   *
   * @return true if it succeeded
   * @throws IllegalStateException if the call is not {@linkplain #ready() ready} yet
   */
  boolean successful();

  /**
   * Waits until the call completes or the time runs out, whichever is first. Python's
   * {@code wait(timeout)}: it never throws on timeout; check {@link #ready()} afterwards.
   *
   * @param timeout how long to wait at most
   * @return true if the call is ready
   * @throws InterruptedException if interrupted while waiting
   */
  boolean await(Duration timeout) throws InterruptedException;

  /**
   * Returns a {@link CompletableFuture} that completes with this result, for composition. Completing
   * or cancelling the returned future does not affect the call; dependent stages run on the pool's
   * result thread unless given an executor, so keep them short or use the {@code *Async} variants.
   *
   * @return a new future that mirrors this result
   */
  CompletableFuture<R> toCompletableFuture();
}
