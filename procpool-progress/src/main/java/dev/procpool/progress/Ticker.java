package dev.procpool.progress;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The one daemon thread that redraws bars on time, so that elapsed time moves while an item is slow. */
final class Ticker {
  private static final ScheduledThreadPoolExecutor EXECUTOR = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "procpool-progress");
    t.setDaemon(true);
    return t;
  });

  static {
    EXECUTOR.setRemoveOnCancelPolicy(true);
    EXECUTOR.setKeepAliveTime(1, TimeUnit.SECONDS); // no thread is left once no bar shows
    EXECUTOR.allowCoreThreadTimeOut(true);
  }

  private Ticker() {}

  /** Runs {@code action} every {@code millis} until the returned future is cancelled. */
  static ScheduledFuture<?> every(long millis, Runnable action) {
    Runnable guarded = () -> {
      try {
        action.run();
      } catch (RuntimeException e) {
        // a bar that cannot draw must not stop the others; it tries again on the next tick
      }
    };
    return EXECUTOR.scheduleAtFixedRate(guarded, millis, millis, TimeUnit.MILLISECONDS);
  }
}
