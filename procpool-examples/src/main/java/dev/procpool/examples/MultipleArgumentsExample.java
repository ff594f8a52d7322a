package dev.procpool.examples;

import dev.procpool.Pool;
import java.io.Serializable;
import java.util.List;

/**
 * The article's "pool.map(func, iterable, chunksize=None)" block: a one-argument wrapper {@code h}
 * around the two-argument {@code g}, with a record where Python uses a dict.
 *
 * <pre>{@code
 * def h(args):
 *   a = args['a']
 *   b = args['b']
 *   return g(a, b)
 *
 * with Pool(processes=2) as pool:
 *   # set proper chunksize for better performance
 *   ret = pool.map(h, [{'a':1, 'b':2}, {'a':3, 'b':4}], chunksize=1)
 *   print(ret)
 * }</pre>
 *
 * <p>{@link Pool#starmap} (see {@link StarmapExample}) makes the wrapper unnecessary.
 */
public final class MultipleArgumentsExample {
  private MultipleArgumentsExample() {}

  /** The arguments of {@code g}; items travel to the workers, so they are serializable. */
  public record GArgs(int a, int b) implements Serializable {}

  /** Unpacks the record and calls {@code g}. */
  public static int h(GArgs args) {
    return Utils.g(args.a(), args.b());
  }

  public static void main(String[] args) {
    try (Pool pool = Pool.threads(2)) {
      run(pool);
    }
  }

  public static List<Integer> run(Pool pool) {
    System.out.println("--- pool.map(h, [{'a':1, 'b':2}, {'a':3, 'b':4}], chunksize=1)");
    List<Integer> ret = pool.map(
        MultipleArgumentsExample::h,
        List.of(new GArgs(1, 2), new GArgs(3, 4)),
        1); // chunksize=1
    System.out.println(ret); // [3, 7]
    return ret;
  }
}
