package dev.procpool;

/**
 * The pool's backend lost every worker and cannot start one now (every member of a cluster has left, for
 * example), so the calls that were pending fail with this exception rather than wait. It blames no item:
 * the work may be submitted again: the pool goes on taking calls, which run once a worker is back.
 */
public class NoWorkersException extends PoolException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened to the workers and what to do
   */
  public NoWorkersException(String message) {
    super(message, null);
  }
}
