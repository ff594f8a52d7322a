package dev.procpool.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import dev.procpool.TaskFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one-line factories, the builder, and what only a cluster can get wrong: serialization. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterPoolsTest {
  private static HazelcastInstance shared;

  @BeforeAll
  static void startMember() {
    shared = EmbeddedClusterContractTest.member();
  }

  @AfterAll
  static void stopMember() {
    EmbeddedClusterContractTest.stopMember();
  }

  @Test
  void embeddedIsOneLineAndClosingThePoolStopsItsMember() throws Exception {
    Pool pool = ClusterPools.embedded(2);
    HazelcastInstance member;
    try (pool) {
      assertThat(pool.workers()).isEqualTo(2);
      assertThat(pool.map(x -> x * x, List.of(1, 2, 3))).containsExactly(1, 4, 9);
      member = Hazelcast.getAllHazelcastInstances().stream()
          .filter(h -> h.getConfig().getNetworkConfig().getInterfaces().getInterfaces().contains("127.0.0.1")
              && h != shared)
          .findFirst().orElseThrow();
      assertThat(member.getCluster().getLocalMember().getAddress().getHost()).isEqualTo("127.0.0.1");
      assertThat(member.getConfig().getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
      assertThat(member.getConfig().getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
      assertThat(member.getConfig().getClusterName()).startsWith("procpool-").isNotEqualTo("dev");
    }
    assertThat(pool.isTerminated()).isTrue();
    assertThat(member.getLifecycleService().isRunning()).as("the pool's own member is shut down").isFalse();
  }

  @Test
  void aPoolOnAnInstanceLeavesTheInstanceRunning() {
    try (Pool pool = ClusterPools.on(shared)) {
      assertThat(pool.workers()).as("the member's worker threads").isEqualTo(2);
      assertThat(pool.apply(() -> "hi")).isEqualTo("hi");
    }
    assertThat(shared.getLifecycleService().isRunning()).isTrue();
  }

  @Test
  void theBuilderTakesPoolSettings() {
    try (Pool pool = ClusterPools.builder().instance(shared).workers(3)
        .pool(b -> b.name("cluster-test").retries(1)).build()) {
      assertThat(pool.workers()).isEqualTo(3);
      assertThat(pool.map(x -> Thread.currentThread().getName(), List.of(1)).get(0))
          .startsWith("procpool-cluster-test-member-worker-");
    }
  }

  @Test
  void statsRightAfterAMapCountEveryItem() {
    try (Pool pool = ClusterPools.on(shared)) {
      List<Integer> items = java.util.stream.IntStream.range(0, 2000).boxed().toList();
      assertThat(pool.map(x -> x + 1, items)).hasSize(2000);
      assertThat(pool.stats().tasks()).isEqualTo(2000);
    }
  }

  @Test
  void misuseGetsAClearMessage() {
    assertThatThrownBy(() -> ClusterPools.builder().embedded().instance(shared))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already chosen: embedded");
    assertThatThrownBy(() -> ClusterPools.builder().join(" ", "127.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clusterName");
    assertThatThrownBy(() -> ClusterPools.builder().join("c"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one member");
    assertThatThrownBy(() -> ClusterPools.builder().workers(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClusterPools.builder().memberThreads(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClusterPools.builder().failureDetection(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 second");
    ClusterPoolBuilder once = ClusterPools.builder().instance(shared);
    once.build().close();
    assertThatThrownBy(once::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("already built");
  }

  /**
   * Neither Java-serializable nor writable by Hazelcast's zero-config Compact serialization (which
   * would take a plain class with fields of supported types): it holds a field of type Object.
   */
  static final class Opaque {
    final int value;
    final Object lock = new Object();

    Opaque(int value) {
      this.value = value;
    }
  }

  @Test
  void aFunctionThatCannotTravelFailsItsCallOnceWithTheReason() {
    try (Pool pool = ClusterPools.on(shared)) {
      Opaque captured = new Opaque(1);
      Fn<Integer, Integer> f = x -> x + captured.value;
      // One mistake, one error, before any item is read: not a failure per item.
      assertThatThrownBy(() -> pool.imap(f, java.util.stream.IntStream.range(0, 1000).boxed().toList()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot be sent to cluster members")
          .hasMessageContaining(Opaque.class.getName());
      assertThat(pool.map(x -> x + 1, List.of(1))).containsExactly(2);
    }
  }

  @Test
  void aResultThatCannotTravelFailsOnlyItsItem() {
    try (Pool pool = ClusterPools.on(shared)) {
      Fn<Integer, Object> f = x -> x == 1 ? new Opaque(x) : x;
      List<Object> outcomes = new ArrayList<>();
      try (ResultIterator<Object> it = pool.imap(f, List.of(0, 1, 2), 3)) {
        while (it.hasNext()) {
          try {
            outcomes.add(it.next());
          } catch (TaskFailedException e) {
            assertThat(e.itemIndex()).isEqualTo(1);
            assertThat(e).cause().hasMessageContaining("cannot be sent back").hasMessageContaining("Opaque");
            outcomes.add("failed");
          }
        }
      }
      assertThat(outcomes).containsExactly(0, "failed", 2);
    }
  }

  @Test
  void anItemThatCannotTravelFailsItsChunkWithTheReason() {
    try (Pool pool = ClusterPools.on(shared)) {
      assertThatThrownBy(() -> pool.map(o -> 1, List.of(new Opaque(1))))
          .isInstanceOf(TaskFailedException.class)
          .cause()
          .hasMessageContaining("cannot be sent to cluster members");
    }
  }
}
