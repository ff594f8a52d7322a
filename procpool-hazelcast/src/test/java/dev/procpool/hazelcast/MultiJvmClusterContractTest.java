package dev.procpool.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import dev.procpool.PoolBuilder;
import dev.procpool.contract.PoolContract;
import dev.procpool.hazelcast.internal.ClusterConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.AfterAll;

/**
 * The Pool contract on a cluster of two members, each in a JVM of its own on loopback, that this test's
 * JVM reaches as a client: every item runs in another process. The members are started once, shared by
 * the class's tests (Jupiter's and jqwik's), and killed after each engine has run them; no process may
 * be left behind.
 */
class MultiJvmClusterContractTest extends PoolContract {
  private static final String CLUSTER = "procpool-contract-" + ProcessHandle.current().pid();
  private static final String MEMBERS = "127.0.0.1:5811,127.0.0.1:5812,127.0.0.1:5813";
  private static final List<MemberProcess> members = new ArrayList<>();
  private static HazelcastInstance client;

  static synchronized HazelcastInstance client() throws Exception {
    if (client == null) {
      String cp = MemberProcess.testClasspath();
      members.add(MemberProcess.start("contract-1", cp, CLUSTER, 5811, MEMBERS, 2).awaitReady());
      members.add(MemberProcess.start("contract-2", cp, CLUSTER, 5811, MEMBERS, 2).awaitReady());
      client = HazelcastClient.newHazelcastClient(ClusterConfigs.client(CLUSTER,
          members.stream().map(MemberProcess::address).toList(), Duration.ofSeconds(5), Duration.ofSeconds(30)));
      assertThat(ClusterPools.capacity(client)).as("two members of two threads each").isEqualTo(4);
    }
    return client;
  }

  @AfterAll
  static void stopJupiterMembers() throws InterruptedException {
    stopMembers();
  }

  @AfterContainer
  static void stopJqwikMembers() throws InterruptedException {
    stopMembers();
  }

  static synchronized void stopMembers() throws InterruptedException {
    if (client != null) {
      client.shutdown();
      client = null;
    }
    for (MemberProcess m : members) {
      assertThat(m.kill()).as("member %s is gone", m.name).isTrue();
      assertThat(ProcessHandle.of(m.pid())).as("member %s left no process", m.name).isEmpty();
    }
    members.clear();
  }

  @Override
  protected PoolBuilder backend(PoolBuilder builder, int workers) {
    try {
      return builder.backend(ClusterPools.backend(client()), workers);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
