package dev.procpool.progress;

import dev.procpool.CallProgress;
import dev.procpool.PoolListener;
import dev.procpool.spi.ProgressRenderer;

/**
 * Draws one progress bar per call on standard error: done/total (or a count when the total is
 * unknown), the rate, the elapsed time and the time left, and the failures so far.
 *
 * <p>On a terminal the bar is a live line below the program's output, redrawn in place ten times a
 * second. Text the program writes to {@link System#out} or {@link System#err} meanwhile is printed
 * above it, never overwritten; when a call finishes, its final state stays as an ordinary line, printed
 * before the call returns. Elsewhere (asked for with {@code Progress.ALWAYS}) it prints a plain line
 * about once a second while the figures change, and the final state once.
 *
 * <p>It needs no native access (no warnings, no {@code --enable-native-access} on JDK 24 and later):
 * the terminal's width comes from {@code stty}. Found by {@link java.util.ServiceLoader}; applications
 * do not use this class directly, they put the module on the class path and call
 * {@code Pool.builder().progress(Progress.AUTO)}. Thread-safe.
 */
public final class TerminalProgressRenderer implements ProgressRenderer {

  /** Creates the renderer; called by {@link java.util.ServiceLoader}. */
  public TerminalProgressRenderer() {}

  @Override
  public PoolListener open(CallProgress call, boolean terminal) {
    return terminal ? Screen.get().bar() : new PlainBar();
  }
}
