package dev.procpool;

/**
 * The root of procpool's unchecked exceptions: catch it to handle every failure the pool itself
 * reports.
 *
 * <ul>
 *   <li>{@link TaskFailedException}: an item's task failed; its subclasses {@link WorkerDiedException}
 *       and {@link TaskTimeoutException} say the worker died or the task ran out of time;
 *   <li>{@link InputFailedException}: the caller's input iterator threw;
 *   <li>{@link WorkerStartException}: a worker could not be started or its initializer failed;
 *   <li>{@link PoolTerminatedException}: the pool was terminated before the work completed;
 *   <li>{@link NoWorkersException}: the backend lost every worker and cannot start one now;
 *   <li>{@link CallStartException}: a call could not start in the caller's JVM.
 * </ul>
 *
 * Misuse of the API is reported with the JDK's own exceptions ({@link IllegalArgumentException},
 * {@link NullPointerException}, {@link IllegalStateException},
 * {@link java.util.concurrent.RejectedExecutionException}).
 */
public abstract class PoolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and what to do
   * @param cause the underlying failure, may be null
   */
  protected PoolException(String message, Throwable cause) {
    super(message, cause);
  }
}
