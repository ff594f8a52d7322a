package dev.procpool.process;

import static dev.procpool.process.ProcessTests.markPid;
import static dev.procpool.process.ProcessTests.markedPids;
import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.Pool;
import dev.procpool.TaskFailedException;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerStats;
import dev.procpool.contract.CapturedLog;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The faults of the failure-model issue, each provoked for real: a worker process stopped with SIGSTOP, a
 * replacement killed with SIGKILL while it boots, an item whose readObject exits the worker or during whose
 * decoding the worker is killed, a class path with a missing service provider, a main that returns after
 * shutdown(), a pool dropped unclosed. Each ends in bounded time, fails only a culprit, and leaves no
 * process behind.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FaultScenariosTest {
  @TempDir Path tmp;

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  private static Set<Long> workers() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains("WorkerMain")).map(ProcessHandle::pid)
        .collect(Collectors.toSet());
  }

  private static Set<Long> children() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
        .collect(Collectors.toSet());
  }

  @Test
  void aWorkerFrozenBeforeItReportsIsStoppedAndTheCallCompletesOnItsReplacement() throws Exception {
    // One worker, so that the frozen one surely holds the call's chunks (two would share them by luck).
    try (Pool pool = Pool.builder().processes(1).taskTimeout(Duration.ofSeconds(1)).name("frozen").build()) {
      pool.map(x -> x, range(4), 1);
      await().atMost(Duration.ofSeconds(20)).until(() -> workers().size() == 1);
      long frozen = workers().iterator().next();
      ProcessTests.freeze(frozen); // idle and stopped for sure: whatever it is sent now, it never reports
      long start = System.nanoTime();
      List<Integer> out = pool.map(x -> x * 10, range(20), 1);
      assertThat(out).isEqualTo(range(20).stream().map(x -> x * 10).toList());
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("stopped after its timeout and a grace period, then replaced").isLessThan(Duration.ofSeconds(20));
      await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessTests.alive(frozen));
      assertThat(pool.stats().restarts().get(WorkerStats.Restart.CRASH)).isEqualTo(1);
    }
  }

  @Test
  void aReplacementKilledWhileItBootsIsReplacedInTurnAndTheMapCompletes() throws Exception {
    String dir = tmp.toString();
    try (Pool pool = Pool.builder().processes(2).name("reboot").build()) {
      pool.map(x -> x, range(4), 1); // both workers are up
      Set<Long> before = children();
      var result = pool.mapAsync(x -> {
        markPid(dir, "run");
        Thread.sleep(50);
        return x * 10;
      }, range(40), 2);
      await().atMost(Duration.ofSeconds(20)).until(() -> !markedPids(dir, "run").isEmpty());
      long victim = markedPids(dir, "run").iterator().next();
      signal("KILL", victim);
      // Its replacement: killed as soon as it shows up, while it boots, as an OOM killer or an operator would.
      long replacement = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2))
          .until(() -> children().stream().filter(p -> !before.contains(p)).findFirst().orElse(-1L), p -> p > 0);
      signal("KILL", replacement);
      assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(range(40).stream().map(x -> x * 10).toList());
      assertThat(pool.map(x -> x + 1, range(4))).containsExactly(1, 2, 3, 4);
      await().atMost(Duration.ofSeconds(20)).until(() -> children().size() == 2);
    }
  }

  /** An item whose deserialization exits the JVM it happens in, unless that is the JVM that made it. */
  static final class ExitsWhenRead implements Serializable {
    private static final long serialVersionUID = 1L;
    final long madeIn = ProcessHandle.current().pid();
    final int value;

    ExitsWhenRead(int value) {
      this.value = value;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      if (ProcessHandle.current().pid() != madeIn) {
        System.exit(3);
      }
    }
  }

  /** An item whose deserialization, in a worker, says so in a probe file and then takes its time. */
  static final class SlowToRead implements Serializable {
    private static final long serialVersionUID = 1L;
    final long madeIn = ProcessHandle.current().pid();
    final String dir;
    final int value;

    SlowToRead(String dir, int value) {
      this.dir = dir;
      this.value = value;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      if (ProcessHandle.current().pid() != madeIn) {
        markPid(dir, "decoding");
        try {
          Thread.sleep(3_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private static int valueOf(Object x) {
    if (x instanceof ExitsWhenRead e) {
      return e.value;
    }
    if (x instanceof SlowToRead s) {
      return s.value;
    }
    return (Integer) x;
  }

  private static List<Object> outcomes(Pool pool, List<Object> items) {
    return dev.procpool.contract.Outcomes.outcomes(pool, x -> valueOf(x) * 10, items, 4);
  }

  private static void assertOnlyItemDied(List<Object> out, int victim, int size) {
    assertThat(out).hasSize(size);
    for (int i = 0; i < size; i++) {
      if (i == victim) {
        assertThat(out.get(i)).as("item %d", i).isInstanceOf(WorkerDiedException.class);
        assertThat(((WorkerDiedException) out.get(i)).itemIndex()).isEqualTo(victim);
      } else {
        assertThat(out.get(i)).as("item %d", i).isEqualTo(i * 10);
      }
    }
  }

  @Test
  void anItemWhoseReadObjectExitsItsWorkerFailsAloneAfterAFewDeathsNotAHundred() {
    List<Object> items = new ArrayList<>(range(20));
    items.set(7, new ExitsWhenRead(7));
    try (Pool pool = Pool.builder().processes(2).name("decode-exit").build()) {
      assertOnlyItemDied(outcomes(pool, items), 7, 20);
      assertThat(pool.stats().restarts().get(WorkerStats.Restart.CRASH))
          .as("its chunk twice (unbegun: run again whole once), then the item alone").isEqualTo(3);
      assertThat(pool.map(x -> x + 1, range(4))).containsExactly(1, 2, 3, 4);
    }
  }

  @Test
  void anItemDuringWhoseDecodingTheWorkerIsKilledFailsAlone() throws Exception {
    String dir = tmp.toString();
    List<Object> items = new ArrayList<>(range(20));
    items.set(9, new SlowToRead(dir, 9));
    AtomicBoolean done = new AtomicBoolean();
    Thread killer = new Thread(() -> {
      Set<Long> killed = new HashSet<>();
      while (!done.get()) {
        for (long pid : markedPids(dir, "decoding")) {
          if (killed.add(pid)) {
            try {
              signal("KILL", pid);
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          }
        }
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll, not a wait for an event
      }
    }, "decode-killer");
    killer.start();
    try (Pool pool = Pool.builder().processes(2).name("decode-kill").build()) {
      assertOnlyItemDied(outcomes(pool, items), 9, 20);
      assertThat(pool.stats().restarts().get(WorkerStats.Restart.CRASH)).isEqualTo(3);
    } finally {
      done.set(true);
      killer.join(10_000);
    }
  }

  /** Runs a main of this test's class path in a fresh JVM and returns its output once it exits. */
  private String runMain(Class<?> main, String classpathPrefix, String arg, Duration limit) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpathPrefix + System.getProperty("java.class.path"), main.getName(), arg));
    Path out = tmp.resolve(main.getSimpleName() + "-" + arg + ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      assertThat(p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)).as("%s %s exits within %s", main.getSimpleName(),
          arg, limit).isTrue();
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"threads", "processes"})
  void workAcceptedBeforeShutdownFinishesAfterMainReturns(String backend) throws Exception {
    String out = runMain(ShutdownThenReturnMain.class, "", backend, Duration.ofSeconds(30));
    assertThat(out.lines()).anyMatch(line -> line.endsWith("apple"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"threads", "processes"})
  void aPoolNeverShutDownDoesNotKeepTheJvmAlive(String backend) throws Exception {
    // The task sleeps a minute: the JVM exits well before, once main returns.
    String out = runMain(NeverShutDownMain.class, "", backend, Duration.ofSeconds(30));
    assertThat(out).contains("ready 1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"threads", "processes"})
  void aMissingServiceProviderFailsTheCallAloneAndThePoolStillCloses(String backend) throws Exception {
    Path services = tmp.resolve("broken-classpath/META-INF/services");
    Files.createDirectories(services);
    Files.writeString(services.resolve("dev.procpool.spi.ProgressRenderer"), "com.example.NotThere\n");
    String out = runMain(MissingProviderMain.class, tmp.resolve("broken-classpath") + java.io.File.pathSeparator,
        backend, Duration.ofSeconds(30));
    assertThat(out).contains("refused: the map call could not start")
        .contains("cause: java.util.ServiceConfigurationError")
        .contains("then: [2, 4, 6]")
        .contains("closed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"threads", "processes"})
  void aPoolThatBecomesUnreachableIsShutDownAndNamed(String backend) {
    try (CapturedLog log = new CapturedLog()) {
      String name = "dropped-" + backend;
      Set<Long> pids = useAndDrop(backend, name);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        System.gc();
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive).extracting(Thread::getName)
            .noneMatch(n -> n.contains("-" + name + "-"));
        assertThat(pids).noneMatch(ProcessTests::alive);
      });
      assertThat(log.records()).anySatisfy(r -> {
        assertThat(r.getLevel()).isEqualTo(Level.WARNING);
        assertThat(java.text.MessageFormat.format(r.getMessage(), r.getParameters())).contains(name)
            .contains("never shut down");
      });
    }
  }

  /** Uses a pool and drops it without shutting it down; returns its worker processes' ids (none for threads). */
  private static Set<Long> useAndDrop(String backend, String name) {
    Pool pool = (backend.equals("threads") ? Pool.builder().threads(2) : Pool.builder().processes(2)).name(name).build();
    Set<Long> pids = new HashSet<>(pool.map(x -> ProcessHandle.current().pid(), range(8), 1));
    pids.remove(ProcessHandle.current().pid());
    return pids;
  }
}
