package dev.procpool;

import java.time.Duration;

/**
 * An item's task ran longer than its timeout (see {@link PoolBuilder#taskTimeout(Duration)} and
 * {@link Pool#withTimeout(Duration)}). The pool stopped the task: the process backend kills the worker
 * and starts a fresh one; the thread backend interrupts the thread and replaces it.
 */
public class TaskTimeoutException extends TaskFailedException {
  private static final long serialVersionUID = 1L;

  /** The timeout the task exceeded. */
  private final Duration timeout;

  /**
   * Creates the exception.
   *
   * @param itemIndex the position of the item in the input
   * @param timeout the timeout that was exceeded
   */
  public TaskTimeoutException(long itemIndex, Duration timeout) {
    super(itemIndex, "task for item " + itemIndex + " exceeded its timeout of " + timeout
        + " and was stopped; raise the timeout with Pool.withTimeout(..) or PoolBuilder.taskTimeout(..)", null);
    this.timeout = timeout;
  }

  /**
   * Returns the timeout that the task exceeded.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
