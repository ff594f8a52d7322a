package dev.procpool.internal;

import dev.procpool.TaskFailedException;

/** Turns the engine's record of a failure into what each kind of caller expects to see. */
final class Failures {
  private Failures() {}

  /** The engine's record of an item's failure: pool-made failures as they are, task exceptions wrapped. */
  static RuntimeException record(long index, Throwable error, boolean byPool) {
    if (byPool && error instanceof RuntimeException r) {
      return r;
    }
    return new TaskFailedException(index, error);
  }

  /**
   * What a synchronous call throws: a new TaskFailedException made in the caller's thread (so its
   * stack trace shows the call), or the pool-level exception as it is.
   */
  static RuntimeException forCaller(Throwable recorded) {
    if (recorded.getClass() == TaskFailedException.class) {
      TaskFailedException f = (TaskFailedException) recorded;
      return new TaskFailedException(f.itemIndex(), f.getCause());
    }
    if (recorded instanceof RuntimeException r) {
      return r;
    }
    return new IllegalStateException("unexpected failure record", recorded);
  }

  /** What a Future's ExecutionException carries: the task's own exception, or the pool's. */
  static Throwable forFuture(Throwable recorded) {
    if (recorded.getClass() == TaskFailedException.class) {
      return recorded.getCause();
    }
    return recorded;
  }
}
