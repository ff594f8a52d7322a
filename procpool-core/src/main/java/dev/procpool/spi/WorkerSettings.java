package dev.procpool.spi;

import dev.procpool.Task;

/**
 * What every backend must honour about its workers, taken from the {@link dev.procpool.PoolBuilder}.
 *
 * @param poolName a name for threads, processes and log lines, never null
 * @param workers how many workers to run, at least 1
 * @param initializer run once in each worker before its first task, or null
 * @param maxTasksPerWorker replace a worker once it has run this many items (checked at chunk
 *     boundaries), or 0 for never
 */
public record WorkerSettings(String poolName, int workers, Task<?> initializer, int maxTasksPerWorker) {}
