package dev.procpool.internal.process;

/** Describes how a worker process ended, for loss details and exception messages. */
final class ExitStatus {
  private ExitStatus() {}

  private static final boolean WINDOWS = System.getProperty("os.name", "").startsWith("Windows");

  /**
   * Describes an exit value as {@link Process#exitValue()} reports it: on Unix a process killed by
   * signal n reports 128 + n.
   */
  static String describe(int exitValue) {
    if (!WINDOWS && exitValue > 128 && exitValue < 128 + 65) {
      int signal = exitValue - 128;
      String name = signalName(signal);
      String text = "killed by signal " + signal + (name == null ? "" : " (" + name + ")");
      return signal == 6 ? text + "; a JVM crash leaves an hs_err_pid file in the worker's working directory" : text;
    }
    return switch (exitValue) {
      case Protocol.EXIT_FATAL -> "exited with code " + exitValue + " after a fatal error";
      case Protocol.EXIT_PROTOCOL -> "exited with code " + exitValue + " after a protocol error";
      case Protocol.EXIT_ORPHANED -> "exited with code " + exitValue + " because it lost its connection to the pool";
      default -> "exited with code " + exitValue;
    };
  }

  /** Whether the exit value says the process was killed by a signal rather than exiting on its own. */
  static boolean bySignal(int exitValue) {
    return !WINDOWS && exitValue > 128 && exitValue < 128 + 65;
  }

  private static String signalName(int signal) {
    return switch (signal) {
      case 1 -> "SIGHUP";
      case 2 -> "SIGINT";
      case 3 -> "SIGQUIT";
      case 4 -> "SIGILL";
      case 6 -> "SIGABRT";
      case 7 -> "SIGBUS";
      case 8 -> "SIGFPE";
      case 9 -> "SIGKILL";
      case 11 -> "SIGSEGV";
      case 13 -> "SIGPIPE";
      case 15 -> "SIGTERM";
      default -> null;
    };
  }
}
