package dev.procpool.process;

import dev.procpool.CallStartException;
import dev.procpool.Pool;
import dev.procpool.Progress;
import java.util.List;

/**
 * Runs with a class path whose META-INF/services names a progress renderer that does not exist (a
 * library half on the class path): the call that wants a bar fails alone, the pool goes on and closes.
 * Argument: threads or processes.
 */
public final class MissingProviderMain {
  private MissingProviderMain() {}

  public static void main(String[] args) {
    try (Pool pool = args[0].equals("threads") ? Pool.threads(1) : Pool.processes(1)) {
      try {
        pool.withProgress(Progress.ALWAYS).map(x -> x, List.of(1, 2, 3));
        System.out.println("no failure");
      } catch (CallStartException e) {
        System.out.println("refused: " + e.getMessage() + " / cause: " + e.getCause().getClass().getName());
      }
      System.out.println("then: " + pool.map(x -> x * 2, List.of(1, 2, 3)));
    }
    System.out.println("closed");
  }
}
