package dev.procpool.examples;

/**
 * The article's {@code utils.py}: the plain functions the examples hand to the pool.
 *
 * <pre>{@code
 * # in file utils.py
 * def f(x):
 *   return x*x
 *
 * def g(a, b):
 *   return a+b
 *
 * def sub(a, b):
 *   return a-b
 * }</pre>
 *
 * <p>Python needs them in an importable module so that worker processes can find them. The Java
 * counterpart is a static method on a small class: a method reference such as {@code Utils::f}
 * assigned to {@link dev.procpool.Fn} is serializable and captures nothing, so it can travel to a
 * worker process just as well as to a worker thread.
 */
public final class Utils {
  private Utils() {}

  /** {@code f(x) = x*x}. */
  public static int f(int x) {
    return x * x;
  }

  /** {@code g(a, b) = a+b}. */
  public static int g(int a, int b) {
    return a + b;
  }

  /** {@code sub(a, b) = a-b}. */
  public static int sub(int a, int b) {
    return a - b;
  }
}
