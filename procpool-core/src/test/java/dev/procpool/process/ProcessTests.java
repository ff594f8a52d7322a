package dev.procpool.process;

import static org.awaitility.Awaitility.await;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import dev.procpool.TaskFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Helpers for tests that provoke real faults in real worker processes. */
public final class ProcessTests {
  private ProcessTests() {}

  public static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  /** Marks the calling worker as {@code name-<pid>} so that the test knows which process to hit. */
  public static long markPid(String dir, String name) {
    long pid = ProcessHandle.current().pid();
    try {
      Files.createFile(Paths.get(dir, name + "-" + pid));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // marked on an earlier run
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pid;
  }

  /** Creates the mark {@code name}; true for the one caller, in whatever process, that created it. */
  public static boolean claim(String dir, String name) {
    try {
      Files.createFile(Paths.get(dir, name));
      return true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The process ids marked with {@link #markPid}. */
  public static Set<Long> markedPids(String dir, String name) {
    try (Stream<Path> files = Files.list(Paths.get(dir))) {
      return files.map(p -> p.getFileName().toString())
          .filter(f -> f.startsWith(name + "-"))
          .map(f -> Long.parseLong(f.substring(name.length() + 1)))
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessTests::aliveNotZombie).orElse(false);
  }

  /** A killed process whose parent has not reaped it yet is a zombie: dead, though the OS still lists it. */
  private static boolean aliveNotZombie(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    Path stat = Paths.get("/proc", Long.toString(p.pid()), "stat");
    try {
      String s = Files.readString(stat);
      return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return p.isAlive();
    }
  }

  /**
   * Freezes the process with SIGSTOP and returns once it is stopped. {@code kill} returns as soon as the
   * signal is queued: the process stops only when one of its threads gets a processor and takes it, and
   * until then its other threads run on. On a busy machine that is long enough for a worker to answer a
   * frame sent right after {@code kill} returned, and to freeze only later, holding what came next.
   */
  public static void freeze(long pid) throws IOException, InterruptedException {
    Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start();
    if (!stop.waitFor(10, TimeUnit.SECONDS) || stop.exitValue() != 0) {
      throw new IllegalStateException("kill -STOP " + pid + " failed");
    }
    // Its main thread stops once the group stop has begun, after which none of its threads runs its own code again.
    await("process " + pid + " stopped").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
        .until(() -> state(pid) == 'T');
  }

  /** The state letter {@code ps} shows for the process (R, S, T, Z...). */
  private static char state(long pid) throws IOException, InterruptedException {
    Path stat = Paths.get("/proc", Long.toString(pid), "stat");
    if (Files.exists(stat)) {
      String s = Files.readString(stat);
      return s.charAt(s.lastIndexOf(')') + 2);
    }
    Process ps = new ProcessBuilder("ps", "-o", "stat=", "-p", Long.toString(pid)).start();
    String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    ps.waitFor();
    return out.isEmpty() ? '?' : out.charAt(0);
  }

  /** The worker processes this JVM runs now. */
  public static long workerCount() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).count();
  }

  /** Fails unless every process this JVM started is gone within a few seconds. */
  public static void assertNoProcessLeft() {
    await("no process left behind").atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
  }

  /** Terminates a test class's pool and checks that none of its processes is left. */
  public static void stop(Pool pool) throws InterruptedException {
    pool.terminate();
    if (!pool.awaitTermination(20, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new AssertionError("the pool did not terminate within 20 s");
    }
    assertNoProcessLeft();
  }

  /** Starts a JVM with this test's classpath running {@code mainClass}. */
  public static Process startJava(String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }
}
