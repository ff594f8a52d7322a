package dev.procpool.process;

import dev.procpool.Task;

/**
 * A class that holds no state a lease could leave behind (no static initializer, no static field but a
 * constant), so that a leased worker may keep it loaded from one pool to the next.
 */
final class StatelessTasks {
  private static final String SEPARATOR = " ";

  private StatelessTasks() {}

  /** In the worker: "pid identity-of-this-class name-of-its-loader". */
  static Task<String> identity() {
    return () -> ProcessHandle.current().pid() + SEPARATOR + System.identityHashCode(StatelessTasks.class) + SEPARATOR
        + StatelessTasks.class.getClassLoader().getName();
  }
}
