package dev.procpool.hazelcast;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.procpool.PoolBuilder;
import dev.procpool.contract.PoolContract;
import dev.procpool.hazelcast.internal.ClusterConfigs;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.AfterAll;

/**
 * The Pool contract on one embedded member in the test's JVM. The member is started on first use and
 * shared by every test of the class, Jupiter's and jqwik's alike (jqwik does not run Jupiter's class
 * callbacks), and by {@link ClusterPoolsTest}; each stops it when it is done, and the next one to need it
 * starts another.
 */
class EmbeddedClusterContractTest extends PoolContract {
  private static HazelcastInstance member;

  static synchronized HazelcastInstance member() {
    if (member == null || !member.getLifecycleService().isRunning()) {
      member = Hazelcast.newHazelcastInstance(ClusterConfigs.member("procpool-test-" + UUID.randomUUID(),
          "127.0.0.1", ClusterConfigs.freeLoopbackPort(), List.of(), 2, Duration.ofSeconds(5)));
    }
    return member;
  }

  static synchronized void stopMember() {
    if (member != null) {
      member.shutdown();
      member = null;
    }
  }

  @AfterAll
  static void stopJupiterMember() {
    stopMember();
  }

  @AfterContainer
  static void stopJqwikMember() {
    stopMember();
  }

  @Override
  protected PoolBuilder backend(PoolBuilder builder, int workers) {
    return builder.backend(ClusterPools.backend(member()), workers);
  }
}
