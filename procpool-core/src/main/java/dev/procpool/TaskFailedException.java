package dev.procpool;

/**
 * Thrown by a synchronous call ({@link Pool#map}, {@link Pool#apply}, {@link ResultIterator#next()})
 * when the task for one item failed. {@link #getCause()} is the exception the task threw, and
 * {@link #itemIndex()} is the item's position in the input (0 for {@link Pool#apply}).
 *
 * <p>Asynchronous results report the same failure the {@link java.util.concurrent.Future} way: an
 * {@link java.util.concurrent.ExecutionException} whose cause is the task's own exception (or a
 * {@link WorkerDiedException} / {@link TaskTimeoutException} when the pool ended the task).
 */
public class TaskFailedException extends PoolException {
  private static final long serialVersionUID = 1L;

  /** The position of the failed item in the input. */
  private final long itemIndex;

  /**
   * Creates the exception.
   *
   * @param itemIndex the position of the failed item in the input
   * @param cause the task's exception
   */
  public TaskFailedException(long itemIndex, Throwable cause) {
    this(itemIndex, "task for item " + itemIndex + " failed: " + cause, cause);
  }

  /**
   * Creates the exception.
   *
   * @param itemIndex the position of the failed item in the input
   * @param message the full message
   * @param cause the task's exception, may be null
   */
  protected TaskFailedException(long itemIndex, String message, Throwable cause) {
    super(message, cause);
    this.itemIndex = itemIndex;
  }

  /**
   * Returns the position of the failed item in the input, counted from 0.
   *
   * @return the item index
   */
  public long itemIndex() {
    return itemIndex;
  }
}
