package dev.procpool.internal.process;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads that serve worker processes in the pool's JVM (each worker's control, reader and writer),
 * kept between pools: a new pool's workers take idle ones instead of starting threads, whose start is a
 * good part of a pool's way to its first result when its workers are leased (see {@link WarmWorkers}).
 * A thread takes the name and context class loader of the job it runs and gives them up when the job
 * ends; an idle one ends after a while.
 *
 * <p>Thread-safe.
 */
final class Carriers {
  /** Deep enough for the deserialization of deeply nested results on a reader thread. */
  private static final long STACK_BYTES = 16 << 20;
  private static final String IDLE = "procpool-idle";
  private static final ThreadPoolExecutor THREADS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> {
        // Nothing of the thread that happens to need the first one: no inheritable thread-locals.
        Thread t = new Thread(null, r, IDLE, STACK_BYTES, false);
        t.setDaemon(true);
        return t;
      });

  private Carriers() {}

  /**
   * A job for a carrier thread (made with {@code name}, the thread's name while it runs the job, and
   * {@code loader}, its context class loader meanwhile), which can be interrupted while it runs and only then: an interrupt that
   * comes before it started is delivered when it starts, one that comes after it ended is dropped, so
   * that it never reaches the next job of the same thread.
   */
  static final class Job {
    private final String name;
    private final ClassLoader loader;
    private final Runnable body;
    // guarded by this
    private Thread runner;
    private boolean interrupted;
    private boolean done;

    Job(String name, ClassLoader loader, Runnable body) {
      this.name = name;
      this.loader = loader;
      this.body = body;
    }

    /** Runs the job on an idle carrier thread, or a new one; once. */
    void start() {
      THREADS.execute(this::run);
    }

    /** Interrupts the job's thread if the job has not ended. */
    synchronized void interrupt() {
      if (done) {
        return;
      }
      interrupted = true;
      if (runner != null) {
        runner.interrupt();
      }
    }

    /** Waits until the job has ended; false if it has not within {@code millis}. */
    synchronized boolean await(long millis) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (!done) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        wait(left);
      }
      return true;
    }

    private void run() {
      Thread t = Thread.currentThread();
      t.setName(name);
      t.setContextClassLoader(loader);
      synchronized (this) {
        runner = t;
        if (interrupted) {
          t.interrupt();
        }
      }
      try {
        body.run();
      } finally {
        synchronized (this) {
          runner = null;
          done = true;
          notifyAll();
        }
        Thread.interrupted(); // no interrupt can come any more: what is left was meant for this job
        t.setContextClassLoader(null);
        t.setName(IDLE);
      }
    }
  }

  /**
   * Runs {@code body} on an idle carrier thread, or a new one.
   *
   * @param name the thread's name while it runs the job
   * @param loader its context class loader meanwhile
   */
  static Job start(String name, ClassLoader loader, Runnable body) {
    Job job = new Job(name, loader, body);
    job.start();
    return job;
  }
}
