package dev.procpool.examples;

import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The article mentions the iterator versions of {@code map} without showing them:
 *
 * <pre>{@code
 * with Pool(processes=2) as pool:
 *   for square in pool.imap(f, [1, 2, 3]):            # in input order
 *     print(square)
 *   for square in pool.imap_unordered(f, [1, 2, 3]):  # in the order they complete
 *     print(square)
 * }</pre>
 *
 * <p>{@code imap} and {@code imapUnordered} return a {@link ResultIterator}: results arrive while you
 * iterate, and the pool reads the input only a bounded distance ahead of you, so an infinite input
 * works. (Python's {@code imap}, by default, submits the whole input at once: CPython gh-64192.)
 * Closing the iterator (try-with-resources) cancels the work still outstanding and stops reading the
 * input.
 */
public final class ImapExample {
  private ImapExample() {}

  public static void main(String[] args) {
    try (Pool pool = Pool.threads(2)) {
      run(pool);
    }
  }

  public static List<List<Integer>> run(Pool pool) {
    System.out.println("--- pool.imap(f, [1, 2, 3]) and pool.imap_unordered(f, [1, 2, 3])");

    List<Integer> ordered = new ArrayList<>();
    try (ResultIterator<Integer> squares = pool.imap(Utils::f, List.of(1, 2, 3))) {
      while (squares.hasNext()) {
        ordered.add(squares.next());
      }
    }
    System.out.println("imap:          " + ordered); // [1, 4, 9]

    List<Integer> unordered = new ArrayList<>();
    try (ResultIterator<Integer> squares = pool.imapUnordered(Utils::f, List.of(1, 2, 3))) {
      squares.forEachRemaining(unordered::add);
    }
    unordered.sort(null); // they arrive in completion order; sorted so that the output is stable
    System.out.println("imapUnordered: " + unordered + " (sorted)"); // [1, 4, 9]

    // An infinite input: 1, 2, 3, ... Stop at the first square of 100 or more; leaving the
    // try block closes the iterator, which cancels the rest and stops reading the stream.
    List<Integer> small = new ArrayList<>();
    try (ResultIterator<Integer> squares = pool.imap(Utils::f, Stream.iterate(1, n -> n + 1))) {
      while (squares.hasNext()) {
        int square = squares.next();
        if (square >= 100) {
          break;
        }
        small.add(square);
      }
    }
    System.out.println("imap over 1, 2, 3, ... while below 100: " + small);
    // [1, 4, 9, 16, 25, 36, 49, 64, 81]

    return List.of(ordered, unordered, small);
  }
}
