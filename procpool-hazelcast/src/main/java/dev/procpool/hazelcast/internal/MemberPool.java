package dev.procpool.hazelcast.internal;

import dev.procpool.Fn;
import dev.procpool.internal.threads.ThreadBackend;
import dev.procpool.spi.Backend;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import dev.procpool.spi.WorkerSettings;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One caller pool's share of a member: the chunks it sent that wait for a thread, the functions of its
 * running jobs, and its worker threads. The threads are procpool's own thread backend, driven through
 * this member-local {@link WorkSource}: each takes chunks from its {@link MemberLink} and reports there,
 * so a member thread behaves exactly as a thread worker does (initializer and {@code WorkerLocal} scope
 * per thread, per-item timeouts that interrupt and write the thread off, interrupts aimed at one job,
 * {@code maxTasksPerChild}), with no second copy of that loop. What a fault means is not decided here:
 * each chunk's outcomes go back to the caller, whose engine decides.
 */
final class MemberPool implements WorkSource {
  private static final int MAX_JOBS = 256;
  private static final int MAX_FINISHED = 4096;

  private final NodeRuntime node;
  private final PoolSpec spec;
  private final Backend threads;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicInteger linkIds = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition idle = lock.newCondition();
  // guarded by lock
  private final ArrayDeque<MemberChunk> queue = new ArrayDeque<>();
  private int running;
  private boolean closed;
  private long lastUsed = System.nanoTime();
  private ChunkOutcome initFailure;
  private final Map<Long, MemberJob> jobs = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, MemberJob> eldest) {
      return size() > MAX_JOBS;
    }
  };
  private final Map<Long, Boolean> finished = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
      return size() > MAX_FINISHED;
    }
  };

  MemberPool(NodeRuntime node, PoolSpec spec) {
    this.node = node;
    this.spec = spec;
    // "-member" in thread names tells a member's worker threads from the caller's own.
    this.threads = new ThreadBackend(new WorkerSettings(spec.poolName() + "-member", node.threads,
        spec.initializer(), spec.maxTasksPerWorker()));
  }

  // ------------------------------------------------------------------ jobs

  MemberJob job(long jobId) {
    lock.lock();
    try {
      return jobs.get(jobId);
    } finally {
      lock.unlock();
    }
  }

  MemberJob register(long jobId, Fn<Object, Object> fn, long timeoutNanos) {
    lock.lock();
    try {
      return jobs.computeIfAbsent(jobId, id -> new MemberJob(id, fn, timeoutNanos));
    } finally {
      lock.unlock();
    }
  }

  boolean isFinished(long jobId) {
    lock.lock();
    try {
      return closed || finished.containsKey(jobId);
    } finally {
      lock.unlock();
    }
  }

  void forget(long[] over) {
    if (over.length == 0) {
      return;
    }
    lock.lock();
    try {
      for (long id : over) {
        MemberJob job = jobs.remove(id);
        if (job != null) {
          job.end();
        }
        finished.put(id, Boolean.TRUE);
      }
    } finally {
      lock.unlock();
    }
  }

  void interruptJob(long jobId) {
    MemberJob job = job(jobId);
    forget(new long[] {jobId});
    if (job != null) {
      threads.interrupt(job);
    }
  }

  // ------------------------------------------------------------------ chunks

  /** Queues the chunk for a worker thread and waits for its answer (on a Hazelcast executor thread). */
  ChunkOutcome execute(ChunkTask task, MemberJob job) throws InterruptedException {
    MemberChunk chunk = new MemberChunk(node, task, job);
    lock.lock();
    try {
      if (closed) {
        // Closed for idleness while this task travelled: the caller sends the code again and a new pool starts.
        return node.outcome(ChunkOutcome.Kind.NEED_CODE);
      }
      if (node.isDraining()) {
        return node.outcome(ChunkOutcome.Kind.HANDED_BACK);
      }
      if (initFailure != null) {
        return initFailure;
      }
      queue.add(chunk);
      lastUsed = System.nanoTime();
      work.signal();
    } finally {
      lock.unlock();
    }
    if (started.compareAndSet(false, true)) {
      threads.start(this);
    }
    try {
      return chunk.answer.get();
    } catch (InterruptedException e) {
      lock.lock();
      try {
        if (queue.remove(chunk)) {
          return node.outcome(ChunkOutcome.Kind.HANDED_BACK);
        }
      } finally {
        lock.unlock();
      }
      throw e;
    } catch (ExecutionException e) {
      throw new IllegalStateException("member worker failed", e.getCause());
    }
  }

  /** The next chunk for a thread, or null when it must take no more (pool closed, maxTasksPerChild reached). */
  MemberChunk next(MemberLink link, long nanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      for (;;) {
        if (closed || link.retiring()) {
          return null;
        }
        MemberChunk c = queue.poll();
        if (c != null) {
          if (c.job.isCancelled()) {
            // Answered now, not once this thread next gets work: it may wait for that a long time.
            c.finish(ChunkOutcome.Kind.SKIPPED, -1);
            continue;
          }
          link.assign(c);
          running++;
          return c;
        }
        if (nanos == 0) {
          return null;
        }
        if (nanos < 0) {
          work.await();
        } else {
          nanos = Math.max(0, work.awaitNanos(nanos));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Sends a chunk's answer, once, and frees its thread's place. */
  void answer(MemberLink link, MemberChunk chunk, ChunkOutcome.Kind kind, int timedOut) {
    if (link.current == chunk) {
      link.current = null;
    }
    if (!chunk.finish(kind, timedOut)) {
      return;
    }
    lock.lock();
    try {
      running--;
      lastUsed = System.nanoTime();
      idle.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ WorkSource, for the threads

  @Override
  public WorkerLink enrol(WorkerControl control) {
    return new MemberLink(this, linkIds.incrementAndGet(), spec.maxTasksPerWorker());
  }

  @Override
  public boolean isFinished() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void noWorkers(String why) {
    // A member always has its threads; only the caller's engine can run out of workers.
  }

  /** A thread's initializer threw: every chunk of this pool on this member is answered with it from now on. */
  Verdict startFailed(StartFailure failure) {
    List<MemberChunk> waiting;
    ChunkOutcome o = node.outcome(ChunkOutcome.Kind.INIT_FAILED);
    o.error = Codec.serializeError(failure.cause() != null ? failure.cause()
        : new IllegalStateException(failure.detail()));
    o.message = "the initializer threw on cluster member " + node.name();
    lock.lock();
    try {
      if (initFailure == null) {
        initFailure = o;
      }
      waiting = new ArrayList<>(queue);
      queue.clear();
    } finally {
      lock.unlock();
    }
    for (MemberChunk c : waiting) {
      c.answer.complete(o);
    }
    return Verdict.RETIRE;
  }

  /** A thread ended: another takes its place unless the pool is closed (the verdict the engine would give). */
  Verdict threadGone() {
    return isFinished() ? Verdict.RETIRE : Verdict.REPLACE;
  }

  // ------------------------------------------------------------------ draining and closing

  void handBackQueued() {
    List<MemberChunk> back;
    lock.lock();
    try {
      back = new ArrayList<>(queue);
      queue.clear();
    } finally {
      lock.unlock();
    }
    for (MemberChunk c : back) {
      c.finish(ChunkOutcome.Kind.HANDED_BACK, -1);
    }
  }

  boolean awaitIdle(long nanos) throws InterruptedException {
    lock.lock();
    try {
      while (running > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = idle.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Whether nothing ran or waited here for {@code nanos}: a pool whose caller went quiet or away. */
  boolean idleFor(long nanos) {
    lock.lock();
    try {
      return running == 0 && queue.isEmpty() && System.nanoTime() - lastUsed > nanos;
    } finally {
      lock.unlock();
    }
  }

  /** Stops the pool's threads (running items are interrupted) and hands queued chunks back. */
  void close() {
    lock.lock();
    try {
      closed = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    handBackQueued();
    threads.shutdown();
    threads.terminate();
  }

  @Override
  public String toString() {
    return "MemberPool[" + spec.poolName() + (closed ? ", closed" : "") + "]";
  }
}
