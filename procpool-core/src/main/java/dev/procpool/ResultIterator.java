package dev.procpool;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The lazy results of {@link Pool#imap} and {@link Pool#imapUnordered}, Python's
 * {@code IMapIterator}.
 *
 * <p>Results are produced while you iterate, and the pool reads the input only a bounded distance
 * ahead of you (see {@link PoolBuilder#readAhead(int)}), so an infinite input works and memory stays
 * flat. An item whose task failed throws {@link TaskFailedException} from {@link #next()} at its
 * position; call {@code next()} again to go on past it. An input that throws ends the iteration with
 * {@link InputFailedException} at its position.
 *
 * <pre>{@code
 * try (ResultIterator<Integer> it = pool.imap(x -> x * x, Stream.iterate(0, i -> i + 1))) {
 *   while (it.hasNext()) {
 *     int square = it.next();
 *     if (square > 1000) break;      // close() cancels the rest
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #close()} cancels outstanding work and stops reading the input; iterating to the end
 * closes it too. Not thread-safe: one consumer at a time.
 *
 * @param <R> the result type
 */
public interface ResultIterator<R> extends Iterator<R>, AutoCloseable {

  /**
   * Waits for the next result, blocking as long as it takes.
   *
   * @return the next result
   * @throws TaskFailedException if the task for this position failed (iteration may continue)
   * @throws InputFailedException if the input threw at this position (iteration ends)
   * @throws NoSuchElementException if there is no next result
   * @throws PoolTerminatedException if the pool was terminated (or {@link WorkerStartException} if it
   *     broke) before this result came; the iteration ends
   * @throws java.util.concurrent.CancellationException if the thread is interrupted while waiting
   *     (its interrupt flag is set again)
   */
  @Override
  R next();

  /**
   * Waits at most {@code timeout} for the next result. Python's {@code next(timeout)}.
   *
   * @param timeout how long to wait
   * @return the next result
   * @throws TimeoutException if none came in time; the iterator stays usable
   * @throws TaskFailedException if the task for this position failed (iteration may continue)
   * @throws InputFailedException if the input threw at this position
   * @throws NoSuchElementException if there is no next result
   */
  R next(Duration timeout) throws TimeoutException;

  /**
   * Returns the remaining results as a sequential {@link Stream}; closing the stream closes this
   * iterator.
   *
   * @return a stream of the remaining results
   */
  Stream<R> stream();

  /** Cancels outstanding work and stops reading the input. Idempotent. */
  @Override
  void close();
}
