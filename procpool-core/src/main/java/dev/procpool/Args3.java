package dev.procpool;

import java.io.Serializable;

/**
 * An immutable triple of arguments for {@link Pool#starmap(Fn3, Iterable)}; build one with
 * {@link Args#of(Object, Object, Object)}.
 *
 * @param first the first argument, may be null
 * @param second the second argument, may be null
 * @param third the third argument, may be null
 * @param <A> the first type
 * @param <B> the second type
 * @param <C> the third type
 * @serial exclude
 */
public record Args3<A, B, C>(A first, B second, C third) implements Serializable {
  @Override
  public String toString() {
    return "(" + first + ", " + second + ", " + third + ")";
  }
}
