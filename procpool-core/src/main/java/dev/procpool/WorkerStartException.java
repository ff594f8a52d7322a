package dev.procpool;

/**
 * A worker could not be made ready: its {@linkplain PoolBuilder#initializer initializer} threw, or
 * (for the process backend) the worker JVM could not be started or connected. Unlike Python, which
 * restarts a worker with a failing initializer forever, the pool fails the pending work with this
 * exception and rejects new work: the pool is broken and should be closed.
 */
public class WorkerStartException extends PoolException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do
   * @param cause the initializer's exception or the start failure
   */
  public WorkerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
