package dev.procpool.internal;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where {@link dev.procpool.WorkerLocal} keeps its objects. A worker JVM (process or cluster member)
 * is one worker, so it uses the JVM-wide scope; a thread backend's worker thread enters a scope of its
 * own for its life. Public only for backends in other packages.
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

  /** Gives the calling thread a scope of its own, for a thread backend's worker. */
  public static void enterThreadScope() {
    THREAD.set(new ConcurrentHashMap<>());
  }

  /** Ends the calling thread's scope, closing what it holds that can be closed. */
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
