package dev.procpool.internal.process;

import dev.procpool.spi.WorkSource;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every worker of one pool shares, fixed when the pool starts.
 *
 * @param source where the workers take their chunks and report
 * @param poolName the pool's name, for threads and messages
 * @param options how workers are launched and what becomes of their output
 * @param loader the class loader results and exceptions are read with
 * @param secret the pool's secret, which a worker it launched proves it knows
 * @param initializer the pool's initializer, serialized; empty if none
 * @param reusesWorkers whether the pool parks its workers when it is done, and leases parked ones (see
 *     {@link WarmWorkers})
 * @param launcher starts worker JVMs
 * @param timer for the deadlines of starting, exiting and leasing workers
 * @param functions the jobs' functions, serialized once for all workers
 */
record WorkerContext(WorkSource source, String poolName, ProcessOptions options, ClassLoader loader, byte[] secret,
    byte[] initializer, boolean reusesWorkers, WorkerLauncher launcher, ScheduledExecutorService timer,
    FunctionCache functions) {

  String threadName(int workerId, String suffix) {
    return "procpool-" + poolName + "-worker-" + workerId + suffix;
  }
}
