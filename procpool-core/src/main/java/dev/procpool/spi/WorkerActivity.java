package dev.procpool.spi;

/**
 * What a worker did since its last report, for {@link dev.procpool.Pool#stats()}; a backend reports
 * one through {@link WorkSink#activity} after each chunk (or batch of chunks).
 *
 * @param workerId the worker's id, as in its {@link WorkerEvent}s
 * @param tasks items run
 * @param busyNanos time spent running them
 * @param bytesIn bytes the worker received (0 where nothing is serialized)
 * @param bytesOut bytes the worker sent back (0 where nothing is serialized)
 */
public record WorkerActivity(int workerId, int tasks, long busyNanos, long bytesIn, long bytesOut) {}
