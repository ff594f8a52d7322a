package dev.procpool.hazelcast.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Job;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerSettings;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The caller side of the cluster backend. Each data member of the cluster is one worker of the engine:
 * it is enrolled when first seen and gone when it leaves, so the engine's ledger says which chunks each
 * member holds, one member's death settles each of them once, and the engine's isolation ("an isolated
 * chunk goes only to a worker holding nothing") means alone on a member with nothing else in flight.
 *
 * <p>The parts, one job each: {@link MemberDirectory} (members, their health and share of the chunks in
 * flight, the classes they lack, running out of members), a {@link MemberSender} thread per member (takes
 * chunks from the member's link and reports its end), {@link Dispatcher} (sends a chunk to its member),
 * {@link CodeShipping} (the spec and functions, sent once per member), {@link OutcomeReporter} (answers
 * and failures as facts on the member's link). What a fault means for an item is the engine's to decide.
 */
public final class ClusterBackend implements Backend {
  private static final System.Logger LOG = System.getLogger("dev.procpool.hazelcast");

  private final WorkerSettings settings;
  private final HazelcastInstance instance;
  private final Runnable onClose;
  private final boolean followMembership;
  private final String poolKey = UUID.randomUUID().toString();
  private final IExecutorService control;
  private final CodeShipping code;
  private final MemberDirectory directory;
  private final Dispatcher dispatcher;
  private final OutcomeReporter outcomes;
  private final AtomicBoolean cleanedUp = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean terminated;
  private volatile WorkSource source;

  /**
   * Creates the backend.
   *
   * @param settings the pool's worker settings
   * @param instance a member or client of the cluster to run on
   * @param onClose run once when the backend has finished (shuts down an instance the pool owns)
   * @param followMembership whether the chunks in flight follow the members' worker threads as members
   *     join and leave; false keeps {@code settings.workers()}, which the user fixed
   * @param failureDetection how long the pool waits for a member to answer again once none does, before
   *     its pending calls fail
   * @throws IllegalArgumentException if the pool's initializer cannot be sent to members
   */
  public ClusterBackend(WorkerSettings settings, HazelcastInstance instance, Runnable onClose,
      boolean followMembership, Duration failureDetection) {
    this.settings = settings;
    this.instance = instance;
    this.onClose = onClose;
    this.followMembership = followMembership;
    this.code = new CodeShipping(poolKey, settings);
    this.control = instance.getExecutorService(NodeRuntime.CONTROL_EXECUTOR);
    this.directory = new MemberDirectory(this, instance, control, followMembership, settings.workers(),
        failureDetection, settings.poolName());
    this.outcomes = new OutcomeReporter(instance, directory, code, settings.poolName());
    this.dispatcher = new Dispatcher(instance, instance.getExecutorService(NodeRuntime.CHUNK_EXECUTOR), directory,
        code, outcomes);
  }

  /**
   * The number of chunks in flight: the worker threads of the members that take chunks now (at least 1),
   * or the number the user fixed.
   */
  @Override
  public int workers() {
    return followMembership ? Math.max(1, directory.capacity()) : settings.workers();
  }

  @Override
  public void start(WorkSource source) {
    this.source = source;
    directory.start(source);
  }

  WorkSource source() {
    return source;
  }

  Dispatcher dispatcher() {
    return dispatcher;
  }

  /** Whether no chunk will come again: the pool is terminated, or shut down with every call finished. */
  boolean isDone() {
    WorkSource s = source;
    return terminated || s == null || s.isFinished();
  }

  boolean isTerminated() {
    return terminated;
  }

  // ------------------------------------------------------------------ jobs

  /**
   * Serializes the job's function once, for every member: one that cannot travel fails the call at once,
   * saying why.
   */
  @Override
  public void admit(Job job) {
    code.admit(job);
  }

  @Override
  public void jobFinished(Job job) {
    code.jobFinished(job, directory.entries());
    directory.jobFinished(job.id());
  }

  @Override
  public void interrupt(Job job) {
    broadcast(new ControlTask(ControlTask.INTERRUPT_JOB, poolKey, job.id()));
  }

  /** Sends a control message to every data member, from a thread that carries no interrupt. */
  private void broadcast(ControlTask message) {
    directory.runUninterrupted(() -> send(message));
  }

  private void send(ControlTask message) {
    try {
      if (instance.getLifecycleService().isRunning() && directory.anyHealthy()) {
        control.executeOnMembers(message, member -> !member.isLiteMember());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, settings.poolName() + ": could not reach the cluster members", e);
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void shutdown() {
    // Each sender ends once its member's link has no more work; the ones waiting for room look now.
    directory.wakeSenders();
  }

  @Override
  public void terminate() {
    terminated = true;
    directory.terminate();
    cleanUpIfDone();
  }

  /** Cleans up once the pool is done and every member's sender has ended. */
  void cleanUpIfDone() {
    if (isDone() && !directory.hasSenders() && cleanedUp.compareAndSet(false, true)) {
      directory.runUninterrupted(this::cleanUp); // often called by a sender that terminate() interrupted
    }
  }

  private void cleanUp() {
    try {
      closeOnMembers();
      directory.close();
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, settings.poolName() + ": clean-up", e);
    } finally {
      try {
        outcomes.awaitQuiet();
        onClose.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, settings.poolName() + ": could not shut the Hazelcast instance down", e);
      }
      closed.countDown();
    }
  }

  /**
   * Tells the members the pool is closed (they stop its threads and drop its code), and waits a second at
   * most for them to acknowledge it: an instance the pool owns is shut down next, and one shut down while
   * a message is on its way warns that the message's invocation completed twice.
   */
  private void closeOnMembers() {
    if (!instance.getLifecycleService().isRunning() || !directory.anyHealthy()) {
      return;
    }
    java.util.concurrent.CountDownLatch acknowledged = new java.util.concurrent.CountDownLatch(1);
    try {
      control.submitToMembers(new ControlTask(ControlTask.CLOSE_POOL, poolKey, 0), member -> !member.isLiteMember(),
          new com.hazelcast.core.MultiExecutionCallback() {
            @Override
            public void onResponse(Member member, Object value) {}

            @Override
            public void onComplete(java.util.Map<Member, Object> values) {
              acknowledged.countDown();
            }
          });
      acknowledged.await(1, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, settings.poolName() + ": could not reach the cluster members", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    return closed.await(timeoutNanos, TimeUnit.NANOSECONDS);
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
