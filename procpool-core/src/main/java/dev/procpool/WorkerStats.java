package dev.procpool;

import java.time.Duration;

/**
 * What one worker has done, part of {@link PoolStats}. A worker that was replaced (crash, timeout,
 * recycling) keeps its row, with {@link #alive()} false, so that the figures add up.
 *
 * @param id the worker's id within the pool (a replacement gets a new id)
 * @param alive whether the worker still runs
 * @param tasks items it ran
 * @param busy time it spent running items
 * @param idle time it was ready but had no item to run
 * @param startup time it took to become ready (process start, connection, initializer)
 * @param bytesIn bytes it received (0 for threads)
 * @param bytesOut bytes it sent back (0 for threads)
 * @param end how it ended, or null while alive
 */
public record WorkerStats(
    int id, boolean alive, long tasks, Duration busy, Duration idle, Duration startup, long bytesIn,
    long bytesOut, Restart end) {

  /** Why a worker was replaced or left. */
  public enum Restart {
    /** It died: killed, exited, crashed, or its channel broke. */
    CRASH,
    /** A task ran past its timeout and the worker was stopped. */
    TIMEOUT,
    /** It reached the tasks-per-worker limit. */
    RECYCLING,
    /** It exited because the pool shut down (not a restart). */
    SHUTDOWN
  }
}
