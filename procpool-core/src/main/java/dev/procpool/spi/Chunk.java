package dev.procpool.spi;

import java.util.List;

/**
 * A run of consecutive items of one {@link Job}, the unit a backend moves to a worker. Chunks are made
 * by the engine (which owns chunk sizes, read-ahead, ordering and retries); a backend only runs the
 * job's function over {@link #items()} in order and reports each outcome by offset.
 *
 * <p>Implementations are supplied by the engine; {@link #items()} must not be modified.
 */
public interface Chunk {

  /**
   * Returns the job this chunk belongs to.
   *
   * @return the job
   */
  Job job();

  /**
   * Returns the position in the caller's input of {@code items().get(0)}.
   *
   * @return the index of the first item
   */
  long firstIndex();

  /**
   * Returns the items, in input order.
   *
   * @return an unmodifiable list of at least one item (items may be null)
   */
  List<?> items();

  /**
   * Returns how many items this chunk holds.
   *
   * @return {@code items().size()}
   */
  default int size() {
    return items().size();
  }
}
