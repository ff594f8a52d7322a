package dev.procpool;

/**
 * The caller's own input ({@link java.util.Iterator}, {@link Iterable} or
 * {@link java.util.stream.Stream}) threw while the pool was reading it. {@link #getCause()} is that
 * exception and {@link #itemIndex()} the position at which the input failed; every item before it
 * was processed, and no item after it is read.
 */
public class InputFailedException extends PoolException {
  private static final long serialVersionUID = 1L;

  /** The position at which reading the input failed. */
  private final long itemIndex;

  /**
   * Creates the exception.
   *
   * @param itemIndex the position at which reading the input failed
   * @param cause what the input threw
   */
  public InputFailedException(long itemIndex, Throwable cause) {
    super("the input threw while reading item " + itemIndex + ": " + cause, cause);
    this.itemIndex = itemIndex;
  }

  /**
   * Returns the position at which reading the input failed.
   *
   * @return the index of the item that could not be read
   */
  public long itemIndex() {
    return itemIndex;
  }
}
