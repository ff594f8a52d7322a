package dev.procpool;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A snapshot of where a pool's time went, like mpire's insights; see {@link Pool#stats()}.
 *
 * <pre>{@code
 * pool.map(Images::resize, files);
 * System.out.println(pool.stats());   // a table: one row per worker, then totals and restarts
 * }</pre>
 *
 * <p>Immutable.
 *
 * @param workers one row per worker that ever ran, in id order
 * @param uptime time since the pool started
 */
public record PoolStats(List<WorkerStats> workers, Duration uptime) {

  /**
   * Copies the list.
   *
   * @param workers one row per worker that ever ran, in id order
   * @param uptime time since the pool started
   */
  public PoolStats {
    workers = List.copyOf(workers);
  }

  /**
   * Returns the items run by all workers.
   *
   * @return the total number of tasks
   */
  public long tasks() {
    return workers.stream().mapToLong(WorkerStats::tasks).sum();
  }

  /**
   * Returns how many workers ended for each cause; {@link WorkerStats.Restart#SHUTDOWN} counts
   * normal exits.
   *
   * @return counts by cause, with every cause present
   */
  public Map<WorkerStats.Restart, Integer> restarts() {
    Map<WorkerStats.Restart, Integer> counts = new EnumMap<>(WorkerStats.Restart.class);
    for (WorkerStats.Restart r : WorkerStats.Restart.values()) {
      counts.put(r, 0);
    }
    for (WorkerStats w : workers) {
      if (w.end() != null) {
        counts.merge(w.end(), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Returns a readable table of the figures. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-7s %-10s %9s %10s %10s %9s %10s %10s%n",
        "worker", "state", "tasks", "busy", "idle", "startup", "bytes in", "bytes out"));
    for (WorkerStats w : workers) {
      sb.append(String.format(Locale.ROOT, "%-7d %-10s %9d %10s %10s %9s %10s %10s%n",
          w.id(), w.alive() ? "alive" : w.end().name().toLowerCase(Locale.ROOT), w.tasks(), human(w.busy()),
          human(w.idle()), human(w.startup()), bytes(w.bytesIn()), bytes(w.bytesOut())));
    }
    Duration busy = workers.stream().map(WorkerStats::busy).reduce(Duration.ZERO, Duration::plus);
    Duration idle = workers.stream().map(WorkerStats::idle).reduce(Duration.ZERO, Duration::plus);
    double busyShare = busy.plus(idle).isZero() ? 0 : 100.0 * busy.toNanos() / busy.plus(idle).toNanos();
    sb.append(String.format(Locale.ROOT, "total: %d tasks in %s, workers busy %.0f%% of the time; ended: %s",
        tasks(), human(uptime), busyShare, restarts()));
    return sb.toString();
  }

  private static String human(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  private static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
  }
}
