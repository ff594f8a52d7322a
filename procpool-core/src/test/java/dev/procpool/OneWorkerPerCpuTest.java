package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.process.ProcessTests;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Python's {@code Pool()}: one worker per CPU, on threads or on processes. */
@Timeout(60)
class OneWorkerPerCpuTest {
  private static final int CPUS = Runtime.getRuntime().availableProcessors();

  @Test
  void threadsWithoutACountRunsOneThreadPerCpu() {
    try (Pool pool = Pool.threads()) {
      assertThat(pool.workers()).isEqualTo(CPUS);
      assertThat(pool.map(x -> x + 1, List.of(1, 2))).containsExactly(2, 3);
    }
    try (Pool pool = Pool.builder().threads().name("cpus").build()) {
      assertThat(pool.workers()).isEqualTo(CPUS);
      assertThat(pool.toString()).contains(CPUS + " workers");
    }
  }

  @Test
  void processesWithoutACountRunsOneWorkerJvmPerCpu() throws Exception {
    Pool pool = Pool.processes();
    try {
      assertThat(pool.workers()).isEqualTo(CPUS);
      // each task reports its process: the work really runs in other JVMs
      List<Long> pids = pool.map(x -> ProcessHandle.current().pid(),
          IntStream.range(0, 4 * CPUS).boxed().collect(Collectors.toList()), 1);
      assertThat(pids).doesNotContain(ProcessHandle.current().pid());
      assertThat(new HashSet<>(pids)).hasSizeLessThanOrEqualTo(CPUS);
    } finally {
      ProcessTests.stop(pool);
    }
  }

  @Test
  void theBuilderFormsChooseTheBackendOnce() {
    assertThatThrownBy(() -> Pool.builder().processes().threads())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the backend was already chosen: processes(" + CPUS + ")");
    assertThatThrownBy(() -> Pool.builder().threads().processes(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the backend was already chosen: threads(" + CPUS + ")");
  }
}
