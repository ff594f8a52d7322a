package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PoolBuilderTest {

  @Test
  void defaultsToOneThreadPerProcessor() {
    try (Pool pool = Pool.builder().build()) {
      assertThat(pool.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(pool.map(x -> x + 1, List.of(1))).containsExactly(2);
    }
  }

  @Test
  void everySettingMayBeMadeOnlyOnce() {
    assertThatThrownBy(() -> Pool.builder().threads(2).threads(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the backend was already chosen: threads(2); choose only one of threads(..), processes(..), backend(..)");
    assertThatThrownBy(() -> Pool.builder().maxTasksPerChild(5).maxTasksPerChild(6))
        .hasMessage("maxTasksPerChild was already set to 5");
    assertThatThrownBy(() -> Pool.builder().taskTimeout(Duration.ofSeconds(1)).taskTimeout(Duration.ofSeconds(2)))
        .hasMessage("taskTimeout was already set to PT1S");
    assertThatThrownBy(() -> Pool.builder().retries(1).retries(1)).hasMessage("retries was already set to 1");
    assertThatThrownBy(() -> Pool.builder().name("a").name("b")).hasMessage("name was already set to a");
    assertThatThrownBy(() -> Pool.builder().initializer(() -> null).initializer(() -> null))
        .hasMessageStartingWith("initializer was already set to");
  }

  @Test
  void rejectsBadValuesWithTheValueInTheMessage() {
    assertThatThrownBy(() -> Pool.threads(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("workers must be at least 1, got 0");
    assertThatThrownBy(() -> Pool.builder().readAhead(0)).hasMessage("readAhead must be at least 1 chunk, got 0");
    assertThatThrownBy(() -> Pool.builder().retries(-1)).hasMessage("retries must be at least 0, got -1");
    assertThatThrownBy(() -> Pool.builder().taskTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
    assertThatThrownBy(() -> Pool.builder().name(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Pool.builder().initializer(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void namesThreadsAfterThePool() {
    try (Pool pool = Pool.builder().threads(1).name("images").build()) {
      assertThat(pool.apply(() -> Thread.currentThread().getName())).isEqualTo("procpool-images-worker-1");
      assertThat(pool.toString()).contains("images").contains("1 workers");
    }
  }
}
