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
 * A cluster member in a JVM of its own, started with {@link NodeLauncher} (through {@link TestNode}, which
 * halts it if the test JVM goes away) and the test classpath (or part of it), for tests that need real
 * member processes: to kill, to stop gracefully, to starve of a class.
 */
final class MemberProcess {
  private static final long READY_SECONDS = 150; // five JVMs joining at once on two busy cores take a minute or more

  final Process process;
  final String name;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile String address;

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

  /**
   * The test classpath without this module's test classes: a member that lacks the tests' lambdas. It
   * keeps {@link TestNode} alone, copied to a directory of its own.
   */
  static String classpathWithoutTestClasses() throws IOException {
    Path dir = Path.of("target", "test-node-only");
    Path file = dir.resolve(TestNode.class.getName().replace('.', '/') + ".class");
    Files.createDirectories(file.getParent());
    try (java.io.InputStream in = TestNode.class.getResourceAsStream(TestNode.class.getSimpleName() + ".class")) {
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return Arrays.stream(testClasspath().split(File.pathSeparator))
        .filter(e -> !Path.of(e).endsWith(Path.of("target", "test-classes")))
        .collect(Collectors.joining(File.pathSeparator)) + File.pathSeparator + dir.toAbsolutePath();
  }

  /**
   * Starts a member; returns at once (see {@link #awaitReady()}). Start a cluster's first member alone and
   * wait until it is ready before starting others: members that start together may each form a cluster
   * of their own first.
   */
  static MemberProcess start(String name, String classpath, String clusterName, int port, String members,
      int workers) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    String flags = System.getProperty("hazelcast.jvm.flags", "");
    if (!flags.isBlank()) {
      cmd.addAll(Arrays.asList(flags.trim().split("\\s+")));
    }
    cmd.add("-Dhazelcast.logging.type=jdk");
    // Shorter than Hazelcast's 5 s and 20 s: a test starts the first node of a cluster alone, then the
    // others, which join it in seconds instead of most of a minute on a busy machine.
    cmd.add("-Dhazelcast.wait.seconds.before.join=1");
    cmd.add("-Dhazelcast.max.wait.seconds.before.join=2");
    String logging = System.getProperty("java.util.logging.config.file");
    if (logging != null) {
      cmd.add("-Djava.util.logging.config.file=" + logging);
    }
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(TestNode.class.getName());
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
          // "procpool node ready: member [127.0.0.1]:5823 in cluster ..."
          java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[([^\\]]+)\\]:(\\d+)").matcher(line);
          if (m.find()) {
            address = m.group(1) + ":" + m.group(2);
          }
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

  /** The member's address, host:port, once it is ready. */
  String address() {
    return address;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The member's address as Hazelcast writes it in messages, [host]:port. */
  String memberAddress() {
    String a = address;
    int colon = a.lastIndexOf(':');
    return "[" + a.substring(0, colon) + "]" + a.substring(colon);
  }

  /**
   * Asks the member to leave gracefully (SIGTERM); returns at once. Not {@link Process#destroy()}, which
   * also closes the member's stdin: {@link TestNode} would take that for the end of the test JVM.
   */
  void terminate() {
    ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroy);
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
