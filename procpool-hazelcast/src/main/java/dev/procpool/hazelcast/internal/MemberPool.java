package dev.procpool.hazelcast.internal;

import com.hazelcast.internal.serialization.SerializationService;
import dev.procpool.Fn;
import dev.procpool.spi.WorkerScope;
import dev.procpool.spi.ItemWatch;
import java.io.NotSerializableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One caller pool's share of a member: up to {@link NodeRuntime#threads} worker threads of its own
 * (started on demand, each running the pool's initializer before its first chunk, replaced after
 * {@code maxTasksPerWorker} items or when an item times out, leaving after a minute idle), the
 * functions of the pool's running jobs, and the queue of chunks waiting for a thread. Its threads are
 * its own rather than Hazelcast's so that the pool's worker semantics (initializer per worker,
 * recycling, interrupt-and-abandon on timeout) hold on a member exactly as on the thread backend.
 */
final class MemberPool {
  private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final int MAX_FUNCTIONS = 256;
  private static final int MAX_FINISHED = 4096;

  private final NodeRuntime node;
  private final PoolSpec spec;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition idleChanged = lock.newCondition();
  // guarded by lock
  private final ArrayDeque<LocalChunk> queue = new ArrayDeque<>();
  private final Set<Worker> live = ConcurrentHashMap.newKeySet();
  private int idle;
  private int busy;
  private boolean closed;
  private final Map<Long, Fn<Object, Object>> functions = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Fn<Object, Object>> eldest) {
      return size() > MAX_FUNCTIONS;
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
  }

  // ------------------------------------------------------------------ jobs

  Fn<Object, Object> function(long jobId) {
    lock.lock();
    try {
      return functions.get(jobId);
    } finally {
      lock.unlock();
    }
  }

  void cache(long jobId, Fn<Object, Object> fn) {
    lock.lock();
    try {
      functions.put(jobId, fn);
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

  void forget(long[] jobs) {
    if (jobs.length == 0) {
      return;
    }
    lock.lock();
    try {
      for (long job : jobs) {
        functions.remove(job);
        finished.put(job, Boolean.TRUE);
      }
    } finally {
      lock.unlock();
    }
  }

  void interruptJob(long jobId) {
    forget(new long[] {jobId});
    for (Worker w : live) {
      w.interruptIfRunning(jobId);
    }
  }

  // ------------------------------------------------------------------ chunks

  /** Queues the chunk for a worker thread and waits for its outcome (on a Hazelcast executor thread). */
  ChunkOutcome execute(ChunkTask task, Fn<Object, Object> fn) throws InterruptedException {
    LocalChunk chunk = new LocalChunk(task, fn);
    lock.lock();
    try {
      if (closed || node.isDraining()) {
        return node.outcome(ChunkOutcome.Kind.HANDED_BACK);
      }
      queue.add(chunk);
      if (idle == 0 && live.size() < node.threads) {
        spawn();
      } else {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    try {
      return chunk.result.get();
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

  void handBackQueued() {
    List<LocalChunk> back;
    lock.lock();
    try {
      back = new ArrayList<>(queue);
      queue.clear();
    } finally {
      lock.unlock();
    }
    for (LocalChunk c : back) {
      c.result.complete(node.outcome(ChunkOutcome.Kind.HANDED_BACK));
    }
  }

  boolean awaitIdle(long nanos) throws InterruptedException {
    lock.lock();
    try {
      while (busy > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = idleChanged.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  void close() {
    lock.lock();
    try {
      closed = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    handBackQueued();
    for (Worker w : live) {
      w.thread.interrupt();
    }
  }

  // ------------------------------------------------------------------ threads

  private void spawn() { // lock held
    Worker w = new Worker(node.threadNumbers.incrementAndGet());
    live.add(w);
    w.thread.start();
  }

  /** Takes the next chunk for {@code w}, or null when it should exit (idle too long, pool closed). */
  private LocalChunk next() throws InterruptedException {
    lock.lock();
    try {
      long nanos = KEEP_ALIVE_NANOS;
      for (;;) {
        if (closed) {
          return null;
        }
        LocalChunk c = queue.poll();
        if (c != null) {
          if (finished.containsKey(c.task.jobId)) {
            c.result.complete(node.outcome(ChunkOutcome.Kind.SKIPPED));
            continue;
          }
          busy++;
          return c;
        }
        if (nanos <= 0) {
          return null;
        }
        idle++;
        try {
          nanos = work.awaitNanos(nanos);
        } finally {
          idle--;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void done() {
    lock.lock();
    try {
      busy--;
      idleChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A worker leaves (idle, recycled, abandoned after a timeout): a replacement starts if work waits. */
  private void left(Worker w) {
    lock.lock();
    try {
      if (!live.remove(w)) {
        return;
      }
      if (!closed && !queue.isEmpty() && idle == 0 && live.size() < node.threads) {
        spawn();
      }
    } finally {
      lock.unlock();
    }
  }

  /** A chunk on this member with the outcomes of its items so far. */
  private final class LocalChunk {
    final ChunkTask task;
    final Fn<Object, Object> fn;
    final CompletableFuture<ChunkOutcome> result = new CompletableFuture<>();
    // guarded by this: who runs the chunk, for the caller's statistics
    private int worker;
    private long workerStartupNanos;
    private long began;
    private boolean retiring;
    private final List<Object> values = new ArrayList<>();
    private final List<Integer> failedOffsets = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();

    LocalChunk(ChunkTask task, Fn<Object, Object> fn) {
      this.task = task;
      this.fn = fn;
    }

    synchronized void ranBy(int worker, long workerStartupNanos) {
      this.worker = worker;
      this.workerStartupNanos = workerStartupNanos;
      this.began = System.nanoTime();
    }

    synchronized void retiring() {
      this.retiring = true;
    }

    synchronized void record(int offset, Object value, Throwable error) {
      values.add(error == null ? value : null);
      if (error != null) {
        failedOffsets.add(offset);
        failures.add(error);
      }
    }

    /** Completes with what ran so far; {@code timedOut} is the offset that timed out, or -1. */
    synchronized void finish(int timedOut) {
      if (result.isDone()) {
        return;
      }
      ChunkOutcome o = node.outcome(timedOut >= 0 ? ChunkOutcome.Kind.TIMED_OUT : ChunkOutcome.Kind.DONE);
      o.timedOutOffset = timedOut;
      o.ran = values.size();
      o.worker = worker;
      o.workerStartupNanos = workerStartupNanos;
      o.busyNanos = System.nanoTime() - began;
      o.retiring = retiring;
      if (values.stream().allMatch(MemberPool::native_)) {
        o.values = values;
      } else {
        o.results = serialize(values);
      }
      o.failedOffsets = failedOffsets.stream().mapToInt(Integer::intValue).toArray();
      o.failures = failures.stream().map(Codec::serializeError).toArray(byte[][]::new);
      result.complete(o);
    }

    /** Serializes the results; a result that cannot be serialized fails its item instead. */
    private byte[] serialize(List<Object> values) {
      SerializationService ss = node.serialization();
      try {
        return ss.toData(values).toByteArray();
      } catch (RuntimeException e) {
        for (int i = 0; i < values.size(); i++) {
          try {
            ss.toData(values.get(i));
          } catch (RuntimeException bad) {
            Object v = values.set(i, null);
            failedOffsets.add(i);
            NotSerializableException why = new NotSerializableException("the result of item "
                + (task.firstIndex + i) + " (a " + v.getClass().getName() + ") cannot be sent back from"
                + " cluster member " + node.name() + ": make it Serializable or return a serializable copy");
            why.initCause(bad);
            failures.add(why);
          }
        }
        return ss.toData(values).toByteArray();
      }
    }
  }

  private static final Set<Class<?>> NATIVE = Set.of(String.class, Integer.class, Long.class, Double.class,
      Float.class, Short.class, Byte.class, Character.class, Boolean.class, java.math.BigInteger.class,
      java.math.BigDecimal.class, java.util.UUID.class, byte[].class, int[].class, long[].class, double[].class,
      float[].class, short[].class, char[].class, boolean[].class);

  /** Whether Hazelcast writes {@code v} natively, so that writing it cannot fail. */
  private static boolean native_(Object v) {
    return v == null || NATIVE.contains(v.getClass());
  }

  /** One member worker thread of this pool. */
  private final class Worker implements Runnable {
    final int number;
    final Thread thread;
    /** Which item runs now, so that interrupts and timeouts hit only that item. */
    private final ItemWatch<LocalChunk> watch;

    Worker(int number) {
      this.number = number;
      thread = new Thread(this, "procpool-" + spec.poolName() + "-member-worker-" + number);
      thread.setDaemon(true);
      thread.setContextClassLoader(Codec.loader());
      watch = new ItemWatch<>(thread);
    }

    @Override
    public void run() {
      boolean initialized = false;
      long born = System.nanoTime();
      long startup = 0;
      long tasks = 0;
      WorkerScope.enterThreadScope(); // a member thread is one worker, with WorkerLocal state of its own
      try {
        for (;;) {
          LocalChunk c = next();
          if (c == null) {
            return;
          }
          if (!initialized && spec.initializer() != null) {
            try {
              spec.initializer().call();
            } catch (Throwable t) {
              ChunkOutcome failed = node.outcome(ChunkOutcome.Kind.INIT_FAILED);
              failed.error = Codec.serializeError(t);
              failed.message = "the initializer threw on cluster member " + node.name() + " in " + thread.getName();
              c.result.complete(failed);
              done();
              return;
            }
          }
          if (!initialized) {
            startup = Math.max(1, System.nanoTime() - born); // the first chunk tells the caller
            initialized = true;
          }
          c.ranBy(number, startup);
          startup = 0;
          int ran = runChunk(c, tasks);
          if (ran < 0) {
            return; // abandoned after a timeout: expire() completed the chunk and a replacement runs
          }
          done();
          tasks += ran;
          if (spec.maxTasksPerWorker() > 0 && tasks >= spec.maxTasksPerWorker()) {
            return; // recycled: left() starts a fresh thread if work waits
          }
        }
      } catch (InterruptedException e) {
        // pool closed
      } finally {
        WorkerScope.exitThreadScope();
        left(this);
      }
    }

    /** Runs the chunk's items; returns how many ran, or -1 if this worker was abandoned. */
    private int runChunk(LocalChunk c, long tasksBefore) {
      List<Object> items = c.task.items;
      long timeout = c.task.timeoutNanos;
      int ran = 0;
      for (int i = 0; i < items.size(); i++) {
        if (isFinished(c.task.jobId)) {
          break;
        }
        watch.begin(c, i, timeout, timeout > 0 ? node.timer() : null, this::expired);
        Object value = null;
        Throwable error = null;
        try {
          value = c.fn.apply(items.get(i));
        } catch (Throwable t) {
          error = t;
        }
        if (!watch.end()) {
          return -1;
        }
        c.record(i, value, error);
        ran++;
      }
      if (spec.maxTasksPerWorker() > 0 && tasksBefore + ran >= spec.maxTasksPerWorker()) {
        c.retiring(); // the caller reports the recycling with the outcome
      }
      c.finish(-1);
      return ran;
    }

    /** The item timed out: this thread is written off and a fresh one takes its place if work waits. */
    private void expired(LocalChunk c, int at) {
      c.finish(at);
      done();
      left(this);
    }

    void interruptIfRunning(long jobId) {
      watch.interruptIf(c -> c.task.jobId == jobId);
    }
  }

  @Override
  public String toString() {
    return "MemberPool[" + spec.poolName() + ", threads " + live.size() + "]";
  }
}
