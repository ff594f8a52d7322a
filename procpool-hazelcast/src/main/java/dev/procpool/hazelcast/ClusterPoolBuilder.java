package dev.procpool.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.procpool.Pool;
import dev.procpool.PoolBuilder;
import dev.procpool.hazelcast.internal.ClusterConfigs;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Builds a {@link Pool} on a Hazelcast cluster with settings beyond {@link ClusterPools}' defaults.
 *
 * <pre>{@code
 * Pool pool = ClusterPools.builder()
 *     .join("analytics", "10.0.0.5", "10.0.0.6")
 *     .workers(32)                                  // chunks in flight over the whole cluster
 *     .failureDetection(Duration.ofSeconds(10))
 *     .pool(b -> b.initializer(Model::load).taskTimeout(Duration.ofMinutes(5)))
 *     .build();
 * }</pre>
 *
 * <p>Choose where the pool runs with exactly one of {@link #embedded()} (the default),
 * {@link #instance(HazelcastInstance)} or {@link #join(String, String...)}. A pool owns the member or
 * client it started (closing the pool shuts it down) and never shuts down an instance it was given.
 *
 * <p>Not thread-safe; use one builder from one thread, and build once.
 */
public final class ClusterPoolBuilder {
  private enum Where { EMBEDDED, INSTANCE, JOIN }

  private Where where;
  private HazelcastInstance instance;
  private String clusterName;
  private List<String> members;
  private Integer workers;
  private Integer memberThreads;
  static final Duration DEFAULT_DETECTION = Duration.ofSeconds(10);

  private Duration failureDetection = DEFAULT_DETECTION;
  private Consumer<PoolBuilder> poolSettings = b -> {};
  private boolean built;

  ClusterPoolBuilder() {}

  /**
   * Runs the pool on a member started in this JVM when the pool is built: bound to 127.0.0.1 only, with
   * a unique cluster name, no join (it forms a cluster of its own), no multicast, no phone-home. This is the
   * default.
   *
   * @return this builder
   * @throws IllegalStateException if a place to run was already chosen
   */
  public ClusterPoolBuilder embedded() {
    choose(Where.EMBEDDED);
    return this;
  }

  /**
   * Runs the pool on a member or client the application already has; the pool never shuts it down.
   *
   * @param instance a running member or client
   * @return this builder
   * @throws IllegalStateException if a place to run was already chosen
   */
  public ClusterPoolBuilder instance(HazelcastInstance instance) {
    Objects.requireNonNull(instance, "instance");
    choose(Where.INSTANCE);
    this.instance = instance;
    return this;
  }

  /**
   * Runs the pool on a running cluster, connecting to it as a client when the pool is built. A client
   * rather than a lite member: it takes no part in the cluster's membership protocol, so an application
   * that comes and goes (or crashes) never makes the members re-partition or elect a new master.
   *
   * @param clusterName the cluster's name; the members only accept clients that know it
   * @param members addresses of one or more members, {@code host} or {@code host:port}
   * @return this builder
   * @throws IllegalArgumentException if {@code clusterName} is blank or no member is given
   * @throws IllegalStateException if a place to run was already chosen
   */
  public ClusterPoolBuilder join(String clusterName, String... members) {
    Objects.requireNonNull(clusterName, "clusterName");
    if (clusterName.isBlank()) {
      throw new IllegalArgumentException("clusterName must not be blank: a cluster is joined by its name");
    }
    if (members == null || members.length == 0) {
      throw new IllegalArgumentException("give at least one member address, host or host:port");
    }
    choose(Where.JOIN);
    this.clusterName = clusterName;
    this.members = List.copyOf(Arrays.asList(members));
    return this;
  }

  /**
   * Fixes how many chunks the pool keeps in flight over the whole cluster, which is also the pool's
   * {@link Pool#workers()} (and so drives the default chunksize, as on every backend). They are split
   * over the members that take chunks in proportion to their worker threads. More than the members'
   * threads queues chunks on members (less idle time between chunks, more work to redo when a member
   * dies). Default: not fixed, but following the cluster: each data member takes as many chunks as it
   * has worker threads, so a member that joins raises the chunks in flight and one that leaves lowers
   * them.
   *
   * @param workers at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code workers < 1}
   */
  public ClusterPoolBuilder workers(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    this.workers = workers;
    return this;
  }

  /**
   * Sets how many worker threads the embedded member runs per pool. Default: the number of processors.
   * Only for {@link #embedded()}; members started by {@link NodeLauncher} take {@code --workers}.
   *
   * @param threads at least 1
   * @return this builder
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public ClusterPoolBuilder memberThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("memberThreads must be at least 1, got " + threads);
    }
    this.memberThreads = threads;
    return this;
  }

  /**
   * Sets how long a member may stay silent before it is declared dead and its chunks run elsewhere
   * (Hazelcast's own default is 60 seconds). A member killed outright on a reachable machine is noticed
   * sooner, when its connections close; this bounds the silent cases (a frozen JVM, a lost network).
   * Applies to the embedded member (as its heartbeat timeout) and to a client (as its heartbeat
   * timeout); members started by {@link NodeLauncher} take {@code --failure-detection-seconds}. It is
   * also how long the pool waits, once no member answers, before its pending calls fail with
   * {@link dev.procpool.NoWorkersException}. Default: 10 seconds.
   *
   * @param timeout at least one second
   * @return this builder
   * @throws IllegalArgumentException if shorter than a second
   */
  public ClusterPoolBuilder failureDetection(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("failureDetection must be at least 1 second, got " + timeout);
    }
    this.failureDetection = timeout;
    return this;
  }

  /**
   * Applies more pool settings (initializer, maxTasksPerChild, taskTimeout, retries, readAhead, name) to
   * the {@link PoolBuilder} this builder fills in; the backend is already chosen on it.
   *
   * @param settings called once during {@link #build()}
   * @return this builder
   */
  public ClusterPoolBuilder pool(Consumer<PoolBuilder> settings) {
    this.poolSettings = Objects.requireNonNull(settings, "settings");
    return this;
  }

  /**
   * Starts the embedded member or connects the client if needed, and builds the pool.
   *
   * @return a running pool
   * @throws IllegalStateException if this builder already built a pool, or the cluster cannot be reached
   * @throws com.hazelcast.core.HazelcastException if the embedded member cannot start
   */
  public Pool build() {
    if (built) {
      throw new IllegalStateException("this builder already built a pool; use a new ClusterPools.builder()");
    }
    built = true;
    Where w = where == null ? Where.EMBEDDED : where;
    HazelcastInstance hz;
    Runnable onClose;
    int threads = memberThreads != null ? memberThreads : Runtime.getRuntime().availableProcessors();
    switch (w) {
      case EMBEDDED -> {
        hz = Hazelcast.newHazelcastInstance(ClusterConfigs.member("procpool-" + UUID.randomUUID(), "127.0.0.1",
            ClusterConfigs.freeLoopbackPort(), List.of(), threads, failureDetection));
        onClose = hz::shutdown;
      }
      case JOIN -> {
        try {
          hz = HazelcastClient.newHazelcastClient(
              ClusterConfigs.client(clusterName, members, failureDetection, Duration.ofSeconds(30)));
        } catch (IllegalStateException e) {
          throw new IllegalStateException("cannot reach cluster '" + clusterName + "' at " + members
              + ": start members with NodeLauncher --cluster-name " + clusterName + " and check the addresses", e);
        }
        onClose = hz::shutdown;
      }
      default -> {
        hz = instance;
        onClose = () -> {};
      }
    }
    try {
      int n = workers != null ? workers : ClusterConfigs.capacity(hz);
      PoolBuilder builder = Pool.builder().backend(new ClusterPools.Factory(hz, onClose, ClusterPools.describe(hz),
          workers == null, failureDetection), n);
      poolSettings.accept(builder);
      return builder.build();
    } catch (RuntimeException | Error e) {
      onClose.run();
      throw e;
    }
  }

  private void choose(Where w) {
    if (where != null) {
      throw new IllegalStateException("where the pool runs was already chosen: " + where.name().toLowerCase()
          + "; choose one of embedded(), instance(..), join(..)");
    }
    where = w;
  }
}
