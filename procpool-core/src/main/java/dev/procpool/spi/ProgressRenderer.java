package dev.procpool.spi;

import dev.procpool.CallProgress;
import dev.procpool.PoolListener;

/**
 * Draws progress bars; found with {@link java.util.ServiceLoader} so that {@code procpool-core} needs
 * no terminal library. The {@code procpool-progress} module provides one.
 */
public interface ProgressRenderer {

  /**
   * Opens a bar for one call. The returned listener receives the call's events; the bar must be
   * finished and released on {@link PoolListener#callFinished}.
   *
   * @param call the call's progress
   * @param terminal whether standard error is a terminal (draw in place) or not (print plain lines)
   * @return the listener that draws the bar
   */
  PoolListener open(CallProgress call, boolean terminal);
}
