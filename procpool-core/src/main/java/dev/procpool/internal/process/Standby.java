package dev.procpool.internal.process;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A thread of a worker JVM started before it has anything to do, so that the start of a thread is not
 * on the way to a lease's first task: a parked worker starts the next lease's threads while it waits
 * for the next pool. It has run nothing but this class when it gets its work, so it carries nothing of
 * an earlier lease (no thread-locals, no interrupt status of a task's).
 *
 * <p>Thread-safe; {@link #run} is called once.
 */
final class Standby {
  private final BlockingQueue<Runnable> work = new ArrayBlockingQueue<>(1);
  private final Thread thread;

  Standby(String name, boolean daemon) {
    // Nothing inherited from the thread that starts it, which may be an earlier lease's: no inheritable
    // thread-locals, and the system class loader as context class loader, not that lease's.
    thread = new Thread(null, this::await, name, 0, false);
    thread.setContextClassLoader(Standby.class.getClassLoader());
    thread.setDaemon(daemon);
    thread.start();
  }

  Thread thread() {
    return thread;
  }

  /** Runs {@code r} on the thread; it ends after. */
  void run(Runnable r) {
    work.add(r);
  }

  private void await() {
    Runnable r = null;
    while (r == null) {
      try {
        r = work.take();
      } catch (InterruptedException e) {
        // not aimed at work that has not begun
      }
    }
    Thread.interrupted(); // likewise
    r.run();
  }
}
