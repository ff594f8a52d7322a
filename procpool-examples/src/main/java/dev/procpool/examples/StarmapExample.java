package dev.procpool.examples;

import dev.procpool.Args;
import dev.procpool.Pool;
import java.util.List;

/**
 * The article's "pool.starmap(func, iterable, chunksize=None)" block: {@code g(a, b)} over tuples,
 * without a wrapper. {@code Args.of(1, 2)} is Python's {@code (1, 2)}.
 *
 * <pre>{@code
 * with Pool(processes=2) as pool:
 *   ret = pool.starmap(g, [(1, 2), (3, 4)])
 *   print(ret)
 *   # print
 * }</pre>
 *
 * <p>The article leaves the printed value blank; it is {@code [3, 7]}.
 */
public final class StarmapExample {
  private StarmapExample() {}

  public static void main(String[] args) {
    try (Pool pool = Pool.threads(2)) {
      run(pool);
    }
  }

  public static List<Integer> run(Pool pool) {
    System.out.println("--- pool.starmap(g, [(1, 2), (3, 4)])");
    List<Integer> ret = pool.starmap(Utils::g, List.of(Args.of(1, 2), Args.of(3, 4)));
    System.out.println(ret); // [3, 7]
    return ret;
  }
}
