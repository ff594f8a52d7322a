package dev.procpool.spi;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where {@link dev.procpool.WorkerLocal} keeps its states. A worker JVM (a process, or a cluster member
 * whose pool runs on one thread) is one worker and uses the JVM-wide scope; a backend whose workers are
 * threads of a shared JVM gives each worker thread a scope of its own for its life:
 *
 * <pre>{@code
 * WorkerScope.enterThreadScope();
 * try {
 *   // run the initializer, then chunks
 * } finally {
 *   WorkerScope.exitThreadScope(); // closes the states that are AutoCloseable
 * }
 * }</pre>
 *
 * <p>Thread-safe: every method acts on the calling thread's scope, or on the JVM's, which is a
 * concurrent map.
 */
public final class WorkerScope {
  private static final Map<String, Object> JVM = new ConcurrentHashMap<>();
  private static final ThreadLocal<Map<String, Object>> THREAD = new ThreadLocal<>();

  private WorkerScope() {}

  /**
   * Returns the calling worker's scope.
   *
   * @return the thread's scope inside a thread worker, the JVM's otherwise
   */
  public static Map<String, Object> current() {
    Map<String, Object> scope = THREAD.get();
    return scope != null ? scope : JVM;
  }

  /** Gives the calling thread a scope of its own, for a backend whose worker is this thread. */
  public static void enterThreadScope() {
    THREAD.set(new ConcurrentHashMap<>());
  }

  /**
   * Ends the calling thread's scope, closing the states in it that are {@link AutoCloseable} (a failure
   * to close is logged, not thrown).
   */
  public static void exitThreadScope() {
    Map<String, Object> scope = THREAD.get();
    THREAD.remove();
    if (scope != null) {
      closeAll(scope);
    }
  }

  private static void closeAll(Map<String, Object> scope) {
    for (Object state : scope.values()) {
      if (state instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          System.getLogger("dev.procpool").log(Level.WARNING, "closing a WorkerLocal state failed", e);
        }
      }
    }
    scope.clear();
  }
}
