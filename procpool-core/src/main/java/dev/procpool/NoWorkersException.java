package dev.procpool;

/**
 * The pool's backend lost every worker and cannot start one now (every member of a cluster has left, for
 * example), so the calls that were pending fail with this exception rather than wait. It blames no item:
 * the work may be submitted again once workers are back (the pool takes new calls as soon as one
 * enrols).
 */
public class NoWorkersException extends PoolException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what happened to the workers and what to do
   */
  public NoWorkersException(String message) {
    super(message, null);
  }
}
