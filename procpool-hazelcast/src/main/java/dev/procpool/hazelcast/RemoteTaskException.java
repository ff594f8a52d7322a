package dev.procpool.hazelcast;

/**
 * Stands for an exception thrown on a cluster member that could not travel back as it was: its class
 * is not serializable or not on the caller's classpath. It keeps the original class name, message and
 * stack trace, so the cause of a {@link dev.procpool.TaskFailedException} still says what happened.
 *
 * <pre>{@code
 * try {
 *   pool.map(task, items);
 * } catch (TaskFailedException e) {
 *   if (e.getCause() instanceof RemoteTaskException r) {
 *     log.warn("member threw " + r.remoteClassName(), r);
 *   }
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public class RemoteTaskException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The class name of the exception thrown on the member. */
  private final String remoteClassName;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param cause the local cause, or null
   */
  public RemoteTaskException(String message, Throwable cause) {
    super(message, cause);
    this.remoteClassName = getClass().getName();
  }

  private RemoteTaskException(String remoteClassName, String message, StackTraceElement[] trace,
      RemoteTaskException cause) {
    super(remoteClassName + (message == null ? "" : ": " + message), cause);
    this.remoteClassName = remoteClassName;
    setStackTrace(trace);
  }

  /**
   * Copies {@code error} and its causes into serializable stand-ins.
   *
   * @param error the exception to copy
   * @return the copy, with the class name, message and stack trace of {@code error}
   */
  public static RemoteTaskException copyOf(Throwable error) {
    RemoteTaskException cause = error.getCause() != null && error.getCause() != error ? copyOf(error.getCause()) : null;
    return new RemoteTaskException(error.getClass().getName(), error.getMessage(), error.getStackTrace(), cause);
  }

  /**
   * Returns the class name of the exception thrown on the member.
   *
   * @return a fully qualified class name
   */
  public String remoteClassName() {
    return remoteClassName;
  }
}
