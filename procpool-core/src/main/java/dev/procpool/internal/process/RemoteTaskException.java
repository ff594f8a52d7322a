package dev.procpool.internal.process;

/**
 * Stands in for an exception thrown in a worker process that could not travel to this JVM as itself
 * (it, or something it holds, is not serializable, or its class is unknown here). It carries what
 * the original said: its class name, its message, its stack trace in the worker and its cause chain
 * (as stand-ins too).
 *
 * <p>{@link #getMessage()} is {@code "<class name>: <message>"}, so logs read like the original's
 * {@code toString()}. Instances are immutable apart from {@link Throwable}'s own state.
 */
public final class RemoteTaskException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The class name of the exception thrown in the worker. */
  private final String remoteClassName;

  RemoteTaskException(String remoteClassName, String message, StackTraceElement[] trace, Throwable cause) {
    super(message == null ? remoteClassName : remoteClassName + ": " + message, cause);
    this.remoteClassName = remoteClassName;
    setStackTrace(trace == null ? new StackTraceElement[0] : trace);
  }

  /**
   * Returns the class name of the exception that was thrown in the worker.
   *
   * @return a binary class name such as {@code com.example.ParseException}
   */
  public String remoteClassName() {
    return remoteClassName;
  }
}
