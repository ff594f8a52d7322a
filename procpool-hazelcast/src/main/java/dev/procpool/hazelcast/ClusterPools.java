package dev.procpool.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.procpool.Pool;
import dev.procpool.hazelcast.internal.ClusterBackend;
import dev.procpool.hazelcast.internal.ClusterConfigs;
import dev.procpool.spi.Backend;
import dev.procpool.spi.BackendFactory;
import dev.procpool.spi.WorkerSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * One-line factories for a {@link Pool} whose workers are the members of a Hazelcast cluster: the same
 * {@code map}, {@code imap}, {@code apply} and {@code ExecutorService} calls as on threads, spread over
 * many machines.
 *
 * <pre>{@code
 * // (a) an embedded member in this JVM: loopback only, needs no running cluster
 * try (Pool pool = ClusterPools.embedded()) {
 *   List<Integer> squares = pool.map(x -> x * x, List.of(1, 2, 3));
 * }
 * // (b) a member or client your application already has (the pool never shuts it down)
 * try (Pool pool = ClusterPools.on(hazelcastInstance)) { ... }
 * // (c) join a running cluster of NodeLauncher members, as a client
 * try (Pool pool = ClusterPools.join("analytics", "10.0.0.5:5701", "10.0.0.6:5701")) { ... }
 * }</pre>
 *
 * <p>Each data member is one worker of the pool. Work runs at least once: a chunk on a member that dies
 * is run again elsewhere, so tasks with side effects should be idempotent; an item that kills every
 * member it runs on fails alone with {@link dev.procpool.WorkerDiedException}; when no member is left,
 * pending calls fail with {@link dev.procpool.NoWorkersException}. Functions, items, results and thrown
 * exceptions travel between JVMs, so they must be serializable and their classes must be on the members'
 * classpath (a member that lacks one is left out of that call). See {@link ClusterPoolBuilder} for the
 * settings (worker count, failure detection, initializer and other pool settings) and their defaults.
 *
 * <p>All methods are thread-safe; every pool is independent.
 */
public final class ClusterPools {
  private ClusterPools() {}

  /**
   * Starts a Hazelcast member in this JVM and returns a pool on it, with one worker thread per processor.
   * The member binds 127.0.0.1 only, has a unique cluster name, no multicast and no phone-home, so it
   * forms a cluster of its own; closing the pool shuts it down. Close the pool (try-with-resources):
   * the member's threads keep the JVM running until then.
   *
   * @return a running pool
   * @throws com.hazelcast.core.HazelcastException if the member cannot start
   */
  public static Pool embedded() {
    return builder().embedded().build();
  }

  /**
   * Like {@link #embedded()}, with {@code workers} worker threads on the member and as many chunks in
   * flight; usable as an {@code IntFunction<Pool>}: {@code ClusterPools::embedded}.
   *
   * @param workers the number of workers, at least 1
   * @return a running pool
   * @throws IllegalArgumentException if {@code workers < 1}
   * @throws com.hazelcast.core.HazelcastException if the member cannot start
   */
  public static Pool embedded(int workers) {
    return builder().embedded().memberThreads(workers).workers(workers).build();
  }

  /**
   * Returns a pool on a Hazelcast member or client the application already has. Its workers are the
   * cluster's data members (lite members and clients run nothing); every member needs procpool-hazelcast
   * and the application's classes on its classpath. The pool never shuts the instance down. The chunks in
   * flight follow the cluster: the sum of the data members' worker threads (see {@link NodeLauncher}; 1
   * for a member started without procpool's attribute), rising and falling as members join and leave.
   *
   * @param instance a running member or client
   * @return a running pool
   * @throws NullPointerException if {@code instance} is null
   */
  public static Pool on(HazelcastInstance instance) {
    return builder().instance(instance).build();
  }

  /**
   * Connects to a running cluster as a Hazelcast client and returns a pool on its members; closing the
   * pool closes the client. The client does not join the cluster (it owns no data and leaving costs the
   * cluster nothing), so a short-lived application never disturbs the members.
   *
   * @param clusterName the cluster's name, as given to every {@link NodeLauncher}
   * @param members addresses of one or more members, {@code host} or {@code host:port}
   * @return a running pool
   * @throws IllegalArgumentException if no member address is given or the cluster name is blank
   * @throws IllegalStateException if the cluster cannot be reached within 30 seconds
   */
  public static Pool join(String clusterName, String... members) {
    return builder().join(clusterName, members).build();
  }

  /**
   * Returns a builder for the settings the factories leave at their defaults.
   *
   * @return a new builder
   */
  public static ClusterPoolBuilder builder() {
    return new ClusterPoolBuilder();
  }

  /**
   * Returns the backend factory behind these pools, for {@link dev.procpool.PoolBuilder#backend
   * Pool.builder().backend(factory, workers)}. The backend runs on {@code instance} and never shuts it
   * down; the {@code workers} given there are the chunks in flight, fixed, split over the members. Once
   * no member answers, pending calls fail after 10 seconds.
   *
   * <pre>{@code
   * Pool pool = Pool.builder().backend(ClusterPools.backend(hz), 8).taskTimeout(Duration.ofMinutes(5)).build();
   * }</pre>
   *
   * @param instance a running member or client
   * @return a factory that makes one backend per pool built
   * @throws NullPointerException if {@code instance} is null
   */
  public static BackendFactory backend(HazelcastInstance instance) {
    Objects.requireNonNull(instance, "instance");
    return new Factory(instance, () -> {}, describe(instance), false, ClusterPoolBuilder.DEFAULT_DETECTION);
  }

  /**
   * Returns how many worker threads the cluster's data members offer a pool, the default worker count
   * of a pool on {@code instance}.
   *
   * @param instance a running member or client
   * @return at least 1
   */
  public static int capacity(HazelcastInstance instance) {
    return ClusterConfigs.capacity(instance);
  }

  static String describe(HazelcastInstance instance) {
    try {
      return "hazelcast(" + instance.getName() + ")";
    } catch (RuntimeException e) {
      return "hazelcast(" + e.getClass().getSimpleName() + ")";
    }
  }

  /**
   * Makes a cluster backend on one instance; runs {@code onClose} when that backend has finished. With
   * {@code followMembership}, the chunks in flight follow the members' worker threads as members join and
   * leave, rather than the workers the pool was built with.
   */
  record Factory(HazelcastInstance instance, Runnable onClose, String description, boolean followMembership,
      Duration failureDetection) implements BackendFactory {
    @Override
    public Backend create(WorkerSettings settings) {
      return new ClusterBackend(settings, instance, onClose, followMembership, failureDetection);
    }

    @Override
    public String toString() {
      return description;
    }
  }
}
