package dev.procpool.examples;

import dev.procpool.Fn;
import dev.procpool.Fn2;
import dev.procpool.Pool;
import java.util.List;

/**
 * The article's "functools.partial(func, *args, **kwargs)" blocks. {@link Fn2#bindFirst} is
 * {@code partial(g, 2)} and {@link Fn2#bindSecond} is {@code partial(g, b=3)}; each gives back a
 * serializable one-argument {@link Fn} for {@code pool.map}.
 *
 * <pre>{@code
 * from functools import partial
 *
 * with Pool(process=2) as pool:
 *   # bind 2 to the parameter a
 *   func = partial(g, 2)
 *   ret = pool.map(func, range(3))
 *   print(ret)
 *   # print 2, 3, 4
 *
 *   # bind 3 to the parameter b
 *   func = partial(g, b=3)
 *   res = pool.map(func, range(3))
 *   print(ret)
 *   # print 3, 4, 5
 *
 * def sub(a, b):
 *   return a-b
 *
 * with Pool(processes=2) as pool:
 *   func = partial(sub, a=2)
 *   print(pool.map(func, range(3)))
 *   # TypeError: sub() got multiple values for argument 'a'
 * }</pre>
 *
 * <p>Two slips in the article: {@code Pool(process=2)} should be {@code Pool(processes=2)}, and the
 * second block prints {@code ret} (still {@code [2, 3, 4]}) where it means {@code res}. We print the
 * second result, {@code [3, 4, 5]}, as the article's comment intends.
 */
public final class PartialExample {
  private PartialExample() {}

  public static void main(String[] args) {
    try (Pool pool = Pool.threads(2)) {
      run(pool);
    }
  }

  public static List<List<Integer>> run(Pool pool) {
    System.out.println("--- functools.partial");
    List<Integer> range3 = List.of(0, 1, 2); // range(3)

    Fn<Integer, Integer> func = Fn2.of(Utils::g).bindFirst(2); // partial(g, 2): a = 2, the item goes to b
    List<Integer> ret = pool.map(func, range3);
    System.out.println("partial(g, 2):   " + ret); // [2, 3, 4]

    func = Fn2.of(Utils::g).bindSecond(3); // partial(g, b=3): b = 3, the item goes to a
    List<Integer> res = pool.map(func, range3);
    System.out.println("partial(g, b=3): " + res); // [3, 4, 5] (the article prints ret here by mistake)

    // Python's pitfall, partial(sub, a=2), cannot be written here. Python binds a by keyword, then
    // pool.map passes the item positionally, to a again: "got multiple values for argument 'a'".
    // Binding is positional and typed in procpool: bindFirst(2) fixes a and returns a function of b
    // alone, so the item can only go to b: sub(2, 0), sub(2, 1), sub(2, 2).
    List<Integer> diffs = pool.map(Fn2.of(Utils::sub).bindFirst(2), range3);
    System.out.println("partial(sub, a=2) as sub.bindFirst(2): " + diffs); // [2, 1, 0]

    return List.of(ret, res, diffs);
  }
}
