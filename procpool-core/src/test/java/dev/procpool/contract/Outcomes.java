package dev.procpool.contract;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import dev.procpool.TaskFailedException;
import java.util.ArrayList;
import java.util.List;

/** Runs a call item by item and keeps each item's outcome, result or failure, for tests about faults. */
public final class Outcomes {
  private Outcomes() {}

  /**
   * Runs {@code fn} over the items with {@code imap}, which goes on past a failed item.
   *
   * @return per item, in input order, its result or the TaskFailedException it failed with
   */
  public static <T, R> List<Object> outcomes(Pool pool, Fn<T, R> fn, List<T> items, int chunksize) {
    List<Object> out = new ArrayList<>();
    try (ResultIterator<R> it = pool.imap(fn, items, chunksize)) {
      while (it.hasNext()) {
        try {
          out.add(it.next());
        } catch (TaskFailedException e) {
          out.add(e);
        }
      }
    }
    return out;
  }
}
