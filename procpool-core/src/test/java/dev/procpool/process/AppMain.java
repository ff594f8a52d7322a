package dev.procpool.process;

import dev.procpool.Pool;
import dev.procpool.PoolBuilder.WorkerOutput;
import java.util.List;

/**
 * An application that uses a process pool, for tests that launch it the ways applications are launched
 * (from a jar, from a class loader as {@code mvn exec:java} does). Prints what its workers computed and
 * what the task printed; {@code args[0]} is the worker output mode.
 */
public final class AppMain {
  private AppMain() {}

  public static void main(String[] args) {
    WorkerOutput output = WorkerOutput.valueOf(args.length > 0 ? args[0] : "FORWARD");
    try (Pool pool = Pool.builder().processes(1).workerOutput(output).name("app").build()) {
      List<Integer> squares = pool.map(x -> {
        System.out.println("hello from the worker, item " + x);
        return x * x;
      }, List.of(1, 2, 3));
      System.out.println("squares " + squares);
    }
  }
}
