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
  private final List<String> command = new ArrayList<>();
  private final int classpathEntries;
  /** Where the JVM and its options end in {@link #command}. */
  private final int jvmOptionsEnd;

  WorkerLauncher(ProcessOptions options, PrivateDirectory dir, ClassLoader context) throws IOException {
    this.options = options;
    List<String> classpath = Classpath.discover(context, WorkerLauncher.class.getClassLoader());
    for (Path p : options.extraClasspath()) {
      classpath.add(p.toAbsolutePath().toString());
    }
    classpathEntries = classpath.size();
    command.add(javaExecutable());
    command.addAll(options.jvmOptions());
    for (Map.Entry<String, String> e : options.systemProperties().entrySet()) {
      command.add("-D" + e.getKey() + "=" + e.getValue());
    }
    jvmOptionsEnd = command.size();
    String joined = String.join(File.pathSeparator, classpath);
    if (joined.length() > MAX_INLINE_CLASSPATH) {
      Path argFile = dir.file("classpath.args");
      Files.writeString(argFile, "-cp \"" + joined.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n",
          StandardCharsets.UTF_8);
      command.add("@" + argFile);
    } else {
      command.add("-cp");
      command.add(joined);
    }
    command.add(WorkerMain.class.getName());
  }

  /**
   * Starts a worker that will connect to {@code socket}. Its stdin is a pipe, for the secret; its
   * stdout and stderr are pipes unless the pool inherits them (discarded output is read and dropped,
   * so that a worker that cannot start can still say why).
   */
  Process start(int workerId, Path socket) throws IOException {
    List<String> cmd = new ArrayList<>(command);
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

  /** The command in short, for error messages: the JVM and its options, not the whole classpath. */
  String describe() {
    return String.join(" ", command.subList(0, jvmOptionsEnd)) + " -cp <" + classpathEntries + " entries> "
        + WorkerMain.class.getName();
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
