package dev.procpool.spi;

/**
 * Something that happened to a worker, reported through {@link WorkSink#workerEvent}.
 *
 * @param workerId the backend's id for the worker (stable for the worker's life, not reused)
 * @param kind what happened
 * @param detail a short human-readable account, may be empty
 * @param startupNanos for {@link Kind#STARTED}: how long the worker took to become ready (process
 *     start, connection, initializer); otherwise 0
 */
public record WorkerEvent(int workerId, Kind kind, String detail, long startupNanos) {

  /**
   * An event without a start-up time.
   *
   * @param workerId the worker's id
   * @param kind what happened
   * @param detail a short account, may be empty
   */
  public WorkerEvent(int workerId, Kind kind, String detail) {
    this(workerId, kind, detail, 0);
  }

  /** What happened. */
  public enum Kind {
    /** The worker is ready for its first task (its initializer has run). */
    STARTED,
    /** The worker reached its tasks-per-worker limit and was replaced. */
    RECYCLED,
    /** The worker died (killed, exited, crashed) and was replaced if the pool still runs. */
    DIED,
    /** The worker was stopped because a task exceeded its timeout. */
    TIMED_OUT,
    /** The worker exited normally because the pool shut down. */
    EXITED
  }
}
