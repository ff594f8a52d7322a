package dev.procpool.process;

import dev.procpool.Pool;

/**
 * A program that never shuts its pool down and returns from main while a long task runs: the pool must
 * not keep the JVM alive. Argument: threads or processes.
 */
public final class NeverShutDownMain {
  private NeverShutDownMain() {}

  public static void main(String[] args) throws Exception {
    Pool pool = args[0].equals("threads") ? Pool.threads(1) : Pool.processes(1);
    System.out.println("ready " + pool.apply(() -> 1));
    pool.submit(() -> {
      Thread.sleep(60_000);
      return null;
    });
  }
}
