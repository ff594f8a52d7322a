package dev.procpool.examples;

import dev.procpool.CallProgress;
import dev.procpool.Pool;
import dev.procpool.PoolListener;
import dev.procpool.PoolStats;
import dev.procpool.Progress;
import dev.procpool.WorkerLocal;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What Python users get from mpire and tqdm: per-worker state, a progress bar, a listener and
 * insights. A {@link MessageDigest} is not thread-safe and costs something to create, so each worker
 * builds its own once with {@link WorkerLocal}, not once per task and not in a static field.
 *
 * <p>The bar appears on standard error when it is a terminal (with {@code procpool-progress} on the
 * class path); in a log or a test it stays silent.
 */
public final class InsightsExample {
  private InsightsExample() {}

  public static void main(String[] args) {
    PoolListener milestones = new PoolListener() {
      @Override
      public void callFinished(CallProgress call) {
        System.out.println("listener: " + call.operation() + " finished " + call.done() + "/" + call.total()
            + " items, " + call.failed() + " failed");
      }
    };
    try (Pool pool = Pool.builder().threads(2).listener(milestones).build()) {
      run(pool);
    }
  }

  /** Hashes 2,000 strings with one digest per worker and prints the pool's insights. */
  public static PoolStats run(Pool pool) {
    System.out.println("--- worker state, progress and insights");
    WorkerLocal<MessageDigest> sha256 = WorkerLocal.of(() -> MessageDigest.getInstance("SHA-256"));
    List<String> inputs = IntStream.range(0, 2_000).mapToObj(i -> "document-" + i).collect(Collectors.toList());
    List<String> hashes = pool.withProgress(Progress.AUTO)
        .map(s -> HexFormat.of().formatHex(sha256.get().digest(s.getBytes())).substring(0, 12), inputs, 50);
    System.out.println("sha256(document-0) starts with " + hashes.get(0));
    PoolStats stats = pool.stats();
    System.out.println(stats);
    return stats;
  }
}
