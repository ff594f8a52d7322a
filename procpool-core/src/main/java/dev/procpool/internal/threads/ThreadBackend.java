package dev.procpool.internal.threads;

import dev.procpool.Fn;
import dev.procpool.internal.ArraySlice;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.ItemWatch;
import dev.procpool.spi.Job;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import dev.procpool.spi.WorkerScope;
import dev.procpool.spi.WorkerSettings;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs chunks on daemon threads of this JVM. A thread cannot be killed, so a thread whose item timed out
 * (or that the engine found frozen) is interrupted and abandoned: it exits silently if it ever returns, and
 * a fresh thread takes its place.
 */
public final class ThreadBackend implements Backend {
  private final WorkerSettings settings;
  private final Set<Worker> live = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition exited = lock.newCondition();
  /** Replacements that wait out a back-off delay: the pool is not terminated while one is due. */
  private final Set<Object> pendingStarts = ConcurrentHashMap.newKeySet();
  private volatile boolean terminated;
  private volatile WorkSource source;
  private volatile ScheduledThreadPoolExecutor timer;

  /**
   * Creates the backend; threads start in {@link #start}.
   *
   * @param settings the pool's worker settings
   */
  public ThreadBackend(WorkerSettings settings) {
    this.settings = settings;
  }

  @Override
  public int workers() {
    return settings.workers();
  }

  @Override
  public void start(WorkSource source) {
    this.source = source;
    for (int i = 0; i < settings.workers(); i++) {
      spawn();
    }
  }

  private void spawn() {
    if (terminated) {
      return;
    }
    Worker w = new Worker();
    live.add(w);
    w.thread.start();
  }

  /** Does what the engine decided about a worker that ended. */
  private void follow(Verdict verdict) {
    if (!verdict.replace()) {
      return;
    }
    if (verdict.delayNanos() == 0) {
      spawn();
      return;
    }
    Object due = new Object();
    pendingStarts.add(due);
    try {
      timer().schedule(() -> {
        pendingStarts.remove(due);
        spawn();
        signalExited();
      }, verdict.delayNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      pendingStarts.remove(due); // terminated meanwhile
    }
  }

  @Override
  public void interrupt(Job job) {
    for (Worker w : live) {
      w.interruptIfRunning(job);
    }
  }

  @Override
  public void shutdown() {
    // Workers leave on their own once their link has no more work.
  }

  @Override
  public void terminate() {
    terminated = true;
    for (Worker w : live) {
      w.thread.interrupt();
    }
    ScheduledThreadPoolExecutor t = timer;
    if (t != null) {
      t.shutdownNow();
    }
    pendingStarts.clear();
    signalExited();
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    long nanos = timeoutNanos;
    lock.lock();
    try {
      // No live worker is not enough: a replacement may not be counted yet, and work may still come until
      // the source is finished.
      while (!live.isEmpty() || !pendingStarts.isEmpty() || !(terminated || source == null || source.isFinished())) {
        if (nanos <= 0) {
          return false;
        }
        long slice = Math.min(nanos, TimeUnit.MILLISECONDS.toNanos(50));
        nanos -= slice - exited.awaitNanos(slice);
      }
    } finally {
      lock.unlock();
    }
    ScheduledThreadPoolExecutor t = timer;
    if (t != null) {
      t.shutdown();
    }
    return true;
  }

  private void left(Worker w) {
    live.remove(w);
    signalExited();
  }

  private void signalExited() {
    lock.lock();
    try {
      exited.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      synchronized (this) {
        t = timer;
        if (t == null) {
          t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "procpool-" + settings.poolName() + "-timeouts");
            thread.setDaemon(true);
            return thread;
          });
          t.setRemoveOnCancelPolicy(true);
          timer = t;
          if (terminated) {
            t.shutdownNow();
          }
        }
      }
    }
    return t;
  }

  /** One worker thread: initializer, then chunks until its link has no more work for it. */
  private final class Worker implements Runnable, WorkerControl {
    final Thread thread;
    final WorkerLink link;
    /** Which item runs now, so that interrupts and timeouts hit only that item. */
    private final ItemWatch<Chunk> watch;
    /** Set once this thread is written off (timed out, or stopped as frozen): it reports nothing more. */
    private volatile boolean abandoned;

    Worker() {
      this.link = source.enrol(this);
      this.thread = new Thread(this, "procpool-" + settings.poolName() + "-worker-" + link.id());
      this.thread.setDaemon(true);
      this.watch = new ItemWatch<>(thread);
    }

    @Override
    public void run() {
      WorkerScope.enterThreadScope();
      try {
        if (settings.initializer() != null) {
          try {
            settings.initializer().call();
          } catch (Throwable t) {
            follow(link.startFailed(new StartFailure(StartFailure.Kind.INITIALIZER,
                "the initializer threw in worker " + link.id() + ": " + t, t)));
            return;
          }
        }
        link.ready("");
        for (;;) {
          Chunk chunk = terminated ? null : link.take();
          if (terminated) {
            link.gone(Exit.of(Exit.Kind.TERMINATED, ""));
            return;
          }
          if (chunk == null) {
            follow(link.gone(Exit.of(Exit.Kind.EXITED, "")));
            return;
          }
          if (!runChunk(chunk)) {
            return; // written off; the engine has settled its chunk and a replacement runs
          }
          link.finished(chunk);
        }
      } catch (InterruptedException e) {
        if (!abandoned) {
          link.gone(Exit.of(Exit.Kind.TERMINATED, ""));
        }
      } catch (Throwable t) {
        // Not the task (runChunk catches that): a listener or the engine failed. The worker is gone, like
        // a process that crashed: the engine settles its chunk, and says whether to replace it.
        System.getLogger("dev.procpool").log(System.Logger.Level.ERROR,
            settings.poolName() + ": worker " + link.id() + " failed outside a task", t);
        if (!abandoned) {
          follow(link.gone(new Exit(terminated ? Exit.Kind.TERMINATED : Exit.Kind.DIED,
              "its worker thread failed: " + t, t)));
        }
      } finally {
        WorkerScope.exitThreadScope();
        left(this);
      }
    }

    /** Runs the chunk's items; false if this worker was written off meanwhile. */
    private boolean runChunk(Chunk chunk) {
      long began = System.nanoTime();
      Job job = chunk.job();
      return job.taskTimeout() == null ? runUntimed(chunk, job, began) : runTimed(chunk, job, began);
    }

    /** Statistics before the last results: a caller that reads stats() right after its map sees them. */
    private void ran(long began) {
      link.activity(System.nanoTime() - began, 0, 0);
    }

    /**
     * Without a timeout, only interrupts aimed at this job can reach its items, so the chunk is marked
     * as running once, not every item (two monitors per item were most of the cost of tiny tasks), and
     * results go into an array, reported in runs between failures as slices of it, which a map copies
     * with one arraycopy: the loop is as tight as a stream's.
     * An interrupt a task left on its own thread is still cleared after every item.
     */
    private boolean runUntimed(Chunk chunk, Job job, long began) {
      Fn<Object, Object> fn = job.function();
      List<?> items = chunk.items();
      int size = items.size();
      Object[] results = new Object[size];
      int runStart = 0;
      int i = 0;
      link.started(chunk);
      begin(chunk, 0, null);
      for (; i < size && !job.isCancelled() && !terminated && !abandoned; i++) {
        Object result;
        try {
          result = fn.apply(items.get(i));
        } catch (Throwable t) {
          Thread.interrupted();
          end(); // the engine and listeners hear of it with no item marked as running, as with a timeout
          if (abandoned) {
            return false;
          }
          if (i > runStart) {
            link.completed(chunk, runStart, new ArraySlice(results, runStart, i));
          }
          link.failed(chunk, i, t);
          runStart = i + 1;
          begin(chunk, i + 1, null);
          continue;
        }
        Thread.interrupted();
        results[i] = result;
      }
      if (!end()) {
        return false;
      }
      ran(began);
      if (i > runStart) {
        link.completed(chunk, runStart, new ArraySlice(results, runStart, i));
      }
      return true;
    }

    /** With a timeout: each item is watched, and its outcome reported at once, so a timeout loses nothing done. */
    private boolean runTimed(Chunk chunk, Job job, long began) {
      Fn<Object, Object> fn = job.function();
      List<?> items = chunk.items();
      Duration timeout = job.taskTimeout();
      for (int i = 0; i < items.size() && !job.isCancelled() && !terminated; i++) {
        link.running(chunk, i);
        begin(chunk, i, timeout);
        Object result = null;
        Throwable error = null;
        try {
          result = fn.apply(items.get(i));
        } catch (Throwable t) {
          error = t;
        }
        if (!end()) {
          return false;
        }
        if (error != null) {
          link.failed(chunk, i, error);
        } else {
          link.completed(chunk, i, java.util.Collections.singletonList(result));
        }
      }
      ran(began);
      return true;
    }

    private void begin(Chunk chunk, int i, Duration timeout) {
      if (timeout != null && !terminated) {
        watch.begin(chunk, i, timeout.toNanos(), timer(), this::expired);
      } else {
        watch.begin(chunk, i, 0, null, null);
      }
    }

    /** Ends the current item; false if this worker was written off meanwhile. */
    private boolean end() {
      return watch.end() && !abandoned;
    }

    /** The item timed out: this thread is written off and the engine decides about a replacement. */
    private void expired(Chunk chunk, int at) {
      abandoned = true;
      link.timedOut(chunk, at);
      // The verdict (a replacement) before left(): awaitTermination must never see a moment without this worker's heir.
      follow(link.gone(Exit.of(Exit.Kind.TIMED_OUT,
          "item " + (chunk.firstIndex() + at) + " exceeded " + chunk.job().taskTimeout())));
      left(this);
    }

    @Override
    public void stop(String reason) {
      if (!watch.abandon()) {
        return; // it timed out meanwhile: expired() took care of it
      }
      abandoned = true;
      follow(link.gone(Exit.of(Exit.Kind.STOPPED, reason)));
      left(this);
    }

    void interruptIfRunning(Job job) {
      watch.interruptIf(c -> c.job() == job);
    }
  }
}
