package dev.procpool.spi;

import java.util.Objects;

/**
 * How a worker that had been ready ended, as its backend saw it; reported once through
 * {@link WorkerLink#gone}. It is a fact, not a decision: what happens to the chunks the worker still held
 * is the engine's to decide.
 *
 * @param kind how the worker ended
 * @param detail a human-readable account (exit code, signal, protocol error, member address), for
 *     exception messages and logs; may be empty, never null
 * @param cause the underlying exception, or null
 */
public record Exit(Kind kind, String detail, Throwable cause) {

  /** How a worker ended. */
  public enum Kind {
    /**
     * It exited because it was asked to: {@link WorkerLink#take()} returned null (the pool is done, or the
     * worker reached its tasks-per-worker limit) and it finished what it held.
     */
    EXITED,
    /**
     * It died without being asked to: killed, crashed, exited on its own, broke the protocol, or its
     * connection or thread failed.
     */
    DIED,
    /**
     * The backend stopped it because one of its items ran past its job's task timeout (reported first
     * with {@link WorkerLink#timedOut}).
     */
    TIMED_OUT,
    /** The backend stopped it because the engine asked, through {@link WorkerControl#stop}. */
    STOPPED,
    /** The pool is being terminated. */
    TERMINATED
  }

  /**
   * Checks the arguments.
   *
   * @param kind how the worker ended
   * @param detail a human-readable account, may be empty
   * @param cause the underlying exception, or null
   * @throws NullPointerException if {@code kind} or {@code detail} is null
   */
  public Exit {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
  }

  /**
   * An exit without an underlying exception.
   *
   * @param kind how the worker ended
   * @param detail a human-readable account, may be empty
   * @return the exit
   */
  public static Exit of(Kind kind, String detail) {
    return new Exit(kind, detail, null);
  }
}
