package dev.procpool;

import java.io.Serializable;

/**
 * A function of three arguments, for {@link Pool#starmap(Fn3, Iterable)} and for typed partial
 * application (see {@link Fn2} for why binding here cannot collide with the pool's own argument).
 *
 * <pre>{@code
 * Fn3<Integer, Integer, Integer, Integer> f = (a, b, c) -> a * b + c;
 * pool.starmap(f.bindFirst(10), List.of(Args.of(1, 2), Args.of(3, 4))); // [12, 34]
 * }</pre>
 *
 * @param <A> the first argument type
 * @param <B> the second argument type
 * @param <C> the third argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface Fn3<A, B, C, R> extends Serializable {

  /**
   * Returns its argument, typed as a {@code Fn3}, so that a method reference can be bound or
   * composed in one expression: {@code Fn3.of(Utils::h).bindThird(9)}.
   *
   * @param fn the function
   * @param <A> an argument type
   * @param <B> an argument type
   * @param <C> an argument type
   * @param <R> the result type
   * @return {@code fn}
   * @throws NullPointerException if {@code fn} is null
   */
  static <A, B, C, R> Fn3<A, B, C, R> of(Fn3<A, B, C, R> fn) {
    return java.util.Objects.requireNonNull(fn, "fn");
  }

  /**
   * Applies this function.
   *
   * @param a the first argument
   * @param b the second argument
   * @param c the third argument
   * @return the result, may be {@code null}
   * @throws Exception anything; the pool reports it against the item's index
   */
  R apply(A a, B b, C c) throws Exception;

  /**
   * Fixes the first argument.
   *
   * @param a the value of the first argument
   * @return a function of the second and third arguments
   */
  default Fn2<B, C, R> bindFirst(A a) {
    return (b, c) -> apply(a, b, c);
  }

  /**
   * Fixes the second argument.
   *
   * @param b the value of the second argument
   * @return a function of the first and third arguments
   */
  default Fn2<A, C, R> bindSecond(B b) {
    return (a, c) -> apply(a, b, c);
  }

  /**
   * Fixes the third argument.
   *
   * @param c the value of the third argument
   * @return a function of the first and second arguments
   */
  default Fn2<A, B, R> bindThird(C c) {
    return (a, b) -> apply(a, b, c);
  }

  /**
   * Returns a function taking all three arguments as one {@link Args3} tuple.
   *
   * @return the same function over tuples
   */
  default Fn<Args3<A, B, C>, R> tupled() {
    return args -> apply(args.first(), args.second(), args.third());
  }
}
