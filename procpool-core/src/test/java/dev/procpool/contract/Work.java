package dev.procpool.contract;

import dev.procpool.Task;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/** Serializable work for the contract suite, kept out of the test class so lambdas capture nothing else. */
public final class Work {
  private Work() {}

  /** Times the initializer ran, per worker (process id and thread), in the JVM that runs the worker. */
  public static final Map<String, Integer> INITS = new ConcurrentHashMap<>();

  /** The initializer of {@link PoolContract#initializerRunsOncePerWorkerBeforeItsFirstTask}. */
  public static Task<Void> countingInitializer() {
    return () -> {
      INITS.merge(Probe.worker(), 1, Integer::sum);
      return null;
    };
  }

  /** Counts an initializer run in {@link #INITS}, returning nothing (an {@code Action}'s body). */
  public static void countInit() {
    INITS.merge(Probe.worker(), 1, Integer::sum);
  }

  /** A Callable that is a class, not a lambda, for the ExecutorService overloads. */
  public record Square(int x) implements Callable<Integer>, Serializable {
    @Override
    public Integer call() {
      return x * x;
    }
  }

  /** A Callable that fails. */
  public record Fail(String message) implements Callable<Integer>, Serializable {
    @Override
    public Integer call() {
      throw new IllegalStateException(message);
    }
  }

  /** A Runnable that marks a file when it runs. */
  public record MarkRunnable(String dir, String name) implements Runnable, Serializable {
    @Override
    public void run() {
      Probe.mark(dir, name);
    }
  }

  /** A Runnable that marks {@code <gate>-started}, then waits at the gate. */
  public record GateRunnable(String dir, String gate) implements Runnable, Serializable {
    @Override
    public void run() {
      Probe.mark(dir, gate + "-started");
      try {
        Probe.await(dir, gate, java.time.Duration.ofSeconds(20));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
