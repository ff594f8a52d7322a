package dev.procpool;

/**
 * Builds the argument tuples for {@link Pool#starmap(Fn2, Iterable)}, Python's {@code (a, b)}.
 *
 * <pre>{@code
 * pool.starmap((a, b) -> a + b, List.of(Args.of(1, 2), Args.of(3, 4))); // [3, 7]
 * }</pre>
 *
 * <p>Tuples are immutable values; they are serializable when their elements are.
 */
public final class Args {
  private Args() {}

  /**
   * Returns the pair {@code (a, b)}.
   *
   * @param a the first element, may be null
   * @param b the second element, may be null
   * @param <A> the first type
   * @param <B> the second type
   * @return the tuple
   */
  public static <A, B> Args2<A, B> of(A a, B b) {
    return new Args2<>(a, b);
  }

  /**
   * Returns the triple {@code (a, b, c)}.
   *
   * @param a the first element, may be null
   * @param b the second element, may be null
   * @param c the third element, may be null
   * @param <A> the first type
   * @param <B> the second type
   * @param <C> the third type
   * @return the tuple
   */
  public static <A, B, C> Args3<A, B, C> of(A a, B b, C c) {
    return new Args3<>(a, b, c);
  }
}
