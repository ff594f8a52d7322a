package dev.procpool.internal.process;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts worker JVMs with this JVM's own {@code java} and classpath, plus the pool's options. The
 * command is worked out once per pool; each worker only adds its socket path and id.
 */
final class WorkerLauncher {
  /** Above this, the classpath goes into an argument file: Linux caps one argument at 128 KiB. */
  private static final int MAX_INLINE_CLASSPATH = 16_000;

  private final ProcessOptions options;
  /** The JVM and its options; the classpath and the main class follow. */
  private final List<String> command = new ArrayList<>();
  private final int classpathEntries;
  private final String classpath;
  private final WarmWorkers.Key key;
  /** The argument file holding a long classpath, once written (guarded by this). */
  private Path argFile;

  WorkerLauncher(ProcessOptions options, ClassLoader context) {
    this.options = options;
    List<String> entries = Classpath.discover(context, WorkerLauncher.class.getClassLoader());
    for (Path p : options.extraClasspath()) {
      entries.add(p.toAbsolutePath().toString());
    }
    classpathEntries = entries.size();
    classpath = String.join(File.pathSeparator, entries);
    command.add(javaExecutable());
    command.addAll(options.jvmOptions());
    for (Map.Entry<String, String> e : options.systemProperties().entrySet()) {
      command.add("-D" + e.getKey() + "=" + e.getValue());
    }
    List<String> launch = new ArrayList<>(command);
    launch.add(classpath);
    key = new WarmWorkers.Key(List.copyOf(launch), options.environment(), options.output());
  }

  /** How this launcher starts workers, whatever file the classpath may go into. */
  WarmWorkers.Key key() {
    return key;
  }

  /**
   * Starts a worker that will connect to {@code socket}. Its stdin is a pipe, for the secret; its
   * stdout and stderr are pipes unless the pool inherits them (discarded output is read and dropped,
   * so that a worker that cannot start can still say why). A long classpath goes into a file in
   * {@code dir}.
   */
  Process start(int workerId, Path socket, PrivateDirectory dir) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    if (classpath.length() > MAX_INLINE_CLASSPATH) {
      cmd.add("@" + argFile(dir));
    } else {
      cmd.add("-cp");
      cmd.add(classpath);
    }
    cmd.add(WorkerMain.class.getName());
    cmd.add(socket.toString());
    cmd.add(Integer.toString(workerId));
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(options.environment());
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    switch (options.output()) {
      case FORWARD, DISCARD -> pb.redirectOutput(ProcessBuilder.Redirect.PIPE).redirectError(ProcessBuilder.Redirect.PIPE);
      case INHERIT -> pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
    }
    return pb.start();
  }

  private synchronized Path argFile(PrivateDirectory dir) throws IOException {
    if (argFile == null) {
      Path file = dir.file("classpath.args");
      Files.writeString(file, "-cp \"" + classpath.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n",
          StandardCharsets.UTF_8);
      argFile = file;
    }
    return argFile;
  }

  /** The command in short, for error messages: the JVM and its options, not the whole classpath. */
  String describe() {
    return String.join(" ", command) + " -cp <" + classpathEntries + " entries> " + WorkerMain.class.getName();
  }

  private static String javaExecutable() {
    String exe = File.separatorChar == '\\' ? "java.exe" : "java";
    Path fromHome = Path.of(System.getProperty("java.home"), "bin", exe);
    if (Files.isExecutable(fromHome)) {
      return fromHome.toString();
    }
    return ProcessHandle.current().info().command().orElse(exe);
  }
}
