package dev.procpool.hazelcast.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import dev.procpool.hazelcast.MemberClasspathException;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import dev.procpool.spi.Loss;
import dev.procpool.spi.WorkSink;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerActivity;
import dev.procpool.spi.WorkerEvent;
import dev.procpool.spi.WorkerSettings;
import java.io.IOException;
import java.io.NotSerializableException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The caller side of the cluster backend. One dispatcher thread takes a chunk from the engine only when
 * one of the pool's {@code workers} permits is free (the in-flight cap: Hazelcast's own executor queue is
 * unbounded and its {@code submit} blocks now and then, so the pool bounds the work itself), picks the
 * data member with the lowest load for its capacity, and submits a {@link ChunkTask} to exactly that
 * member, so the backend always knows which chunks a member holds.
 *
 * <p>A chunk's outcome comes back as the answer of its task. A member that dies or leaves shows up as
 * that answer failing ({@link MemberLeftException} and kin) or as a membership event, whichever comes
 * first: either way each chunk it held is reported lost once. Whether a lost chunk had started on the
 * member cannot be known, so it is reported with {@link Loss.Start#UNKNOWN}: the engine re-runs it whole
 * the first time and isolates its items if they are lost again, so a task that kills every member it
 * runs on ends up failed instead of killing the whole cluster.
 */
public final class ClusterBackend implements Backend {
  private static final System.Logger LOG = System.getLogger("dev.procpool.hazelcast");
  private static final int MAX_FINISHED_NOTICES = 1024;

  private final WorkerSettings settings;
  private final HazelcastInstance instance;
  private final Runnable onClose;
  private final String poolKey = UUID.randomUUID().toString();
  private final IExecutorService chunks;
  private final IExecutorService control;
  private final Semaphore permits;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition membersChanged = lock.newCondition();
  // guarded by lock
  private final Map<UUID, MemberState> members = new HashMap<>();
  private final Set<UUID> departed = new HashSet<>();
  private final ConcurrentHashMap<Long, Dispatch> pending = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, byte[]> functions = new ConcurrentHashMap<>();
  private final AtomicLong dispatchIds = new AtomicLong();
  private final AtomicInteger workerIds = new AtomicInteger();
  private final AtomicBoolean cleanedUp = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean terminated;
  private volatile byte[] spec;
  private volatile WorkSource source;
  private volatile WorkSink sink;
  private volatile Thread dispatcher;
  private volatile UUID listener;

  /**
   * Creates the backend.
   *
   * @param settings the pool's worker settings; {@code workers} is the number of chunks in flight
   * @param instance a member or client of the cluster to run on
   * @param onClose run once when the backend has finished (shuts down an instance the pool owns)
   */
  public ClusterBackend(WorkerSettings settings, HazelcastInstance instance, Runnable onClose) {
    this.settings = settings;
    this.instance = instance;
    this.onClose = onClose;
    this.chunks = instance.getExecutorService(NodeRuntime.CHUNK_EXECUTOR);
    this.control = instance.getExecutorService(NodeRuntime.CONTROL_EXECUTOR);
    this.permits = new Semaphore(settings.workers());
  }

  @Override
  public int workers() {
    return settings.workers();
  }

  @Override
  public void start(WorkSource source, WorkSink sink) {
    this.source = source;
    this.sink = sink;
    listener = instance.getCluster().addMembershipListener(new Listener());
    Thread t = new Thread(this::dispatch, "procpool-" + settings.poolName() + "-cluster-dispatcher");
    t.setDaemon(true);
    dispatcher = t;
    t.start();
  }

  // ------------------------------------------------------------------ dispatching

  private void dispatch() {
    try {
      while (!terminated) {
        permits.acquire();
        Chunk chunk;
        try {
          chunk = source.take();
        } catch (InterruptedException e) {
          permits.release();
          throw e;
        }
        if (chunk == null) {
          permits.release();
          return;
        }
        send(new Dispatch(dispatchIds.incrementAndGet(), chunk));
      }
    } catch (InterruptedException e) {
      // terminated
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, settings.poolName() + ": the cluster dispatcher failed", e);
      sink.workerStartFailed("the cluster backend's dispatcher failed: " + e, e);
    } finally {
      cleanUp();
    }
  }

  private void send(Dispatch d) throws InterruptedException {
    Job job = d.chunk.job();
    if (job.isCancelled()) {
      permits.release();
      return;
    }
    byte[] poolSpec = spec();
    if (poolSpec == null) {
      permits.release();
      return;
    }
    byte[] function = function(d.chunk);
    if (function == null) {
      permits.release();
      return;
    }
    MemberState m = pickMember();
    if (m == null) {
      permits.release();
      return;
    }
    ChunkTask task = new ChunkTask(poolKey, job.id(), d.chunk.firstIndex(),
        job.taskTimeout() == null ? 0 : job.taskTimeout().toNanos(), d.chunk.items());
    lock.lock();
    try {
      d.member = m;
      m.inflight++;
      if (!m.specConfirmed) {
        task.spec = poolSpec;
      }
      if (!m.confirmedJobs.contains(job.id())) {
        task.function = function;
      }
      m.sentJobs.add(job.id());
      if (!m.finished.isEmpty()) {
        task.finishedJobs = m.finished.stream().mapToLong(Long::longValue).toArray();
        m.finished.clear();
      }
      d.sentSpec = task.spec != null;
      d.sentFunction = task.function != null;
    } finally {
      lock.unlock();
    }
    pending.put(d.id, d);
    try {
      chunks.submitToMember(task, m.member, new Callback(d));
    } catch (HazelcastSerializationException e) {
      if (claim(d)) {
        IllegalArgumentException why = unsendable(d.chunk, e);
        for (int i = 0; i < d.chunk.size(); i++) {
          sink.failed(d.chunk, i, why);
        }
        release(d);
      }
    } catch (RuntimeException e) {
      failed(d, e);
    }
  }

  /** Explains why a chunk's items cannot be serialized, naming the first culprit. */
  private IllegalArgumentException unsendable(Chunk chunk, HazelcastSerializationException e) {
    SerializationService ss = ((SerializationServiceSupport) instance).getSerializationService();
    for (int i = 0; i < chunk.size(); i++) {
      Object item = chunk.items().get(i);
      try {
        ss.toData(item);
      } catch (RuntimeException bad) {
        return new IllegalArgumentException("item " + (chunk.firstIndex() + i) + " (a " + item.getClass().getName()
            + ") cannot be sent to cluster members: " + bad.getMessage() + "; items must be Serializable or plain"
            + " classes Hazelcast can write", bad);
      }
    }
    return new IllegalArgumentException("the items of this chunk cannot be sent to cluster members: " + e, e);
  }

  private byte[] spec() {
    byte[] s = spec;
    if (s == null) {
      try {
        s = Codec.serialize(new PoolSpec(settings.poolName(), settings.initializer(), settings.maxTasksPerWorker()));
        spec = s;
      } catch (IOException | RuntimeException e) {
        sink.workerStartFailed("the initializer cannot be sent to cluster members: " + e
            + "; an initializer must be Serializable and capture only serializable values", e);
        return null;
      }
    }
    return s;
  }

  /** The job's function, serialized once per job; null (and the chunk's items failed) if it cannot be. */
  private byte[] function(Chunk chunk) {
    long id = chunk.job().id();
    byte[] f = functions.get(id);
    if (f != null) {
      return f;
    }
    try {
      f = Codec.serialize(chunk.job().function());
    } catch (IOException | RuntimeException e) {
      IllegalArgumentException why = new IllegalArgumentException("the function of this call cannot be sent to"
          + " cluster members: " + e + "; use a lambda or method reference that captures only serializable"
          + " values", e);
      for (int i = 0; i < chunk.size(); i++) {
        sink.failed(chunk, i, why);
      }
      return null;
    }
    byte[] earlier = functions.putIfAbsent(id, f);
    return earlier != null ? earlier : f;
  }

  /** The data member with the lowest load for its capacity; waits while there is none. */
  private MemberState pickMember() throws InterruptedException {
    long warnAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    lock.lockInterruptibly();
    try {
      for (;;) {
        if (terminated) {
          return null;
        }
        MemberState best = null;
        for (Member member : instance.getCluster().getMembers()) {
          if (member.isLiteMember() || departed.contains(member.getUuid())) {
            continue;
          }
          MemberState s = members.get(member.getUuid());
          if (s == null) {
            s = new MemberState(member);
            members.put(member.getUuid(), s);
          }
          if (s.leaving) {
            continue;
          }
          if (best == null || (long) s.inflight * best.capacity < (long) best.inflight * s.capacity) {
            best = s;
          }
        }
        if (best != null) {
          return best;
        }
        if (System.nanoTime() > warnAt) {
          LOG.log(Level.WARNING, "{0}: no cluster member can take work; waiting for one to join",
              settings.poolName());
          warnAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        }
        membersChanged.await(1, TimeUnit.SECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ outcomes

  private void handle(Dispatch d, ChunkOutcome o) {
    Chunk chunk = d.chunk;
    switch (o.kind) {
      case NEED_CODE -> {
        if (claim(d)) {
          lock.lock();
          try {
            d.member.specConfirmed = false;
            d.member.confirmedJobs.remove(chunk.job().id());
          } finally {
            lock.unlock();
          }
          sink.lost(chunk, new Loss(Loss.Kind.DIED, false, -1,
              "cluster member " + o.member + " no longer had the code of this call", null));
          release(d);
        }
      }
      case HANDED_BACK -> {
        if (claim(d)) {
          lock.lock();
          try {
            d.member.leaving = true;
          } finally {
            lock.unlock();
          }
          sink.lost(chunk, new Loss(Loss.Kind.DIED, false, -1,
              "cluster member " + o.member + " is leaving and handed the chunk back unstarted", null));
          release(d);
        }
      }
      case SKIPPED -> {
        if (claim(d)) {
          confirm(d);
          release(d);
        }
      }
      case INIT_FAILED -> {
        if (claim(d)) {
          confirmSpec(d);
          Throwable error = Codec.deserializeError(o.error, Codec.loader());
          String what = o.message != null ? o.message : "the initializer could not be read on cluster member " + o.member;
          sink.workerStartFailed(what + ": " + error, error);
          release(d);
        }
      }
      case CLASS_MISSING -> {
        if (claim(d)) {
          MemberClasspathException e = new MemberClasspathException(o.missingClass, o.member, o.message);
          for (int i = 0; i < chunk.size(); i++) {
            sink.failed(chunk, i, e);
          }
          release(d);
        }
      }
      case DONE, TIMED_OUT -> {
        if (claim(d)) {
          confirm(d);
          report(chunk, o);
          account(d.member, o);
          if (o.kind == ChunkOutcome.Kind.TIMED_OUT) {
            sink.lost(chunk, new Loss(Loss.Kind.TIMED_OUT, true, o.timedOutOffset,
                "stopped on cluster member " + o.member, null));
          } else if (o.ran < chunk.size() && !chunk.job().isCancelled()) {
            sink.lost(chunk, new Loss(Loss.Kind.DIED, false, -1,
                "cluster member " + o.member + " stopped the chunk early", null));
          }
          release(d);
        }
      }
      default -> throw new IllegalStateException("unknown outcome " + o.kind);
    }
  }

  /**
   * Reports what the member worker that ran a chunk did, for the pool's statistics: a worker first
   * heard of has started, its items and busy time, and whether it was recycled or stopped for a timeout.
   */
  private void account(MemberState m, ChunkOutcome o) {
    if (o.worker <= 0) {
      return;
    }
    int id;
    boolean fresh = false;
    lock.lock();
    try {
      Integer known = m.workers.get(o.worker);
      if (known == null) {
        known = workerIds.incrementAndGet();
        m.workers.put(o.worker, known);
        fresh = true;
      }
      id = known;
      if (o.retiring || o.kind == ChunkOutcome.Kind.TIMED_OUT) {
        m.workers.remove(o.worker);
      }
    } finally {
      lock.unlock();
    }
    if (fresh) {
      sink.workerEvent(new WorkerEvent(id, WorkerEvent.Kind.STARTED,
          "thread " + o.worker + " of cluster member " + o.member, o.workerStartupNanos));
    }
    sink.activity(new WorkerActivity(id, o.ran, o.busyNanos, 0, 0));
    if (o.kind == ChunkOutcome.Kind.TIMED_OUT) {
      sink.workerEvent(new WorkerEvent(id, WorkerEvent.Kind.TIMED_OUT, "on cluster member " + o.member));
    } else if (o.retiring) {
      sink.workerEvent(new WorkerEvent(id, WorkerEvent.Kind.RECYCLED, "on cluster member " + o.member));
    }
  }

  /** Reports that every worker of a member this pool has heard of is gone. */
  private void workersGone(MemberState m, WorkerEvent.Kind kind, String detail) {
    List<Integer> ids;
    lock.lock();
    try {
      ids = new ArrayList<>(m.workers.values());
      m.workers.clear();
    } finally {
      lock.unlock();
    }
    for (int id : ids) {
      sink.workerEvent(new WorkerEvent(id, kind, detail));
    }
  }

  /** Reports the results and failures of a chunk's first {@code o.ran} items, in runs. */
  private void report(Chunk chunk, ChunkOutcome o) {
    if (o.ran == 0) {
      return;
    }
    List<?> values = o.values;
    if (values == null) {
      SerializationService ss = ((SerializationServiceSupport) instance).getSerializationService();
      values = ss.toObject(new HeapData(o.results));
    }
    Map<Integer, byte[]> failures = new HashMap<>();
    for (int k = 0; k < o.failedOffsets.length; k++) {
      failures.put(o.failedOffsets[k], o.failures[k]);
    }
    int runStart = 0;
    for (int i = 0; i < o.ran; i++) {
      byte[] failure = failures.get(i);
      if (failure != null) {
        if (runStart < i) {
          sink.completed(chunk, runStart, values.subList(runStart, i));
        }
        sink.failed(chunk, i, Codec.deserializeError(failure, Codec.loader()));
        runStart = i + 1;
      }
    }
    if (runStart < o.ran) {
      sink.completed(chunk, runStart, values.subList(runStart, o.ran));
    }
  }

  private void failed(Dispatch d, Throwable error) {
    Throwable cause = unwrap(error);
    if (!instance.getLifecycleService().isRunning()) {
      if (claim(d)) {
        if (!terminated) {
          sink.workerStartFailed("the Hazelcast instance of this pool has shut down (" + cause
              + "); create a new pool on a running instance", cause);
        }
        release(d);
      }
    } else if (memberGone(d, cause)) {
      lostWithMember(d, "cluster member " + d.member.member.getAddress() + " left: " + cause, cause);
    } else if (Codec.missingClass(cause) != null) {
      if (claim(d)) {
        String missing = Codec.missingClass(cause);
        String member = String.valueOf(d.member.member.getAddress());
        MemberClasspathException e = new MemberClasspathException(missing, member,
            MemberClasspathException.messageFor(missing, member, "the items or results of this call"));
        for (int i = 0; i < d.chunk.size(); i++) {
          sink.failed(d.chunk, i, e);
        }
        release(d);
      }
    } else if (claim(d)) {
      RuntimeException why = notSerializable(cause)
          ? new IllegalArgumentException("the items of this chunk cannot be sent to cluster members: " + cause
              + "; items must be Serializable", cause)
          : new IllegalStateException("the cluster could not run this chunk: " + cause, cause);
      for (int i = 0; i < d.chunk.size(); i++) {
        sink.failed(d.chunk, i, why);
      }
      release(d);
    }
  }

  private boolean memberGone(Dispatch d, Throwable cause) {
    if (cause instanceof MemberLeftException || cause instanceof TargetNotMemberException
        || cause instanceof TargetDisconnectedException || cause instanceof HazelcastInstanceNotActiveException
        || cause instanceof RejectedExecutionException) {
      return true;
    }
    if (d.member == null) {
      return false;
    }
    UUID uuid = d.member.member.getUuid();
    return instance.getCluster().getMembers().stream().noneMatch(m -> m.getUuid().equals(uuid));
  }

  private static boolean notSerializable(Throwable error) {
    for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof NotSerializableException) {
        return true;
      }
    }
    return false;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Reports a chunk lost with its member; see the class comment for the started flag. */
  private void lostWithMember(Dispatch d, String detail, Throwable cause) {
    if (!claim(d)) {
      return;
    }
    LOG.log(Level.DEBUG, "{0}: {1} lost with its member ({2})", settings.poolName(), d.chunk, detail);
    sink.lost(d.chunk, new Loss(Loss.Kind.DIED, Loss.Start.UNKNOWN, -1, detail, cause));
    release(d);
  }

  /** Takes the right to report a dispatch's fate; true for exactly one caller. */
  private boolean claim(Dispatch d) {
    return d.settled.compareAndSet(false, true);
  }

  /** Frees the dispatch's place in flight, after its fate was reported. */
  private void release(Dispatch d) {
    pending.remove(d.id);
    if (d.member != null) {
      lock.lock();
      try {
        d.member.inflight--;
        membersChanged.signalAll();
      } finally {
        lock.unlock();
      }
    }
    permits.release();
  }

  private void confirm(Dispatch d) {
    lock.lock();
    try {
      if (d.sentSpec) {
        d.member.specConfirmed = true;
      }
      if (d.sentFunction) {
        d.member.confirmedJobs.add(d.chunk.job().id());
      }
    } finally {
      lock.unlock();
    }
  }

  private void confirmSpec(Dispatch d) {
    lock.lock();
    try {
      if (d.sentSpec) {
        d.member.specConfirmed = true;
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ jobs and lifecycle

  @Override
  public void jobFinished(Job job) {
    long id = job.id();
    functions.remove(id);
    lock.lock();
    try {
      for (MemberState m : members.values()) {
        m.confirmedJobs.remove(id);
        if (m.sentJobs.remove(id)) {
          m.finished.add(id);
          if (m.finished.size() > MAX_FINISHED_NOTICES) {
            m.finished.poll();
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void interrupt(Job job) {
    broadcast(new ControlTask(ControlTask.INTERRUPT_JOB, poolKey, job.id()));
  }

  private void broadcast(ControlTask message) {
    try {
      if (instance.getLifecycleService().isRunning()) {
        control.executeOnMembers(message, member -> !member.isLiteMember());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, settings.poolName() + ": could not reach the cluster members", e);
    }
  }

  @Override
  public void shutdown() {
    // The dispatcher leaves once the source is finished.
  }

  @Override
  public void terminate() {
    terminated = true;
    Thread t = dispatcher;
    if (t != null) {
      t.interrupt();
    } else {
      cleanUp();
    }
    lock.lock();
    try {
      membersChanged.signalAll();
    } finally {
      lock.unlock();
    }
    abandonPending();
  }

  private void abandonPending() {
    for (Dispatch d : new ArrayList<>(pending.values())) {
      if (claim(d)) {
        sink.lost(d.chunk, new Loss(Loss.Kind.TERMINATED, true, -1, "the pool was terminated", null));
        release(d);
      }
    }
  }

  private void cleanUp() {
    if (!cleanedUp.compareAndSet(false, true)) {
      return;
    }
    try {
      abandonPending();
      List<MemberState> all;
      lock.lock();
      try {
        all = new ArrayList<>(members.values());
      } finally {
        lock.unlock();
      }
      for (MemberState m : all) {
        workersGone(m, WorkerEvent.Kind.EXITED, "the pool has finished");
      }
      broadcast(new ControlTask(ControlTask.CLOSE_POOL, poolKey, 0));
      UUID id = listener;
      if (id != null && instance.getLifecycleService().isRunning()) {
        instance.getCluster().removeMembershipListener(id);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, settings.poolName() + ": clean-up", e);
    } finally {
      try {
        onClose.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, settings.poolName() + ": could not shut the Hazelcast instance down", e);
      }
      closed.countDown();
    }
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    return closed.await(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  // ------------------------------------------------------------------ parts

  private final class Listener implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      lock.lock();
      try {
        membersChanged.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      UUID uuid = event.getMember().getUuid();
      MemberState gone;
      lock.lock();
      try {
        departed.add(uuid);
        gone = members.remove(uuid);
        membersChanged.signalAll();
      } finally {
        lock.unlock();
      }
      if (gone == null) {
        return;
      }
      workersGone(gone, gone.leaving ? WorkerEvent.Kind.EXITED : WorkerEvent.Kind.DIED,
          "cluster member " + event.getMember().getAddress() + " left the cluster");
      for (Dispatch d : new ArrayList<>(pending.values())) {
        if (d.member == gone) {
          lostWithMember(d, "cluster member " + event.getMember().getAddress() + " left the cluster", null);
        }
      }
    }
  }

  private final class Callback implements ExecutionCallback<ChunkOutcome> {
    private final Dispatch d;

    Callback(Dispatch d) {
      this.d = d;
    }

    @Override
    public void onResponse(ChunkOutcome response) {
      try {
        handle(d, response);
      } catch (RuntimeException | Error e) {
        LOG.log(Level.ERROR, settings.poolName() + ": could not handle the outcome of " + d.chunk, e);
        failed(d, e);
      }
    }

    @Override
    public void onFailure(Throwable t) {
      try {
        failed(d, t);
      } catch (RuntimeException | Error e) {
        LOG.log(Level.ERROR, settings.poolName() + ": could not handle the failure of " + d.chunk, e);
      }
    }
  }

  /** A chunk on its way to, or on, a member. */
  private static final class Dispatch {
    final long id;
    final Chunk chunk;
    final AtomicBoolean settled = new AtomicBoolean();
    volatile MemberState member;
    volatile boolean sentSpec;
    volatile boolean sentFunction;

    Dispatch(long id, Chunk chunk) {
      this.id = id;
      this.chunk = chunk;
    }
  }

  /** What the caller knows about one data member; guarded by the backend's lock. */
  private static final class MemberState {
    final Member member;
    final int capacity;
    /** The member's worker threads this pool has heard of: member-side number to the pool's worker id. */
    final Map<Integer, Integer> workers = new HashMap<>();
    int inflight;
    boolean leaving;
    boolean specConfirmed;
    final Set<Long> confirmedJobs = new HashSet<>();
    final Set<Long> sentJobs = new HashSet<>();
    final ArrayDeque<Long> finished = new ArrayDeque<>();

    MemberState(Member member) {
      this.member = member;
      this.capacity = capacityOf(member);
    }
  }

  /**
   * Returns a member's worker threads per pool, as its {@value NodeRuntime#WORKERS_ATTRIBUTE} attribute
   * says.
   *
   * @param member a cluster member
   * @return the attribute's value, or 1 if the member does not say
   */
  public static int capacityOf(Member member) {
    String value = member.getAttribute(NodeRuntime.WORKERS_ATTRIBUTE);
    if (value != null) {
      try {
        return Math.max(1, Integer.parseInt(value.trim()));
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    return 1;
  }
}
