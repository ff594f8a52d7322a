package dev.procpool.process;

import dev.procpool.Pool;

/**
 * A program whose main returns right after shutdown(), with work still pending, as in the failure-model
 * issue: the JVM must finish that work before it exits. Argument: threads or processes.
 */
public final class ShutdownThenReturnMain {
  private ShutdownThenReturnMain() {}

  public static void main(String[] args) {
    Pool pool = args[0].equals("threads") ? Pool.threads(1) : Pool.processes(1);
    pool.submit(() -> {
      Thread.sleep(1000);
      System.out.println("apple");
      return null;
    });
    pool.shutdown();
  }
}
