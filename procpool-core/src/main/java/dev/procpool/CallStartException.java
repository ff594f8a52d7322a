package dev.procpool;

/**
 * A call could not start because something it needs in the caller's JVM failed before any of its items
 * ran: for example a progress bar was asked for and its renderer cannot be loaded (a
 * {@link java.util.ServiceConfigurationError}). Only this call fails, with the failure as its cause; the
 * pool and its other calls go on.
 */
public class CallStartException extends PoolException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do
   * @param cause the failure
   */
  public CallStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
