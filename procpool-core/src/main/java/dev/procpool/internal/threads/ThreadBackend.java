package dev.procpool.internal.threads;

import dev.procpool.Fn;
import dev.procpool.spi.WorkerScope;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.ItemWatch;
import dev.procpool.spi.Job;
import dev.procpool.spi.Loss;
import dev.procpool.spi.WorkSink;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerActivity;
import dev.procpool.spi.WorkerEvent;
import dev.procpool.spi.WorkerSettings;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs chunks on daemon threads of this JVM. A thread cannot be killed, so a timed-out item's thread
 * is interrupted and abandoned (it exits silently if it ever returns) and a fresh thread takes its
 * place.
 */
public final class ThreadBackend implements Backend {
  private final WorkerSettings settings;
  private final AtomicInteger workerIds = new AtomicInteger();
  private final Set<Worker> live = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition exited = lock.newCondition();
  private volatile boolean terminated;
  private volatile WorkSource source;
  private volatile WorkSink sink;
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
  public void start(WorkSource source, WorkSink sink) {
    this.source = source;
    this.sink = sink;
    for (int i = 0; i < settings.workers(); i++) {
      spawn();
    }
  }

  private void spawn() {
    if (terminated) {
      return;
    }
    Worker w = new Worker(workerIds.incrementAndGet());
    live.add(w);
    w.thread.start();
  }

  @Override
  public void interrupt(Job job) {
    for (Worker w : live) {
      w.interruptIfRunning(job);
    }
  }

  @Override
  public void shutdown() {
    // Workers leave on their own once the source is finished.
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
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    long nanos = timeoutNanos;
    lock.lock();
    try {
      // No live worker is not enough: a timed-out worker's replacement may not be counted yet, and
      // work may still come until the source is finished.
      while (!live.isEmpty() || !(terminated || source == null || source.isFinished())) {
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
        }
      }
    }
    return t;
  }

  /** One worker thread: initializer, then chunks until the source is finished or it is recycled. */
  private final class Worker implements Runnable {
    final int id;
    final Thread thread;
    /** Which item runs now, so that interrupts and timeouts hit only that item. */
    private final ItemWatch<Chunk> watch;
    /** The chunk this worker has taken and not finished, for a failure outside any task. */
    private volatile Chunk running;

    Worker(int id) {
      this.id = id;
      this.thread = new Thread(this, "procpool-" + settings.poolName() + "-worker-" + id);
      this.thread.setDaemon(true);
      this.watch = new ItemWatch<>(thread);
    }

    @Override
    public void run() {
      long born = System.nanoTime();
      WorkerScope.enterThreadScope();
      try {
        if (settings.initializer() != null) {
          try {
            settings.initializer().call();
          } catch (Throwable t) {
            sink.workerStartFailed("the initializer threw in worker " + id + ": " + t, t);
            return;
          }
        }
        sink.workerEvent(new WorkerEvent(id, WorkerEvent.Kind.STARTED, "", System.nanoTime() - born));
        long tasks = 0;
        while (!terminated) {
          Chunk chunk = source.take();
          if (chunk == null) {
            sink.workerEvent(new WorkerEvent(id, WorkerEvent.Kind.EXITED, ""));
            return;
          }
          running = chunk;
          int ran = runChunk(chunk);
          running = null;
          if (ran < 0) {
            return; // abandoned after a timeout; a replacement already runs
          }
          tasks += ran;
          if (settings.maxTasksPerWorker() > 0 && tasks >= settings.maxTasksPerWorker()) {
            sink.workerEvent(new WorkerEvent(id, WorkerEvent.Kind.RECYCLED, "after " + tasks + " tasks"));
            spawn();
            return;
          }
        }
      } catch (InterruptedException e) {
        // terminated
      } catch (Throwable t) {
        // Not the task (runChunk catches that): the sink or a listener failed. The worker is gone,
        // like a process that crashed: hand its chunk back and put a fresh worker in its place.
        System.getLogger("dev.procpool").log(System.Logger.Level.ERROR,
            settings.poolName() + ": worker " + id + " failed outside a task; replacing it", t);
        Chunk lost = running;
        if (!terminated) {
          spawn();
        }
        if (lost != null) {
          sink.lost(lost, new Loss(Loss.Kind.DIED, true, -1, "its worker thread failed: " + t, t));
        }
      } finally {
        WorkerScope.exitThreadScope();
        left(this);
      }
    }

    /** Runs the chunk's items; returns how many ran, or -1 if this worker was abandoned. */
    private int runChunk(Chunk chunk) {
      long began = System.nanoTime();
      Job job = chunk.job();
      return job.taskTimeout() == null ? runUntimed(chunk, job, began) : runTimed(chunk, job, began);
    }

    /** Statistics before the last results: a caller that reads stats() right after its map sees them. */
    private void ran(int items, long began) {
      sink.activity(new WorkerActivity(id, items, System.nanoTime() - began, 0, 0));
    }

    /**
     * Without a timeout, only interrupts aimed at this job can reach its items, so the chunk is marked
     * as running once, not every item (two monitors per item were most of the cost of tiny tasks), and
     * results go into an array, reported in runs between failures: the loop is as tight as a stream's.
     * An interrupt a task left on its own thread is still cleared after every item.
     */
    private int runUntimed(Chunk chunk, Job job, long began) {
      Fn<Object, Object> fn = job.function();
      Object[] items = chunk.items().toArray();
      Object[] results = new Object[items.length];
      List<Object> all = java.util.Arrays.asList(results);
      int runStart = 0;
      int i = 0;
      begin(chunk, 0, null);
      for (; i < items.length && !job.isCancelled() && !terminated; i++) {
        Object result;
        try {
          result = fn.apply(items[i]);
        } catch (Throwable t) {
          Thread.interrupted();
          end(); // the engine and listeners hear of it with no item marked as running, as with a timeout
          if (i > runStart) {
            sink.completed(chunk, runStart, all.subList(runStart, i));
          }
          sink.failed(chunk, i, t);
          runStart = i + 1;
          begin(chunk, i + 1, null);
          continue;
        }
        Thread.interrupted();
        results[i] = result;
      }
      end();
      ran(i, began);
      if (i > runStart) {
        sink.completed(chunk, runStart, all.subList(runStart, i));
      }
      return i;
    }

    /** With a timeout: each item is watched, and its outcome reported at once, so a timeout loses nothing done. */
    private int runTimed(Chunk chunk, Job job, long began) {
      Fn<Object, Object> fn = job.function();
      List<?> items = chunk.items();
      Duration timeout = job.taskTimeout();
      int ran = 0;
      for (int i = 0; i < items.size() && !job.isCancelled() && !terminated; i++) {
        begin(chunk, i, timeout);
        Object result = null;
        Throwable error = null;
        try {
          result = fn.apply(items.get(i));
        } catch (Throwable t) {
          error = t;
        }
        if (!end()) {
          return -1;
        }
        ran++;
        if (error != null) {
          sink.failed(chunk, i, error);
        } else {
          sink.completed(chunk, i, java.util.Collections.singletonList(result));
        }
      }
      ran(ran, began);
      return ran;
    }

    private void begin(Chunk chunk, int i, Duration timeout) {
      if (timeout != null && !terminated) {
        watch.begin(chunk, i, timeout.toNanos(), timer(), this::expired);
      } else {
        watch.begin(chunk, i, 0, null, null);
      }
    }

    /** Ends the current item; false if it timed out meanwhile and this worker was written off. */
    private boolean end() {
      return watch.end();
    }

    /** The item timed out: this thread is written off and a fresh one takes its place. */
    private void expired(Chunk chunk, int at) {
      spawn(); // before left(): awaitTermination must never see a moment without this worker's heir
      left(this);
      sink.workerEvent(new WorkerEvent(id, WorkerEvent.Kind.TIMED_OUT,
          "item " + (chunk.firstIndex() + at) + " exceeded " + chunk.job().taskTimeout()));
      sink.lost(chunk, new Loss(Loss.Kind.TIMED_OUT, true, at, "timed out", null));
    }

    void interruptIfRunning(Job job) {
      watch.interruptIf(c -> c.job() == job);
    }
  }
}
