package dev.procpool;

/**
 * Stands in for an exception thrown by a task in another JVM (a worker process, a cluster member) that
 * could not travel to this JVM as itself: it, or something it holds, is not serializable, or its class is
 * unknown here. It carries what the original said: its class name, its message, its stack trace where it
 * was thrown and its cause chain (as stand-ins too). It is what {@link TaskFailedException#getCause()}
 * is for such a failure, whatever the backend.
 *
 * <p>{@link #getMessage()} is {@code "<class name>: <message>"}, so logs read like the original's
 * {@code toString()}. Immutable apart from {@link Throwable}'s own state; serializable, so it travels
 * itself.
 */
public final class RemoteTaskException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The class name of the exception thrown in the other JVM. */
  private final String remoteClassName;

  /**
   * Creates a stand-in.
   *
   * @param remoteClassName the binary class name of the original exception
   * @param message the original's message, or null
   * @param trace the original's stack trace, or null for none
   * @param cause the stand-in for the original's cause, or null
   */
  public RemoteTaskException(String remoteClassName, String message, StackTraceElement[] trace, Throwable cause) {
    super(message == null ? remoteClassName : remoteClassName + ": " + message, cause);
    this.remoteClassName = remoteClassName;
    setStackTrace(trace == null ? new StackTraceElement[0] : trace);
  }

  /**
   * Copies an exception and its causes into stand-ins, for a backend that must send it where its class or
   * its fields cannot go.
   *
   * @param error the exception to copy
   * @return the copy, with the class name, message and stack trace of {@code error} and of each cause
   */
  public static RemoteTaskException copyOf(Throwable error) {
    return copyOf(error, 0);
  }

  /** A cause chain can loop (initCause allows it) or be absurdly deep: 64 links are plenty for a reader. */
  private static RemoteTaskException copyOf(Throwable error, int depth) {
    Throwable cause = error.getCause();
    RemoteTaskException copiedCause = cause != null && cause != error && depth < 64 ? copyOf(cause, depth + 1) : null;
    return new RemoteTaskException(error.getClass().getName(), error.getMessage(), error.getStackTrace(), copiedCause);
  }

  /**
   * Returns the class name of the exception that was thrown in the other JVM.
   *
   * @return a binary class name such as {@code com.example.ParseException}
   */
  public String remoteClassName() {
    return remoteClassName;
  }
}
