package dev.procpool.spi;

import java.util.Objects;

/**
 * Why a worker could not be made ready; reported once through {@link WorkerLink#startFailed}. The engine
 * decides from it, and from how earlier starts went, whether to start another worker (and when) or to
 * declare the pool broken.
 *
 * @param kind what kind of failure it was
 * @param detail what failed, with what the backend knows (exit status, command, the worker's last output),
 *     for the exception message; never null
 * @param cause the underlying exception (the initializer's, an I/O error), or null
 */
public record StartFailure(Kind kind, String detail, Throwable cause) {

  /** What kind of start failure it was: the engine treats a systematic one differently from an accident. */
  public enum Kind {
    /** The pool's initializer threw (or exited the worker): it would do so in every worker. */
    INITIALIZER,
    /**
     * The worker could not be launched at all, or it exited with an error before it was ready, without
     * being killed: its configuration (java, JVM options, class path) is most likely wrong.
     */
    REFUSED,
    /**
     * The worker was killed, lost its connection, or did not answer in time while it started: an accident
     * (an OOM killer, an operator, a stalled machine) unless it keeps happening.
     */
    CRASHED
  }

  /**
   * Checks the arguments.
   *
   * @param kind what kind of failure it was
   * @param detail what failed, never null
   * @param cause the underlying exception, or null
   * @throws NullPointerException if {@code kind} or {@code detail} is null
   */
  public StartFailure {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
  }
}
