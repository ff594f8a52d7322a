package dev.procpool.examples;

import dev.procpool.Pool;
import java.util.List;

/**
 * The article's "Settings" block: squares with {@code pool.map}.
 *
 * <pre>{@code
 * from utils import *
 * from multiprocessing import Pool
 *
 * with Pool(processes=2) as pool:
 *   pool.map(f, [1,2,3])
 * }</pre>
 *
 * <p>The article does not print the result; we do: {@code [1, 4, 9]}.
 */
public final class SquaresExample {
  private SquaresExample() {}

  public static void main(String[] args) {
    try (Pool pool = Pool.threads(2)) { // with Pool(processes=2) as pool:
      run(pool);
    }
  }

  public static List<Integer> run(Pool pool) {
    System.out.println("--- pool.map(f, [1,2,3])");
    List<Integer> ret = pool.map(Utils::f, List.of(1, 2, 3));
    System.out.println(ret); // [1, 4, 9]
    return ret;
  }
}
