package dev.procpool.internal;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Stops workers that froze: a worker that holds work with a task timeout and has reported nothing at all
 * for longer than the timeout plus a grace period (see {@link Link#frozen}) cannot be trusted to stop an
 * item itself (a stopped process, a stalled machine, a cut connection), so the engine asks its backend to
 * stop it. It runs only once a call with a task timeout has started.
 */
final class FrozenWorkerWatch {
  private static final System.Logger LOG = System.getLogger("dev.procpool");
  /**
   * The least a worker holding timed work may stay silent beyond its task timeout before it is stopped as
   * frozen: the backend's own timeout (which stops a running item at its timeout) comes first by far.
   */
  static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long PERIOD_MILLIS = 100;

  private final Set<Link> links;
  private final String poolName;
  // guarded by this
  private ScheduledThreadPoolExecutor timer;
  private boolean stopped;

  FrozenWorkerWatch(Set<Link> links, String poolName) {
    this.links = links;
    this.poolName = poolName;
  }

  /** Starts watching, once. */
  synchronized void start() {
    if (timer != null || stopped) {
      return;
    }
    timer = new ScheduledThreadPoolExecutor(1, Engine.daemonThreads(poolName + "-watch"));
    timer.scheduleWithFixedDelay(this::stopFrozen, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Stops watching for good: the pool is done, terminated or broken. */
  synchronized void stop() {
    stopped = true;
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  private void stopFrozen() {
    long now = System.nanoTime();
    for (Link link : links) {
      String reason = link.frozen(now);
      if (reason != null) {
        LOG.log(Level.INFO, "{0}: {1}; stopping it", poolName, reason);
        try {
          link.control.stop(reason);
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, poolName + ": stopping frozen worker " + link.id() + " failed", e);
        }
      }
    }
  }
}
