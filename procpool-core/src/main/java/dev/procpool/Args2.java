package dev.procpool;

import java.io.Serializable;

/**
 * An immutable pair of arguments for {@link Pool#starmap(Fn2, Iterable)}; build one with
 * {@link Args#of(Object, Object)}.
 *
 * @param first the first argument, may be null
 * @param second the second argument, may be null
 * @param <A> the first type
 * @param <B> the second type
 * @serial exclude
 */
public record Args2<A, B>(A first, B second) implements Serializable {
  @Override
  public String toString() {
    return "(" + first + ", " + second + ")";
  }
}
