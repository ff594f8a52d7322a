package dev.procpool;

import java.io.Serializable;
import java.util.Objects;

/**
 * A function of one argument that a {@link Pool} applies to every item, Python's {@code func} in
 * {@code pool.map(func, iterable)}.
 *
 * <p>It is {@link Serializable} so that a lambda assigned to it can travel to a worker process or a
 * cluster member without a cast, and it may throw checked exceptions: whatever it throws becomes the
 * cause of the {@link TaskFailedException} (or {@link java.util.concurrent.ExecutionException}) the
 * caller sees.
 *
 * <pre>{@code
 * Fn<Integer, Integer> square = x -> x * x;
 * List<Integer> squares = pool.map(square, List.of(1, 2, 3)); // [1, 4, 9]
 * }</pre>
 *
 * <p>Implementations should be stateless or at least safe to call from several workers at once:
 * on the thread backend one instance is shared by every worker thread.
 *
 * @param <T> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface Fn<T, R> extends Serializable {

  /**
   * Returns its argument, typed as a {@code Fn}, so that a method reference can be bound or
   * composed in one expression: {@code Fn<Integer, Integer> square = Fn.of(Utils::f);}.
   *
   * @param fn the function
   * @param <T> the item type
   * @param <R> the result type
   * @return {@code fn}
   * @throws NullPointerException if {@code fn} is null
   */
  static <T, R> Fn<T, R> of(Fn<T, R> fn) {
    return java.util.Objects.requireNonNull(fn, "fn");
  }

  /**
   * Applies this function to one item.
   *
   * @param item the item, possibly {@code null} if the input holds nulls
   * @return the result, may be {@code null}
   * @throws Exception anything; the pool reports it against this item's index
   */
  R apply(T item) throws Exception;

  /**
   * Returns a function that applies this one, then {@code after} to its result.
   *
   * @param after the function to apply to this function's result
   * @param <V> the final result type
   * @return the composed function, serializable when {@code after} is
   * @throws NullPointerException if {@code after} is null
   */
  default <V> Fn<T, V> andThen(Fn<? super R, ? extends V> after) {
    Objects.requireNonNull(after, "after");
    return item -> after.apply(apply(item));
  }
}
