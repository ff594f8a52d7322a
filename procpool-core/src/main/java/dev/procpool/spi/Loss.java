package dev.procpool.spi;

/**
 * Why a backend could not finish a {@link Chunk}: it reports one through {@link WorkSink#lost} for
 * every chunk that was assigned to a worker that is gone. The engine decides what happens to the
 * items that have no outcome yet (re-run, retry or fail).
 *
 * @param kind what happened to the worker
 * @param started whether the worker had begun running the chunk; a chunk still queued on a worker
 *     that died is re-run as it is
 * @param offset the offset of the item that was running when it happened, or -1 if unknown
 * @param detail a human-readable account (exit code, signal, protocol error) for the exception
 *     message
 * @param cause the underlying exception, or null
 */
public record Loss(Kind kind, boolean started, int offset, String detail, Throwable cause) {

  /** What happened to the worker. */
  public enum Kind {
    /** The worker died: killed, exited, crashed, or its channel broke. */
    DIED,
    /** The item at {@link Loss#offset()} exceeded its job's task timeout and the backend stopped it. */
    TIMED_OUT,
    /** The pool is being terminated; the chunk will not be run. */
    TERMINATED
  }
}
