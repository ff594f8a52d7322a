package dev.procpool.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Pool;
import dev.procpool.PoolBuilder;
import dev.procpool.PoolBuilder.WorkerOutput;
import dev.procpool.Task;
import dev.procpool.WorkerStartException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The worker-process settings of the builder: what they do, and how misuse is reported. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessOptionsTest {
  @TempDir Path tmp;

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void optionsReachTheWorkerJvm() {
    Path extra = tmp.resolve("extra-classes");
    try (Pool pool = Pool.builder().processes(1)
        .jvmOptions("-Xmx48m", "-Dfrom.option=yes")
        .systemProperties(Map.of("procpool.test", "a=b c"))
        .environment(Map.of("PROCPOOL_TEST_ENV", "hello"))
        .extraClasspath(extra)
        .build()) {
      List<String> seen = pool.apply(() -> List.of(
          Long.toString(Runtime.getRuntime().maxMemory() >> 20),
          System.getProperty("from.option"),
          System.getProperty("procpool.test"),
          System.getenv("PROCPOOL_TEST_ENV"),
          System.getProperty("java.class.path")));
      assertThat(Long.parseLong(seen.get(0))).isLessThanOrEqualTo(48);
      assertThat(seen.subList(1, 4)).containsExactly("yes", "a=b c", "hello");
      assertThat(seen.get(4)).endsWith(extra.toAbsolutePath().toString());
    }
  }

  @Test
  void workersStartWithASmallHeapUnlessTheUserSizedIt() {
    Task<long[]> heap = () -> new long[] {
        java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getInit() >> 20,
        Runtime.getRuntime().maxMemory() >> 20};
    try (Pool pool = Pool.processes(1)) {
      assertThat(pool.apply(heap)[0]).isEqualTo(32);
    }
    // A starting heap of 32 MB would contradict these maximums: the JVM would refuse to start.
    try (Pool pool = Pool.builder().processes(1).jvmOptions("-Xmx24m").build()) {
      assertThat(pool.apply(heap)[1]).isLessThanOrEqualTo(24);
    }
    try (Pool pool = Pool.builder().processes(1).environment(Map.of("JAVA_TOOL_OPTIONS", "-Xmx20m"))
        .workerOutput(WorkerOutput.DISCARD).build()) { // the JVM says it picked the variable up
      assertThat(pool.apply(heap)[1]).isLessThanOrEqualTo(20);
    }
  }

  @Test
  void aJvmThatCannotStartFailsThePoolWithWhatItSaid() {
    for (String[] bad : List.of(new String[] {"-Xmx1k", "Too small maximum heap"},
        new String[] {"-XX:+NoSuchOption", "Unrecognized VM option 'NoSuchOption'"})) {
      // Discarded output still reaches the exception; forwarded, it would be printed by a green build.
      try (Pool pool = Pool.builder().processes(2).jvmOptions(bad[0]).workerOutput(WorkerOutput.DISCARD).build()) {
        assertThatThrownBy(() -> pool.map(x -> x, List.of(1, 2)))
            .isInstanceOf(WorkerStartException.class)
            .hasMessageContaining("exited before connecting to the pool (exited with code 1)")
            .hasMessageContaining(bad[0])
            .hasMessageContaining(bad[1]);
        assertThatThrownBy(() -> pool.apply(() -> 1)).isInstanceOf(WorkerStartException.class);
      }
    }
  }

  @Test
  void anInitializerThatCannotBeSerializedIsRefusedByBuild() {
    Object notSerializable = new Object();
    Task<Void> init = () -> {
      notSerializable.hashCode();
      return null;
    };
    assertThatThrownBy(() -> Pool.builder().processes(1).initializer(init).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the initializer cannot be sent to worker processes")
        .hasMessageContaining("java.lang.Object, which is not Serializable");
  }

  @Test
  void anInitializerThatKillsItsWorkerFailsThePoolInsteadOfRestartingForever() {
    try (Pool pool = Pool.builder().processes(2).initializer(() -> {
      System.exit(7);
      return null;
    }).build()) {
      assertThatThrownBy(() -> pool.apply(() -> 1))
          .isInstanceOf(WorkerStartException.class)
          .hasMessageContaining("died before it was ready (exited with code 7)");
    }
  }

  @Test
  void processOnlySettingsAreRejectedForOtherBackends() {
    List<Consumer<PoolBuilder>> settings = List.of(
        b -> b.jvmOptions("-Xmx64m"),
        b -> b.extraClasspath(Path.of("x.jar")),
        b -> b.environment(Map.of("A", "1")),
        b -> b.systemProperties(Map.of("a", "1")),
        b -> b.workerOutput(WorkerOutput.DISCARD));
    List<String> names = List.of("jvmOptions", "extraClasspath", "environment", "systemProperties", "workerOutput");
    for (int i = 0; i < settings.size(); i++) {
      PoolBuilder threads = Pool.builder().threads(1);
      settings.get(i).accept(threads);
      assertThatThrownBy(threads::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(names.get(i) + "(..) applies only to worker processes, but the backend is threads(1);"
              + " choose processes(n) or remove " + names.get(i) + "(..)");
      PoolBuilder defaulted = Pool.builder();
      settings.get(i).accept(defaulted);
      assertThatThrownBy(defaulted::build).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("applies only to worker processes");
    }
  }

  @Test
  void eachSettingIsMadeOnceAndBadValuesAreNamed() {
    assertThatThrownBy(() -> Pool.builder().processes(2).processes(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the backend was already chosen: processes(2)");
    assertThatThrownBy(() -> Pool.builder().threads(2).processes(3))
        .hasMessageStartingWith("the backend was already chosen: threads(2)");
    assertThatThrownBy(() -> Pool.builder().processes(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("workers must be at least 1, got 0");
    assertThatThrownBy(() -> Pool.builder().jvmOptions("-Xmx1g").jvmOptions("-Xmx2g"))
        .hasMessage("jvmOptions was already set to [-Xmx1g]");
    assertThatThrownBy(() -> Pool.builder().workerOutput(WorkerOutput.DISCARD).workerOutput(WorkerOutput.INHERIT))
        .hasMessage("workerOutput was already set to DISCARD");
    assertThatThrownBy(() -> Pool.builder().environment(Map.of()).environment(Map.of()))
        .hasMessage("environment was already set to {}");
    assertThatThrownBy(() -> Pool.builder().jvmOptions("Xmx1g")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JVM options start with '-', got \"Xmx1g\"");
    assertThatThrownBy(() -> Pool.builder().jvmOptions("-cp")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("extraClasspath(..)");
    assertThatThrownBy(() -> Pool.builder().systemProperties(Map.of("a=b", "c")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without '='");
    assertThatThrownBy(() -> Pool.builder().environment(Map.of("", "c"))).isInstanceOf(IllegalArgumentException.class);
  }
}
