package dev.procpool.internal;

import dev.procpool.PoolStats;
import dev.procpool.WorkerStats;
import dev.procpool.spi.WorkerActivity;
import dev.procpool.spi.WorkerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/** Adds up what backends report about their workers into {@link PoolStats}. */
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

  void event(WorkerEvent e) {
    long now = System.nanoTime();
    Row row = row(e.workerId(), now);
    synchronized (row) {
      switch (e.kind()) {
        case STARTED -> {
          row.readyAt = now;
          row.startupNanos = e.startupNanos();
        }
        case DIED -> end(row, now, WorkerStats.Restart.CRASH);
        case TIMED_OUT -> end(row, now, WorkerStats.Restart.TIMEOUT);
        case RECYCLED -> end(row, now, WorkerStats.Restart.RECYCLING);
        case EXITED -> end(row, now, WorkerStats.Restart.SHUTDOWN);
      }
    }
  }

  /** The worker's row; a worker first heard of now counts as ready now. */
  private Row row(int workerId, long now) {
    return rows.computeIfAbsent(workerId, id -> new Row(id, now));
  }

  private static void end(Row row, long now, WorkerStats.Restart cause) {
    if (row.end == null) {
      row.end = cause;
      row.endedAt = now;
    }
  }

  void activity(WorkerActivity a) {
    Row row = row(a.workerId(), System.nanoTime());
    synchronized (row) {
      row.tasks += a.tasks();
      row.busyNanos += a.busyNanos();
      row.bytesIn += a.bytesIn();
      row.bytesOut += a.bytesOut();
    }
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
