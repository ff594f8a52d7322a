package dev.procpool.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Tells whether standard error is a terminal, which the JDK does not (System.console() is about stdin and stdout). */
final class Terminal {
  private Terminal() {}

  static boolean stderrIsTerminal() {
    try {
      Path fd = Paths.get("/proc/self/fd/2");
      if (Files.isSymbolicLink(fd)) {
        String target = Files.readSymbolicLink(fd).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      }
    } catch (Exception e) {
      // not Linux, or not allowed: fall through
    }
    String term = System.getenv("TERM");
    return System.console() != null && term != null && !term.equals("dumb") && Runtime.version().feature() < 22;
  }
}
