package dev.procpool.internal;

import dev.procpool.PoolStats;
import dev.procpool.WorkerStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/** Adds up what the engine learns about each worker into {@link PoolStats}. */
final class StatsRecorder {
  private final long startNanos = System.nanoTime();
  private final ConcurrentSkipListMap<Integer, Row> rows = new ConcurrentSkipListMap<>();

  private static final class Row {
    final int id;
    long readyAt;
    long startupNanos;
    long endedAt = -1;
    WorkerStats.Restart end;
    long tasks;
    long busyNanos;
    long bytesIn;
    long bytesOut;

    Row(int id, long now) {
      this.id = id;
      this.readyAt = now;
    }
  }

  /** The worker became ready, {@code startupNanos} after it was enrolled. */
  void started(int workerId, long startupNanos) {
    long now = System.nanoTime();
    Row row = row(workerId, now);
    synchronized (row) {
      row.readyAt = now;
      row.startupNanos = startupNanos;
    }
  }

  /** The worker ended; the first cause recorded stands. */
  void ended(int workerId, WorkerStats.Restart cause) {
    long now = System.nanoTime();
    Row row = row(workerId, now);
    synchronized (row) {
      if (row.end == null) {
        row.end = cause;
        row.endedAt = now;
      }
    }
  }

  /** The worker reported outcomes of {@code items} items. */
  void tasks(int workerId, int items) {
    Row row = row(workerId, System.nanoTime());
    synchronized (row) {
      row.tasks += items;
    }
  }

  void activity(int workerId, long busyNanos, long bytesIn, long bytesOut) {
    Row row = row(workerId, System.nanoTime());
    synchronized (row) {
      row.busyNanos += busyNanos;
      row.bytesIn += bytesIn;
      row.bytesOut += bytesOut;
    }
  }

  /** The worker's row; a worker first heard of now counts as ready now. */
  private Row row(int workerId, long now) {
    return rows.computeIfAbsent(workerId, id -> new Row(id, now));
  }

  PoolStats snapshot() {
    long now = System.nanoTime();
    List<WorkerStats> out = new ArrayList<>(rows.size());
    for (Row row : rows.values()) {
      synchronized (row) {
        long until = row.endedAt >= 0 ? row.endedAt : now;
        long idle = Math.max(0, until - row.readyAt - row.busyNanos);
        out.add(new WorkerStats(row.id, row.end == null, row.tasks, Duration.ofNanos(row.busyNanos),
            Duration.ofNanos(idle), Duration.ofNanos(row.startupNanos), row.bytesIn, row.bytesOut, row.end));
      }
    }
    return new PoolStats(out, Duration.ofNanos(now - startNanos));
  }
}
