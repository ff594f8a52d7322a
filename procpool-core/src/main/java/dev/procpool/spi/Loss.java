package dev.procpool.spi;

/**
 * Why a backend could not finish a {@link Chunk}: it reports one through {@link WorkSink#lost} for
 * every chunk that was assigned to a worker that is gone. The engine decides what happens to the
 * items that have no outcome yet (re-run, retry or fail).
 *
 * <p>What the engine does with the open items depends on {@link #start()}: a chunk that never
 * {@linkplain Start#NOT_STARTED started} goes back as it was; of a chunk that {@linkplain Start#STARTED
 * started} on a worker that died, each open item is re-run on its own, so that only the item that kills
 * its worker fails (after the pool's retries); a chunk whose start is {@linkplain Start#UNKNOWN unknown}
 * (a remote worker vanished before saying) goes back whole the first time and counts as started if the
 * same items are lost that way again. A chunk handed back unstarted over and over (a worker that keeps
 * refusing it) fails after {@value #MAX_HAND_BACKS} times rather than circulate forever.
 *
 * @param kind what happened to the worker
 * @param start whether the worker had begun running the chunk
 * @param offset the offset of the item that was running when it happened, or -1 if unknown
 * @param detail a human-readable account (exit code, signal, protocol error) for the exception
 *     message
 * @param cause the underlying exception, or null
 */
public record Loss(Kind kind, Start start, int offset, String detail, Throwable cause) {

  /** How many times in a row the engine re-queues a chunk reported lost unstarted before failing it. */
  public static final int MAX_HAND_BACKS = 100;

  /** What happened to the worker. */
  public enum Kind {
    /** The worker died: killed, exited, crashed, or its channel broke. */
    DIED,
    /** The item at {@link Loss#offset()} exceeded its job's task timeout and the backend stopped it. */
    TIMED_OUT,
    /** The pool is being terminated; the chunk will not be run. */
    TERMINATED
  }

  /** Whether the worker had begun running the chunk when it was lost. */
  public enum Start {
    /** The chunk never began: it was queued on the worker, or handed back. */
    NOT_STARTED,
    /** The chunk was running, so one of its items may be what killed the worker. */
    STARTED,
    /** The backend cannot tell (a remote worker vanished before reporting). */
    UNKNOWN
  }

  /**
   * Creates a loss whose start is known.
   *
   * @param kind what happened to the worker
   * @param started whether the worker had begun running the chunk
   * @param offset the offset of the item that was running, or -1 if unknown
   * @param detail a human-readable account for the exception message
   * @param cause the underlying exception, or null
   */
  public Loss(Kind kind, boolean started, int offset, String detail, Throwable cause) {
    this(kind, started ? Start.STARTED : Start.NOT_STARTED, offset, detail, cause);
  }

  /**
   * Creates a loss, checking the arguments.
   *
   * @param kind what happened to the worker
   * @param start whether the worker had begun running the chunk
   * @param offset the offset of the item that was running, or -1 if unknown
   * @param detail a human-readable account for the exception message
   * @param cause the underlying exception, or null
   * @throws NullPointerException if {@code kind}, {@code start} or {@code detail} is null
   */
  public Loss {
    java.util.Objects.requireNonNull(kind, "kind");
    java.util.Objects.requireNonNull(start, "start");
    java.util.Objects.requireNonNull(detail, "detail");
  }

  /**
   * Tells whether the chunk is known to have started.
   *
   * @return true if {@link #start()} is {@link Start#STARTED}
   */
  public boolean started() {
    return start == Start.STARTED;
  }
}
