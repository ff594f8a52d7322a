package dev.procpool.process;

import dev.procpool.Pool;
import dev.procpool.contract.Probe;
import java.time.Duration;

/**
 * A parent JVM for the lifecycle tests: builds a pool of two workers, keeps both busy with a task that
 * marks its process id in {@code args[0]}, then either blocks until it is killed ({@code "block"}) or
 * returns from main without closing the pool ({@code "exit"}).
 */
public final class ParentOfWorkersMain {
  private ParentOfWorkersMain() {}

  public static void main(String[] args) throws Exception {
    String dir = args[0];
    Pool pool = Pool.processes(2);
    for (int i = 0; i < 2; i++) {
      pool.applyAsync(() -> {
        ProcessTests.markPid(dir, "worker");
        return Probe.await(dir, "never", Duration.ofSeconds(60));
      });
    }
    Probe.await(dir, "parent-may-go", Duration.ofSeconds(60));
    if (args[1].equals("block")) {
      Thread.sleep(60_000); // until the test kills this JVM
    }
    // "exit": main returns with the pool open and its workers busy; the JVM exits regardless.
  }
}
