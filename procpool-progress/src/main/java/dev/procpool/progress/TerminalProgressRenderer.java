package dev.procpool.progress;

import dev.procpool.CallProgress;
import dev.procpool.PoolListener;
import dev.procpool.spi.ProgressRenderer;
import java.io.PrintStream;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Draws one progress bar per call on standard error with the {@code me.tongfei:progressbar} library:
 * done/total (or a count when the total is unknown), rate, elapsed time, ETA and failures so far. On a
 * terminal the bar is redrawn in place; elsewhere (asked for with {@code Progress.ALWAYS}) it is
 * printed as plain lines about once a second, so logs stay readable.
 *
 * <p>Found by {@link java.util.ServiceLoader}; applications do not use this class directly, they put
 * the module on the class path and call {@code Pool.builder().progress(Progress.AUTO)}. Thread-safe.
 */
public final class TerminalProgressRenderer implements ProgressRenderer {
  private static final int PLAIN_WIDTH = 100;

  /** Creates the renderer; called by {@link java.util.ServiceLoader}. */
  public TerminalProgressRenderer() {}

  @Override
  public PoolListener open(CallProgress call, boolean terminal) {
    PrintStream err = System.err;
    ProgressBarConsumer consumer = terminal
        ? new InteractiveConsoleProgressBarConsumer(err)
        : new DelegatingProgressBarConsumer(err::println, PLAIN_WIDTH);
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName(call.operation())
        .setInitialMax(call.total())
        .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(terminal ? 100 : 1000)
        .setUnit(" items", 1)
        .showSpeed()
        .setConsumer(consumer)
        .build();
    return new BarListener(bar);
  }

  /** Keeps one bar in step with its call. */
  private static final class BarListener implements PoolListener {
    private final ProgressBar bar;
    private long shownFailures;
    private boolean closed;

    BarListener(ProgressBar bar) {
      this.bar = bar;
    }

    @Override
    public synchronized void progressed(CallProgress call) {
      if (!closed) { // a report may trail the end of the call
        update(call);
      }
    }

    @Override
    public synchronized void callFinished(CallProgress call) {
      if (!closed) {
        closed = true;
        update(call);
        bar.close();
      }
    }

    private void update(CallProgress call) {
      long total = call.total();
      if (total >= 0 && bar.getMax() != total) {
        bar.maxHint(total);
      }
      long failed = call.failed();
      if (failed != shownFailures) {
        shownFailures = failed;
        bar.setExtraMessage(" failed: " + failed);
      }
      bar.stepTo(call.done());
    }
  }
}
