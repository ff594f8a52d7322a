package dev.procpool;

/**
 * The pool was {@linkplain Pool#terminate() terminated} before this work completed. Python leaves
 * such calls waiting forever; procpool fails them at once with this exception.
 */
public class PoolTerminatedException extends PoolException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was cut short
   */
  public PoolTerminatedException(String message) {
    super(message, null);
  }
}
