package dev.procpool.internal.process;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A thread of a worker JVM started before it has anything to do, so that the start of a thread is not
 * on the way to a lease's first task: a parked worker starts the next lease's threads while it waits
 * for the next pool. It has run nothing but this class when it gets its work, so it carries nothing of
 * an earlier lease (no thread-locals, no interrupt status of a task's).
 *
 * <p>A {@linkplain #reusable reusable} one runs one piece of work after the other instead, for procpool's own
 * work in every lease (the flusher of {@link TaskRunner}): no application code runs on it, so it needs no
 * fresh thread per lease, whose start cost a parked worker 0.7 to 9 ms of its preparation for the next
 * lease on a busy machine, in ColdStart's warm pools.
 *
 * <p>Thread-safe; {@link #run} is called once, or for a reusable one, once the work before has ended.
 */
final class Standby {
  private final BlockingQueue<Runnable> work = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final boolean reusable;

  Standby(String name, boolean daemon) {
    this(name, daemon, false);
  }

  /** A daemon thread that runs the work it is given one after the other, for as long as the JVM runs. */
  static Standby reusable(String name) {
    return new Standby(name, true, true);
  }

  private Standby(String name, boolean daemon, boolean reusable) {
    this.reusable = reusable;
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

  /** Runs {@code r} on the thread; it ends after, unless it is reusable. */
  void run(Runnable r) {
    work.add(r);
  }

  private void await() {
    do {
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
    } while (reusable);
  }
}
