package dev.procpool.hazelcast.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.LifecycleEvent;
import dev.procpool.spi.Exit;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerLink;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The data members of the cluster as one pool sees them. Each member is one worker of the engine,
 * enrolled when it is first seen, with a {@link MemberSender} thread that takes chunks from its link and
 * sends them to it; this class keeps what decides whether a member gets chunks:
 *
 * <ul>
 *   <li><b>Health.</b> A member whose chunk failed as if it were gone (its connection closed, it left) is
 *       suspect from that first failure: it gets no chunk until it answers a ping (it is alive: the chunks
 *       whose answers were lost go back to the queue as they were) or leaves the cluster (its sender
 *       reports its link gone, and the engine settles every chunk it held, once).
 *   <li><b>Share.</b> How many chunks a member may hold ({@link Shares}): its worker threads, or its
 *       share of a {@code workers} the user fixed, so that capacity follows membership.
 *   <li><b>Departures.</b> A member that left is reported gone once another member answered after it
 *       (the cluster survived it, so the death is its own), or once the pool declared that it has no
 *       members (after its calls failed): a whole cluster going down blames no item.
 *   <li><b>Classes.</b> The jobs a member cannot run for want of a class ({@link MissingClasses}): it
 *       hands their chunks back, and waits until another member took each.
 *   <li><b>No members.</b> When no member has been healthy for the failure detection time, every pending
 *       call fails with a {@link dev.procpool.NoWorkersException} naming the last members.
 * </ul>
 *
 * <p>Thread-safe. Lock order: this class's lock, never held while calling the engine.
 */
final class MemberDirectory {
  private static final System.Logger LOG = System.getLogger("dev.procpool.hazelcast");
  /** How often health is checked: pings to suspects, the no-members clock, a finished pool's clean-up. */
  static final long TICK_MILLIS = 200;

  private final ClusterBackend backend;
  private final HazelcastInstance instance;
  private final IExecutorService control;
  private final boolean followMembership;
  private final int fixedWorkers;
  private final String poolName;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // guarded by lock
  private final Map<UUID, MemberEntry> entries = new LinkedHashMap<>();
  private final Set<UUID> departed = new HashSet<>();
  /** Members that left and whose senders have not reported it yet. */
  private final List<MemberEntry> departing = new ArrayList<>();
  private final MissingClasses classes = new MissingClasses();
  private final NoMembersWatch none;
  private int senders;
  private boolean closed;
  private volatile WorkSource source;
  private ScheduledThreadPoolExecutor ticker;
  private ScheduledFuture<?> tick;
  private UUID membershipListener;
  private UUID lifecycleListener;

  MemberDirectory(ClusterBackend backend, HazelcastInstance instance, IExecutorService control,
      boolean followMembership, int fixedWorkers, Duration failureDetection, String poolName) {
    this.backend = backend;
    this.instance = instance;
    this.control = control;
    this.followMembership = followMembership;
    this.fixedWorkers = fixedWorkers;
    this.none = new NoMembersWatch(failureDetection.toNanos());
    this.poolName = poolName;
  }

  void start(WorkSource source) {
    this.source = source;
    membershipListener = instance.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        scan();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        departed(event.getMember());
      }
    });
    lifecycleListener = instance.getLifecycleService().addLifecycleListener(this::lifecycle);
    scan();
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "procpool-" + poolName + "-cluster-health");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true);
    lock.lock();
    try {
      ticker = t;
      tick = t.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ membership

  /** Enrols every data member not known yet. */
  private void scan() {
    if (!instance.getLifecycleService().isRunning()) {
      return;
    }
    for (Member m : instance.getCluster().getMembers()) {
      if (!m.isLiteMember()) {
        add(m);
      }
    }
  }

  private void add(Member member) {
    MemberEntry e = new MemberEntry(this, member);
    lock.lock();
    try {
      if (closed || entries.containsKey(e.uuid) || departed.contains(e.uuid)) {
        return;
      }
      entries.put(e.uuid, e);
      shareOut();
    } finally {
      lock.unlock();
    }
    WorkerLink link = source.enrol(e);
    link.ready(e.address);
    Thread t = new Thread(new MemberSender(backend, this, e), "procpool-" + poolName + "-cluster-sender-" + link.id());
    t.setDaemon(true);
    lock.lock();
    try {
      e.link = link;
      e.sender = t;
      senders++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    LOG.log(Level.DEBUG, "{0}: {1} joined, {2} worker threads", poolName, e, e.capacity);
    t.start();
  }

  private void departed(Member member) {
    lock.lock();
    try {
      departed.add(member.getUuid());
      MemberEntry e = entries.remove(member.getUuid());
      if (e == null) {
        return;
      }
      boolean graceful = e.health == MemberEntry.Health.LEAVING && e.held.isEmpty();
      e.departure = Exit.of(graceful ? Exit.Kind.EXITED : Exit.Kind.DIED, e + " left the cluster");
      e.health = MemberEntry.Health.DEPARTED;
      e.departedAt = System.nanoTime();
      e.mayEnd = e.held.isEmpty();
      departing.add(e);
      classes.forget(e);
      remember(e);
      shareOut();
      wake(e);
    } finally {
      lock.unlock();
    }
    LOG.log(Level.DEBUG, "{0}: cluster member {1} left the cluster", poolName, member.getAddress());
  }

  private void lifecycle(LifecycleEvent event) {
    switch (event.getState()) {
      case CLIENT_DISCONNECTED -> {
        // The client reaches no member at all: each is suspect until it answers again.
        for (MemberEntry e : entries()) {
          suspect(e, "this client lost its connection to the cluster");
        }
      }
      case CLIENT_CONNECTED, CLIENT_CHANGED_CLUSTER -> scan();
      default -> { }
    }
  }

  List<MemberEntry> entries() {
    lock.lock();
    try {
      return new ArrayList<>(entries.values());
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ health

  /** The member failed a chunk as if it were gone, or looked frozen: it gets no chunk until it answers. */
  void suspect(MemberEntry e, String why) {
    lock.lock();
    try {
      if (e.health != MemberEntry.Health.HEALTHY) {
        return;
      }
      e.health = MemberEntry.Health.SUSPECT;
      e.suspectSince = System.nanoTime();
      remember(e);
      shareOut();
    } finally {
      lock.unlock();
    }
    LOG.log(Level.DEBUG, "{0}: {1} is suspect ({2}); it gets no chunks until it answers a ping or leaves",
        poolName, e, why);
  }

  /** A suspect member answered a ping: it is back, and the chunks whose answers were lost run again. */
  private void alive(MemberEntry e) {
    answered(e);
    List<Dispatch> lostAnswers;
    lock.lock();
    try {
      e.probing = false;
      if (e.health != MemberEntry.Health.SUSPECT) {
        return;
      }
      e.health = MemberEntry.Health.HEALTHY;
      none.back(e.address);
      lostAnswers = new ArrayList<>(e.unanswered);
      e.unanswered.clear();
      e.held.removeAll(lostAnswers);
      shareOut();
    } finally {
      lock.unlock();
    }
    LOG.log(Level.DEBUG, "{0}: {1} answered again", poolName, e);
    for (Dispatch d : lostAnswers) {
      d.link.handBack(d.chunk, "the answer from " + e + " was lost with its connection, but it is alive");
    }
  }

  /** The member is draining before a graceful leave: it gets no more chunks. */
  void leaving(MemberEntry e) {
    lock.lock();
    try {
      if (e.health == MemberEntry.Health.HEALTHY || e.health == MemberEntry.Health.SUSPECT) {
        e.health = MemberEntry.Health.LEAVING;
        remember(e);
        shareOut();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The pool's initializer failed on the member; its sender reports it (which breaks the pool). */
  void startFailed(MemberEntry e, StartFailure failure) {
    lock.lock();
    try {
      if (e.startFailure == null) {
        e.startFailure = failure;
        wake(e);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Wakes a member's sender, wherever it waits; called under the lock. */
  private void wake(MemberEntry e) {
    changed.signalAll();
    if (e.inTake && e.sender != null) {
      e.sender.interrupt(); // the only way out of the engine's take(); see MemberSender
    }
  }

  private void remember(MemberEntry e) { // under the lock
    none.lost(e.address);
  }

  /** The member answered something (a chunk, a ping): it is alive, and so is the cluster that lost others. */
  void answered(MemberEntry e) {
    e.lastAnswer = System.nanoTime();
    boolean pending;
    lock.lock();
    try {
      pending = !departing.isEmpty();
    } finally {
      lock.unlock();
    }
    if (pending) {
      confirmDepartures();
    }
  }

  /**
   * Lets the senders of departed members report it once another member answered after the departure:
   * then the cluster survived it and the death is the member's own. Until then (every member may be going
   * down at once) their links stay open, holding their chunks, so that no item is blamed for a death that
   * took the whole cluster. Returns the healthy members to ping, if none answered since.
   */
  private List<MemberEntry> confirmDepartures() {
    List<MemberEntry> ping = new ArrayList<>();
    lock.lock();
    try {
      long earliest = Long.MAX_VALUE;
      for (MemberEntry d : departing) {
        if (d.mayEnd) {
          continue;
        }
        boolean survived = none.declared() || entries.values().stream()
            .anyMatch(x -> x.health == MemberEntry.Health.HEALTHY && x.lastAnswer - d.departedAt > 0);
        if (survived) {
          d.mayEnd = true;
          wake(d);
        } else {
          earliest = Math.min(earliest, d.departedAt);
        }
      }
      if (earliest != Long.MAX_VALUE) {
        for (MemberEntry x : entries.values()) {
          if (x.health == MemberEntry.Health.HEALTHY && x.lastAnswer - earliest <= 0 && !x.probing) {
            x.probing = true;
            ping.add(x);
          }
        }
      }
    } finally {
      lock.unlock();
    }
    return ping;
  }

  // ------------------------------------------------------------------ chunks in flight

  /** Records a chunk about to be sent; false if the member may not get it (it is no longer healthy). */
  boolean hold(Dispatch d) {
    lock.lock();
    try {
      if (d.member.health != MemberEntry.Health.HEALTHY || d.link != d.member.link) {
        return false;
      }
      d.member.held.add(d);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Forgets a chunk whose fate is reported; false if it was settled otherwise (its member's link ended). */
  boolean release(Dispatch d) {
    lock.lock();
    try {
      d.member.unanswered.remove(d);
      if (!d.member.held.remove(d)) {
        return false;
      }
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Keeps a chunk whose answer was lost with its member's connection until the member's fate is known.
   *
   * @return false if it never reached the member (it was sent after the member fell under suspicion):
   *     the caller hands it back
   */
  boolean awaitFate(Dispatch d) {
    lock.lock();
    try {
      MemberEntry e = d.member;
      if (!e.held.contains(d) || e.health == MemberEntry.Health.DEPARTED) {
        return true; // settled already, or about to be with the member's link
      }
      if (e.health == MemberEntry.Health.SUSPECT && d.sentAt > e.suspectSince) {
        return false;
      }
      e.unanswered.add(d);
      return true;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ the sender's turn

  /**
   * Waits until the member may take a chunk; returns its link, or null if its sender must end (the member
   * left, its initializer failed, the pool is done). Wakes up every tick to notice a finished pool.
   */
  WorkerLink awaitTurn(MemberEntry e) throws InterruptedException {
    for (;;) {
      if (backend.isDone()) {
        return null;
      }
      lock.lockInterruptibly();
      try {
        if (closed || (e.health == MemberEntry.Health.DEPARTED && e.mayEnd) || e.startFailure != null) {
          return null;
        }
        if (e.health == MemberEntry.Health.HEALTHY && !classes.isWaiting(e) && e.link != null
            && e.held.size() < e.quota) {
          e.inTake = true;
          return e.link;
        }
        changed.await(TICK_MILLIS, TimeUnit.MILLISECONDS);
      } finally {
        lock.unlock();
      }
    }
  }

  /** The sender left {@code take()}; a departure no longer needs to interrupt it. */
  void leftTake(MemberEntry e) {
    lock.lock();
    try {
      e.inTake = false;
      Thread.interrupted(); // an interrupt meant for the wait in take() must not reach Hazelcast's calls
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the member holds nothing; false if its sender must end first (it left, its start failed). */
  boolean awaitDrained(MemberEntry e) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (!e.held.isEmpty()) {
        if (closed || e.health == MemberEntry.Health.DEPARTED || e.startFailure != null) {
          return false;
        }
        changed.await(TICK_MILLIS, TimeUnit.MILLISECONDS);
      }
      return !(closed || e.health == MemberEntry.Health.DEPARTED || e.startFailure != null);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits out the engine's delay before a member's link is replaced (a back-off after failed starts);
   * false if the sender must end instead (the member left, the pool is done).
   */
  boolean awaitReplacement(MemberEntry e, long delayNanos) throws InterruptedException {
    long deadline = System.nanoTime() + delayNanos;
    lock.lockInterruptibly();
    try {
      for (;;) {
        if (closed || e.health == MemberEntry.Health.DEPARTED || e.startFailure != null) {
          return false;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS)));
      }
    } finally {
      lock.unlock();
    }
  }

  void relink(MemberEntry e, WorkerLink link) {
    lock.lock();
    try {
      e.link = link;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes what the sender must report as its link's end, and forgets the chunks that end settles.
   *
   * @return the dispatches to hand back first (those of a member whose initializer failed), never null
   */
  List<Dispatch> ending(MemberEntry e) {
    lock.lock();
    try {
      List<Dispatch> back = e.startFailure != null ? new ArrayList<>(e.held) : List.of();
      if (e.startFailure != null || e.departure != null) {
        e.held.clear();
        e.unanswered.clear();
      }
      return back;
    } finally {
      lock.unlock();
    }
  }

  void senderEnded(MemberEntry e) {
    lock.lock();
    try {
      senders--;
      departing.remove(e);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    backend.cleanUpIfDone();
  }

  boolean hasSenders() {
    lock.lock();
    try {
      return senders > 0;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ shares

  /** Sets each member's share of the chunks in flight (see {@link Shares}); called under the lock. */
  private void shareOut() {
    if (followMembership) {
      Shares.follow(entries.values());
    } else {
      List<MemberEntry> active = new ArrayList<>();
      for (MemberEntry e : entries.values()) {
        if (e.health == MemberEntry.Health.HEALTHY && !classes.isWaiting(e)) {
          active.add(e);
        }
      }
      Shares.split(fixedWorkers, entries.values(), active);
    }
    changed.signalAll();
  }

  /** The worker threads of the members that are or may soon be taking chunks: the pool's workers() when they follow membership. */
  int capacity() {
    lock.lock();
    try {
      int sum = 0;
      for (MemberEntry e : up()) {
        sum += e.capacity;
      }
      return sum;
    } finally {
      lock.unlock();
    }
  }

  /** The members that answer, or may answer again; called under the lock. */
  private List<MemberEntry> up() {
    List<MemberEntry> up = new ArrayList<>();
    for (MemberEntry e : entries.values()) {
      if (e.health == MemberEntry.Health.HEALTHY || e.health == MemberEntry.Health.SUSPECT) {
        up.add(e);
      }
    }
    return up;
  }

  // ------------------------------------------------------------------ missing classes (see MissingClasses)

  /** Records that a member cannot run a job ({@link MissingClasses#WHOLE_POOL} for every job of the pool). */
  void missing(MemberEntry e, long jobId, ChunkOutcome why) {
    classes.record(e, jobId, why);
    releaseStranded();
  }

  /** Why the member cannot run the job, or null if it can. */
  ChunkOutcome missingFor(MemberEntry e, long jobId) {
    return classes.why(e, jobId);
  }

  /** Returns why each member cannot run the job, if none of those that answer or may answer again can; else null. */
  List<ChunkOutcome> noneCanRun(long jobId) {
    lock.lock();
    try {
      return classes.noneCanRun(jobId, up());
    } finally {
      lock.unlock();
    }
  }

  /** The member handed back a chunk it cannot run: it takes nothing until another member took that chunk. */
  void pause(MemberEntry e, long jobId, long firstIndex) {
    lock.lock();
    try {
      if (classes.await(e, jobId, firstIndex, up())) {
        shareOut();
      }
    } finally {
      lock.unlock();
    }
  }

  /** A member's sender took a chunk: members that wait for another to take it may go on. */
  void taken(long jobId, long firstIndex, MemberEntry by) {
    if (classes.taken(jobId, firstIndex, by)) {
      reshare();
    }
  }

  void jobFinished(long jobId) {
    classes.jobFinished(jobId);
    reshare();
  }

  /** Members that wait for others to take a chunk stop waiting once no other can. */
  private void releaseStranded() {
    lock.lock();
    try {
      if (classes.releaseStranded(up())) {
        shareOut();
      }
    } finally {
      lock.unlock();
    }
  }

  private void reshare() {
    lock.lock();
    try {
      shareOut();
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ the tick

  private void tick() {
    try {
      if (!instance.getLifecycleService().isRunning()) {
        instanceGone();
      }
      List<MemberEntry> probe = new ArrayList<>();
      lock.lock();
      try {
        for (MemberEntry e : entries.values()) {
          if (e.health == MemberEntry.Health.SUSPECT && !e.probing) {
            e.probing = true;
            probe.add(e);
          }
        }
      } finally {
        lock.unlock();
      }
      releaseStranded();
      probe.addAll(confirmDepartures());
      for (MemberEntry e : probe) {
        ping(e);
      }
      checkNoMembers();
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, poolName + ": cluster health check failed", e);
    }
    backend.cleanUpIfDone();
  }

  private void ping(MemberEntry e) {
    try {
      control.submitToMember(new ControlTask(ControlTask.PING, "", 0), e.member, new ExecutionCallback<Object>() {
        @Override
        public void onResponse(Object response) {
          alive(e);
        }

        @Override
        public void onFailure(Throwable t) {
          notProbing(e);
        }
      });
    } catch (RuntimeException ex) {
      notProbing(e);
    }
  }

  private void notProbing(MemberEntry e) {
    lock.lock();
    try {
      e.probing = false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Fails every pending call once the pool has no members (see {@link NoMembersWatch}), and keeps failing
   * the calls made while it lasts.
   */
  private void checkNoMembers() {
    String why;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      boolean healthy = entries.values().stream().anyMatch(e -> e.health == MemberEntry.Health.HEALTHY);
      long now = System.nanoTime();
      boolean first = !none.declared();
      switch (none.check(healthy, now)) {
        case BACK -> {
          LOG.log(Level.INFO, "{0}: cluster members are back; the pool takes work again", poolName);
          return;
        }
        case MEMBERS, WAITING -> {
          return;
        }
        default -> why = none.why(now);
      }
      if (first) {
        LOG.log(Level.INFO, "{0}: {1}", poolName, why);
      }
    } finally {
      lock.unlock();
    }
    if (!source.isFinished()) {
      source.noWorkers(why);
    }
    confirmDepartures(); // the calls failed first: the departed members' links may end now
  }

  /** The Hazelcast instance of this pool shut down: no member will ever answer through it again. */
  private void instanceGone() {
    List<MemberEntry> all;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      for (MemberEntry e : entries.values()) {
        remember(e);
      }
      if (!none.instanceGone()) {
        return;
      }
      all = new ArrayList<>(entries.values());
    } finally {
      lock.unlock();
    }
    checkNoMembers(); // the calls fail first, blaming no item; then the members' links end
    lock.lock();
    try {
      for (MemberEntry e : all) {
        entries.remove(e.uuid);
        departed.add(e.uuid);
        e.departure = Exit.of(Exit.Kind.DIED, e + " is out of reach: " + none.instanceGoneWhy());
        e.health = MemberEntry.Health.DEPARTED;
        e.mayEnd = true;
        wake(e);
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ closing

  /**
   * Runs {@code task} on this directory's own thread, which nothing interrupts, or here if that thread is
   * gone. For calls into Hazelcast that may start work on this JVM's member: Hazelcast starts the worker of
   * a member's executor under an interruptible lock and drops the task's wake-up if the calling thread
   * carries an interrupt (as a sender does once the pool is terminated), so the task would wait for the
   * next one sent to that executor.
   */
  void runUninterrupted(Runnable task) {
    ScheduledThreadPoolExecutor t;
    lock.lock();
    try {
      t = ticker;
    } finally {
      lock.unlock();
    }
    if (t != null) {
      try {
        t.execute(task);
        return;
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shut down: run it here
      }
    }
    task.run();
  }

  /** Makes the senders look again whether the pool is done. */
  void wakeSenders() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Stops the senders now (the pool is terminated). */
  void terminate() {
    lock.lock();
    try {
      List<MemberEntry> all = new ArrayList<>(entries.values());
      all.addAll(departing);
      for (MemberEntry e : all) {
        e.mayEnd = true;
        if (e.sender != null) {
          e.sender.interrupt();
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Stops watching the cluster; called once, when every sender has ended. */
  void close() {
    ScheduledThreadPoolExecutor t;
    lock.lock();
    try {
      closed = true;
      t = ticker;
      if (tick != null) {
        tick.cancel(false);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (t != null) {
      t.shutdown();
    }
    if (instance.getLifecycleService().isRunning()) {
      try {
        if (membershipListener != null) {
          instance.getCluster().removeMembershipListener(membershipListener);
        }
        if (lifecycleListener != null) {
          instance.getLifecycleService().removeLifecycleListener(lifecycleListener);
        }
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, poolName + ": could not remove the cluster listeners", e);
      }
    }
  }

  /** Whether some member answers now: worth telling it that the pool closed. */
  boolean anyHealthy() {
    lock.lock();
    try {
      return entries.values().stream().anyMatch(e -> e.health == MemberEntry.Health.HEALTHY);
    } finally {
      lock.unlock();
    }
  }
}
