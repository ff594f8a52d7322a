package dev.procpool.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cluster.Member;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import dev.procpool.Fn;
import dev.procpool.hazelcast.MemberClasspathException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The member side of the cluster backend: one per member, kept in the member's user context. It keeps a
 * {@link MemberPool} per caller pool (its worker threads, cached functions), decodes the code that
 * arrives with chunks, runs the chunks, and drains the member before a graceful leave.
 */
public final class NodeRuntime {
  private static final System.Logger LOG = System.getLogger("dev.procpool.hazelcast");
  private static final String KEY = "dev.procpool.hazelcast.NodeRuntime";
  /** How long a pool may send nothing before a member closes its share of it (its threads, cached code). */
  private static final long IDLE_POOL_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** The member attribute that tells callers how many worker threads a member runs per pool. */
  public static final String WORKERS_ATTRIBUTE = "procpool.workers";
  /** The executor chunks run on; its threads only wait for this runtime's worker threads. */
  public static final String CHUNK_EXECUTOR = "procpool.chunks";
  /** The executor of control messages, so that they never wait behind chunks. */
  public static final String CONTROL_EXECUTOR = "procpool.control";

  final HazelcastInstance instance;
  final int threads;
  private final ConcurrentHashMap<String, MemberPool> pools = new ConcurrentHashMap<>();
  /**
   * Pools their callers closed, most recent last: a chunk that arrives after its pool's close (the two
   * travel on different executors) must not start the pool again, whose threads would then stay until
   * the pool is reaped for idleness.
   */
  private final java.util.Set<String> closed = java.util.Collections.newSetFromMap(
      java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
          return size() > 1024;
        }
      }));
  private final AtomicInteger inCall = new AtomicInteger();
  private volatile boolean draining;
  private volatile ScheduledThreadPoolExecutor timer;
  private volatile String name;
  private volatile java.util.concurrent.ScheduledFuture<?> reaper;

  private NodeRuntime(HazelcastInstance instance, int threads) {
    this.instance = instance;
    this.threads = threads;
  }

  /**
   * Returns the runtime of a member, creating it on first use with as many worker threads per pool as
   * the member's {@value #WORKERS_ATTRIBUTE} attribute says (or the number of processors).
   *
   * @param instance the member
   * @return its runtime
   */
  public static NodeRuntime of(HazelcastInstance instance) {
    ConcurrentMap<String, Object> context = instance.getUserContext();
    Object node = context.get(KEY);
    if (node == null) {
      node = context.computeIfAbsent(KEY, k -> new NodeRuntime(instance, threadsOf(instance.getCluster().getLocalMember())));
    }
    return (NodeRuntime) node;
  }

  static int threadsOf(Member member) {
    String value = member.getAttribute(WORKERS_ATTRIBUTE);
    if (value != null) {
      try {
        return Math.max(1, Integer.parseInt(value.trim()));
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    return Runtime.getRuntime().availableProcessors();
  }

  /** The member's address and process, for messages. */
  String name() {
    String n = name;
    if (n == null) {
      n = instance.getCluster().getLocalMember().getAddress() + " (pid " + ProcessHandle.current().pid() + ")";
      name = n;
    }
    return n;
  }

  SerializationService serialization() {
    return ((SerializationServiceSupport) instance).getSerializationService();
  }

  ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      synchronized (this) {
        t = timer;
        if (t == null) {
          t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "procpool-member-timer");
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

  ChunkOutcome outcome(ChunkOutcome.Kind kind) {
    return new ChunkOutcome(kind, name());
  }

  /** Runs a chunk on the caller pool's member threads and waits for its answer. */
  ChunkOutcome run(ChunkTask task) throws InterruptedException {
    inCall.incrementAndGet();
    try {
      if (draining) {
        return outcome(ChunkOutcome.Kind.HANDED_BACK);
      }
      if (closed.contains(task.poolKey)) {
        return outcome(ChunkOutcome.Kind.SKIPPED); // its caller is done with it
      }
      MemberPool pool = pools.get(task.poolKey);
      if (pool == null) {
        if (task.spec == null) {
          return outcome(ChunkOutcome.Kind.NEED_CODE);
        }
        PoolSpec spec;
        try {
          spec = (PoolSpec) Codec.deserialize(task.spec, Codec.loader());
        } catch (Exception | LinkageError e) {
          ChunkOutcome missing = classMissing(e, "the pool's initializer");
          if (missing != null) {
            missing.wholePool = true;
            return missing;
          }
          ChunkOutcome failed = outcome(ChunkOutcome.Kind.INIT_FAILED);
          failed.error = Codec.serializeError(e);
          failed.message = "the initializer could not be read on cluster member " + name();
          return failed;
        }
        pool = pools.computeIfAbsent(task.poolKey, k -> new MemberPool(this, spec));
        if (closed.contains(task.poolKey)) { // closed while the spec was read
          closePool(task.poolKey);
          return outcome(ChunkOutcome.Kind.SKIPPED);
        }
        reapIdlePools();
      }
      pool.forget(task.finishedJobs);
      if (pool.isFinished(task.jobId)) {
        return outcome(ChunkOutcome.Kind.SKIPPED);
      }
      MemberJob job = pool.job(task.jobId);
      if (job == null) {
        if (task.function == null) {
          return outcome(ChunkOutcome.Kind.NEED_CODE);
        }
        Fn<Object, Object> fn;
        try {
          @SuppressWarnings("unchecked")
          Fn<Object, Object> decoded = (Fn<Object, Object>) Codec.deserialize(task.function, Codec.loader());
          fn = decoded;
        } catch (Exception | LinkageError e) {
          ChunkOutcome missing = classMissing(e, "the function of this call");
          return missing != null ? missing : failEvery(task, e);
        }
        job = pool.register(task.jobId, fn, task.timeoutNanos);
      }
      if (task.itemsError != null) {
        ChunkOutcome missing = classMissing(task.itemsError, "the items of this call");
        return missing != null ? missing : failEvery(task, task.itemsError);
      }
      return pool.execute(task, job);
    } finally {
      inCall.decrementAndGet();
    }
  }

  /**
   * Closes, from time to time, the pools whose caller has sent nothing for a while (it went quiet, or
   * died without closing its pool), so that their threads do not stay for ever. A caller that comes back
   * finds the pool gone, sends its code again, and gets a new one.
   */
  private void reapIdlePools() {
    if (reaper != null) {
      return;
    }
    synchronized (this) {
      if (reaper == null) {
        long idle = IDLE_POOL_NANOS;
        reaper = timer().scheduleWithFixedDelay(() -> pools.forEach((key, pool) -> {
          if (pool.idleFor(idle) && pools.remove(key, pool)) {
            pool.close();
          }
        }), 15, 15, TimeUnit.SECONDS);
      }
    }
  }

  private ChunkOutcome classMissing(Throwable error, String what) {
    String missing = Codec.missingClass(error);
    if (missing == null) {
      return null;
    }
    ChunkOutcome o = outcome(ChunkOutcome.Kind.CLASS_MISSING);
    o.missingClass = missing;
    o.message = what;
    LOG.log(Level.WARNING, MemberClasspathException.messageFor(missing, name(), what));
    return o;
  }

  /** Fails every item of the chunk with the same error (the function or items could not be read). */
  private ChunkOutcome failEvery(ChunkTask task, Throwable error) {
    int n = task.itemCount;
    ChunkOutcome o = outcome(ChunkOutcome.Kind.DONE);
    byte[] bytes = Codec.serializeError(error);
    o.ran = n;
    o.failedOffsets = new int[n];
    o.failures = new byte[n][];
    List<Object> nulls = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      o.failedOffsets[i] = i;
      o.failures[i] = bytes;
      nulls.add(null);
    }
    o.results = serialization().toData(nulls).toByteArray();
    return o;
  }

  void interruptJob(String poolKey, long jobId) {
    MemberPool pool = pools.get(poolKey);
    if (pool != null) {
      pool.interruptJob(jobId);
    }
  }

  void closePool(String poolKey) {
    closed.add(poolKey);
    MemberPool pool = pools.remove(poolKey);
    if (pool != null) {
      pool.close();
    }
  }

  /**
   * Prepares a graceful leave: from now on chunks are handed back unstarted, queued ones at once; waits
   * until the running ones have finished and their outcomes are on their way.
   *
   * @param limit how long to wait for running chunks at most
   * @return true if everything finished in time
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean drain(Duration limit) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + limit.toNanos();
    List<MemberPool> all = new ArrayList<>(pools.values());
    for (MemberPool pool : all) {
      pool.handBackQueued();
    }
    for (MemberPool pool : all) {
      if (!pool.awaitIdle(deadline - System.nanoTime())) {
        return false;
      }
    }
    // The executor threads still return the last outcomes to Hazelcast; wait until they have.
    while (inCall.get() > 0 && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    return inCall.get() == 0;
  }

  /**
   * Tells whether {@link #drain} was called.
   *
   * @return true once the member is leaving
   */
  public boolean isDraining() {
    return draining;
  }
}
