package dev.procpool.internal;

import java.time.Duration;

/**
 * The engine's share of a pool's configuration.
 *
 * @param poolName for thread names and log lines
 * @param readAheadChunks how many chunks an imap call may read ahead of its consumer
 * @param retries how many more times an item whose worker died is run
 * @param taskTimeout the default per-item timeout, or null
 */
public record EngineSettings(String poolName, int readAheadChunks, int retries, Duration taskTimeout) {}
