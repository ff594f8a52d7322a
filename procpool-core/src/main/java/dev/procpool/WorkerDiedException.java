package dev.procpool;

/**
 * The worker running an item's task died (it was killed, called {@code System.exit}, ran out of
 * memory, or its channel broke), and the item was not retried or failed again on every retry.
 *
 * <p>The pool replaces the worker and goes on; only items that were running on a worker that died
 * while running them alone fail with this exception (see the process backend's documentation).
 */
public class WorkerDiedException extends TaskFailedException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param itemIndex the position of the item in the input
   * @param message how the worker died (exit code or signal) and what to do
   * @param cause the underlying failure, may be null
   */
  public WorkerDiedException(long itemIndex, String message, Throwable cause) {
    super(itemIndex, message, cause);
  }
}
