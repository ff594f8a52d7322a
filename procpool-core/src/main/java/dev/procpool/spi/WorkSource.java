package dev.procpool.spi;

/**
 * The engine as a backend sees it: where a backend enrols each of its workers. Everything a worker does
 * then goes through its {@link WorkerLink}: it takes chunks there and reports there what happened (facts:
 * started, results, failures, hand-backs, its end). What the facts mean for the items (re-run, isolate,
 * fail, retry) and for the worker (replace it, when, or give up on the pool) is decided by the engine and
 * handed back as a {@link Verdict}, so that every backend fails the same way.
 *
 * <p>Thread-safe.
 */
public interface WorkSource {

  /**
   * Enrols a worker that is starting. Call it before the worker's start begins (before a process is
   * launched, a thread started), so that a failed start can be judged and the start-up time measured.
   *
   * @param control how the engine stops the worker when it stops answering
   * @return the worker's link to the engine, for its whole life
   * @throws NullPointerException if {@code control} is null
   */
  WorkerLink enrol(WorkerControl control);

  /**
   * Tells whether no chunk will ever come again: the pool is shut down and every call has finished, or
   * it is terminated or broken. Workers still starting may then be stopped instead of made ready.
   *
   * @return true when the backend's workers may exit
   */
  boolean isFinished();

  /**
   * Reports that the backend has no worker left and cannot start one now (every member of a cluster has
   * left, say). Each pending call fails with a {@link dev.procpool.NoWorkersException} carrying
   * {@code why}, blaming no item; the pool goes on taking calls, which run once a worker enrols.
   *
   * @param why what happened to the workers and what to do, for the exception message
   */
  void noWorkers(String why);
}
