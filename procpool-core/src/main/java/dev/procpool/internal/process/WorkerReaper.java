package dev.procpool.internal.process;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Kills worker processes, with whatever they started, and makes sure none outlives a JVM that exits
 * without closing its pools. (A JVM killed outright cannot run hooks; its workers notice on their own,
 * see {@link WorkerMain}.)
 */
final class WorkerReaper {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final Set<PrivateDirectory> DIRECTORIES = ConcurrentHashMap.newKeySet();
  private static volatile boolean hooked;

  private WorkerReaper() {}

  static void register(Process process) {
    hook();
    LIVE.add(process);
  }

  static void unregister(Process process) {
    LIVE.remove(process);
  }

  static void register(PrivateDirectory dir) {
    hook();
    DIRECTORIES.add(dir);
  }

  static void unregister(PrivateDirectory dir) {
    DIRECTORIES.remove(dir);
  }

  /** Kills the process and its descendants (a task may have started processes of its own). */
  static void kill(Process process) {
    try {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
    } catch (RuntimeException e) {
      // listing processes can fail on exotic systems; the worker itself still dies
    }
    process.destroyForcibly();
  }

  /** Waits up to {@code millis} for the process to exit; true if it has. Keeps an interrupt for the caller. */
  static boolean awaitExit(Process process, long millis) {
    try {
      return process.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  private static void hook() {
    if (hooked) {
      return;
    }
    synchronized (WorkerReaper.class) {
      if (hooked) {
        return;
      }
      try {
        Runtime.getRuntime().addShutdownHook(new Thread(WorkerReaper::killAll, "procpool-reaper"));
      } catch (IllegalStateException e) {
        // the JVM is already shutting down
      }
      hooked = true;
    }
  }

  private static void killAll() {
    for (Process p : LIVE) {
      kill(p);
    }
    for (PrivateDirectory dir : DIRECTORIES) {
      dir.delete();
    }
  }
}
