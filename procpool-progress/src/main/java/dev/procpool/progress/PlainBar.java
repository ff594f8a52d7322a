package dev.procpool.progress;

import dev.procpool.CallProgress;
import dev.procpool.PoolListener;
import java.util.concurrent.ScheduledFuture;

/**
 * A bar for standard error that is not a terminal (asked for with {@code Progress.ALWAYS}): a plain
 * line about once a second while the figures move, and the final state once, so that a log file
 * reads well. Thread-safe.
 */
final class PlainBar implements PoolListener {
  private static final long EVERY_MILLIS = 1000;
  /** Wide enough for every part of the line; a file has no width. */
  private static final int WIDTH = 120;
  private static final BarFormat FORMAT = new BarFormat(false);

  private ScheduledFuture<?> ticks;
  private long shownDone = -1;
  private long shownFailed = -1;
  private boolean over;

  @Override
  public synchronized void callStarted(CallProgress call) {
    if (!over) {
      ticks = Ticker.every(EVERY_MILLIS, () -> tick(call));
    }
  }

  private synchronized void tick(CallProgress call) {
    long done = call.done();
    long failed = call.failed();
    if (!over && (done != shownDone || failed != shownFailed)) {
      shownDone = done;
      shownFailed = failed;
      System.err.println(FORMAT.line(call, false, WIDTH));
    }
  }

  @Override
  public synchronized void callFinished(CallProgress call) {
    if (!over) {
      over = true;
      if (ticks != null) {
        ticks.cancel(false);
      }
      System.err.println(FORMAT.line(call, true, WIDTH));
    }
  }
}
