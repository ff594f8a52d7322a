package dev.procpool.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.procpool.contract.FaultContract;
import dev.procpool.hazelcast.internal.ClusterConfigs;
import dev.procpool.spi.BackendFactory;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/**
 * The fault contract on a cluster of two members embedded in the test's JVM, each with one worker thread.
 * A member is one worker of the engine, so two single-thread members are what two workers are on the
 * other backends (one member of two threads is one worker holding two chunks, which a death settles
 * together). A worker the injector kills is a member's link written off; the backend replaces it with a
 * fresh link to the same member once the link's chunks are settled, after the engine's delay. The pool's
 * threads, on the caller's side and on the members', carry the pool's name, so the contract's check that
 * nothing is left covers both.
 */
class EmbeddedClusterFaultContractTest extends FaultContract {
  private static HazelcastInstance first;
  private static HazelcastInstance second;

  static synchronized HazelcastInstance cluster() {
    if (first == null) {
      String name = "procpool-fault-contract-" + UUID.randomUUID();
      int port = ClusterConfigs.freeLoopbackPort();
      first = Hazelcast.newHazelcastInstance(member(name, port, List.of()));
      second = Hazelcast.newHazelcastInstance(member(name, ClusterConfigs.freeLoopbackPort(),
          List.of("127.0.0.1:" + port)));
    }
    return first;
  }

  private static Config member(String name, int port, List<String> join) {
    Config config = ClusterConfigs.member(name, "127.0.0.1", port, join, 1, Duration.ofSeconds(5));
    // Two members of one JVM form their cluster in a second rather than Hazelcast's default twenty.
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "2");
    return config;
  }

  @AfterAll
  static synchronized void stopMembers() {
    if (first != null) {
      second.shutdown();
      first.shutdown();
      first = null;
      second = null;
    }
  }

  @Override
  protected BackendFactory backend() {
    HazelcastInstance instance = cluster();
    return ClusterPools.backend(instance);
  }
}
