package dev.procpool.internal;

import dev.procpool.PoolListener;
import dev.procpool.Progress;
import java.time.Duration;

/**
 * The engine's share of a pool's configuration.
 *
 * @param poolName for thread names and log lines
 * @param readAheadChunks how many chunks an imap call may read ahead of its consumer
 * @param readAheadItems how many items an imap call may read ahead however small its chunks, 0 for no floor
 * @param retries how many more times an isolated item whose worker died is run
 * @param maxTasksPerWorker items after which a worker is replaced (counted as they are handed out), 0 for never
 * @param taskTimeout the default per-item timeout, or null
 * @param listener the pool's listener, or null
 * @param progress whether calls show a progress bar unless a call says otherwise
 */
public record EngineSettings(
    String poolName,
    int readAheadChunks,
    int readAheadItems,
    int retries,
    int maxTasksPerWorker,
    Duration taskTimeout,
    PoolListener listener,
    Progress progress) {

  /** Settings without a listener or progress bar, and a read-ahead of exactly {@code readAheadChunks}. */
  public EngineSettings(String poolName, int readAheadChunks, int retries, Duration taskTimeout) {
    this(poolName, readAheadChunks, 0, retries, 0, taskTimeout, null, Progress.OFF);
  }

  /** The most items an imap call reads ahead of its consumer when its chunks hold {@code chunksize}. */
  long readAheadBound(int chunksize) {
    return Math.max(chunksize, Math.max((long) readAheadChunks * chunksize, readAheadItems));
  }
}
