package dev.procpool.progress;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Asks the terminal how wide it is with {@code stty size}, as JLine's exec provider does: the JDK has
 * no call for it, and the native calls a terminal library would make need
 * {@code --enable-native-access} from JDK 24 on, or print warnings.
 */
final class TerminalWidth {
  /** Used when the terminal does not say: the width every terminal has had since the VT100. */
  static final int FALLBACK = 80;

  private TerminalWidth() {}

  /** Returns the number of columns of the terminal standard error shows, or -1 if it cannot be told. */
  static int query() {
    // On Linux, the terminal of file descriptor 2 itself; elsewhere the process's controlling terminal.
    File tty = new File("/proc/self/fd/2");
    if (!tty.exists()) {
      tty = new File("/dev/tty");
    }
    Process p = null;
    try {
      p = new ProcessBuilder("stty", "size")
          .redirectInput(ProcessBuilder.Redirect.from(tty))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      // Its few bytes of output fit the pipe's buffer: wait first, so that a stuck stty cannot hold us.
      if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return fromEnvironment();
      }
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim();
      }
      String[] rowsCols = out.split("\\s+");
      int cols = rowsCols.length == 2 ? Integer.parseInt(rowsCols[1]) : 0;
      return cols > 0 ? cols : fromEnvironment();
    } catch (IOException | NumberFormatException e) {
      return fromEnvironment(); // no stty (Windows), no terminal to open
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fromEnvironment();
    } finally {
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  private static int fromEnvironment() {
    try {
      String columns = System.getenv("COLUMNS");
      int cols = columns == null ? -1 : Integer.parseInt(columns.trim());
      return cols > 0 ? cols : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
