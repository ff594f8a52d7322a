package dev.procpool.hazelcast;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster member in a JVM of its own, started with {@link NodeLauncher} and the test classpath (or
 * part of it), for tests that need real member processes: to kill, to stop gracefully, to starve of a
 * class.
 */
final class MemberProcess {
  private static final long READY_SECONDS = 60;

  final Process process;
  final String name;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);

  private final Path log;

  private MemberProcess(Process process, String name, Path log) {
    this.process = process;
    this.name = name;
    this.log = log;
    Thread reader = new Thread(this::read, "member-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The classpath of the test JVM, as surefire gives it to the tests, or the URLs of the class loader
   * that loaded this class (under {@code exec:java}, which leaves {@code java.class.path} to Maven's).
   */
  static String testClasspath() {
    String cp = System.getProperty("surefire.test.class.path");
    if (cp != null && !cp.isBlank()) {
      return cp;
    }
    List<String> entries = new ArrayList<>();
    for (ClassLoader l = MemberProcess.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof java.net.URLClassLoader u) {
        for (java.net.URL url : u.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            // not a file
          }
        }
      }
    }
    return entries.isEmpty() ? System.getProperty("java.class.path") : String.join(File.pathSeparator, entries);
  }

  /** The test classpath without this module's test classes: a member that lacks the tests' lambdas. */
  static String classpathWithoutTestClasses() {
    return Arrays.stream(testClasspath().split(File.pathSeparator))
        .filter(e -> !Path.of(e).endsWith(Path.of("target", "test-classes")))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** Starts a member; returns at once (see {@link #awaitReady()}). */
  static MemberProcess start(String name, String classpath, String clusterName, int port, String members,
      int workers) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dhazelcast.logging.type=jdk");
    String logging = System.getProperty("java.util.logging.config.file");
    if (logging != null) {
      cmd.add("-Djava.util.logging.config.file=" + logging);
    }
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(NodeLauncher.class.getName());
    cmd.addAll(List.of("--cluster-name", clusterName, "--port", String.valueOf(port), "--members", members,
        "--workers", String.valueOf(workers), "--failure-detection-seconds", "5", "--drain-seconds", "30"));
    Path log = Path.of("target", "member-" + name + ".log");
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    return new MemberProcess(pb.start(), name, log);
  }

  /** Keeps the member's output, and copies it to {@code target/member-NAME.log} for diagnosis. */
  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        java.io.Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        output.add(line);
        file.write(line);
        file.write(System.lineSeparator());
        file.flush();
        if (line.startsWith("procpool node ready")) {
          ready.countDown();
        }
      }
    } catch (IOException e) {
      // process gone
    } finally {
      ended.countDown();
      ready.countDown();
    }
  }

  /** Waits until the member has joined its cluster; throws with its output if it did not. */
  MemberProcess awaitReady() throws InterruptedException {
    if (!ready.await(READY_SECONDS, TimeUnit.SECONDS) || !process.isAlive()) {
      throw new IllegalStateException("member " + name + " did not start:\n" + String.join("\n", output));
    }
    return this;
  }

  long pid() {
    return process.pid();
  }

  /** Everything the member printed so far. */
  List<String> output() {
    return List.copyOf(output);
  }

  /** Waits until the member's process has ended and its output is read. */
  boolean awaitExit(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS) && ended.await(seconds, TimeUnit.SECONDS);
  }

  /** Kills the member (SIGKILL) and waits for it to be gone; true if it is. */
  boolean kill() throws InterruptedException {
    ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroyForcibly);
    return process.waitFor(30, TimeUnit.SECONDS);
  }
}
