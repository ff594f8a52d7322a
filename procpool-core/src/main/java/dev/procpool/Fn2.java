package dev.procpool;

import java.io.Serializable;
import java.util.Objects;

/**
 * A function of two arguments, for {@link Pool#starmap(Fn2, Iterable)} and for binding one argument
 * the way Python's {@code functools.partial} does.
 *
 * <p>Binding is positional and typed, so Python's pitfall of binding a parameter that the pool then
 * fills a second time ({@code pool.map(partial(sub, a=2), range(3))} fails with "got multiple values
 * for argument 'a'") cannot be written: {@link #bindFirst} leaves the second parameter free and
 * {@link #bindSecond} leaves the first one free; the item always goes to the parameter left free.
 *
 * <pre>{@code
 * Fn2<Integer, Integer, Integer> g = (a, b) -> a + b;
 * pool.map(g.bindFirst(2), List.of(0, 1, 2));   // partial(g, 2)   -> [2, 3, 4]
 * pool.map(g.bindSecond(3), List.of(0, 1, 2));  // partial(g, b=3) -> [3, 4, 5]
 * }</pre>
 *
 * @param <A> the first argument type
 * @param <B> the second argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface Fn2<A, B, R> extends Serializable {

  /**
   * Returns its argument, typed as a {@code Fn2}, so that a method reference can be bound or
   * composed in one expression: {@code Fn2.of(Utils::g).bindFirst(2)   // partial(g, 2)}.
   *
   * @param fn the function
   * @param <A> an argument type
   * @param <B> an argument type
   * @param <R> the result type
   * @return {@code fn}
   * @throws NullPointerException if {@code fn} is null
   */
  static <A, B, R> Fn2<A, B, R> of(Fn2<A, B, R> fn) {
    return java.util.Objects.requireNonNull(fn, "fn");
  }

  /**
   * Applies this function.
   *
   * @param a the first argument
   * @param b the second argument
   * @return the result, may be {@code null}
   * @throws Exception anything; the pool reports it against the item's index
   */
  R apply(A a, B b) throws Exception;

  /**
   * Fixes the first argument, like {@code functools.partial(f, a)}.
   *
   * @param a the value of the first argument, captured and shipped with the function
   * @return a function of the second argument
   */
  default Fn<B, R> bindFirst(A a) {
    return b -> apply(a, b);
  }

  /**
   * Fixes the second argument, like {@code functools.partial(f, b=value)}.
   *
   * @param b the value of the second argument, captured and shipped with the function
   * @return a function of the first argument
   */
  default Fn<A, R> bindSecond(B b) {
    return a -> apply(a, b);
  }

  /**
   * Returns a function taking both arguments as one {@link Args2} tuple, which is what
   * {@link Pool#map} hands out when the items are tuples.
   *
   * @return the same function over tuples
   */
  default Fn<Args2<A, B>, R> tupled() {
    return args -> apply(args.first(), args.second());
  }

  /**
   * Returns a function that applies this one, then {@code after} to its result.
   *
   * @param after the function to apply to this function's result
   * @param <V> the final result type
   * @return the composed function
   * @throws NullPointerException if {@code after} is null
   */
  default <V> Fn2<A, B, V> andThen(Fn<? super R, ? extends V> after) {
    Objects.requireNonNull(after, "after");
    return (a, b) -> after.apply(apply(a, b));
  }
}
