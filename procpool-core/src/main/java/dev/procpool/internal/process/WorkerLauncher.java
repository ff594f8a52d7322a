package dev.procpool.internal.process;

import java.io.File;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts worker JVMs with this JVM's own {@code java}, the pool's options, and what the worker needs to
 * load this JVM's classes, however this JVM was launched:
 * <ul>
 *   <li>from a class path ({@code java -cp}, {@code java -jar}, a shaded jar, {@code mvn exec:java},
 *       an IDE): the class path that {@link Classpath} finds;
 *   <li>from the module path ({@code java -p mods -m app/app.Main}): the module path and this JVM's
 *       modules ({@link ModulePath}), and the worker's main class in procpool's module;
 *   <li>from a Spring Boot executable jar: the jar, started through Boot's launcher ({@link BootJar}).
 * </ul>
 * A program run from its source file ({@code java Hello.java}) cannot have worker processes (see
 * {@link SourceLauncher}). The command is worked out once for pools with the same options and class
 * loader (see {@link #of}); each worker only adds its socket path and id.
 *
 * <p>Thread-safe.
 */
final class WorkerLauncher {
  /** Above this, the class and module paths go into an argument file: Linux caps one argument at 128 KiB. */
  private static final int MAX_INLINE_PATHS = 16_000;
  /** A worker's starting heap, unless the user sized the heap (see {@link #startingHeap}). */
  static final String STARTING_HEAP = "32m";

  /**
   * The launcher the last pool made: the next pool with the same options and class path takes it rather than
   * work the command out again, a millisecond or more of every pool that leases parked workers.
   */
  private static volatile WorkerLauncher last;

  private final ProcessOptions options;
  /** The context class loader it was made for, not kept alive by this cache. */
  private final WeakReference<ClassLoader> context;
  /** The class path that {@link Classpath} found for it, before the extra entries. */
  private final List<String> discovered;
  /** The JVM and its options. */
  private final List<String> command = new ArrayList<>();
  /** The class and module path options, which may be long; inline, or in an argument file. */
  private final List<String> paths = new ArrayList<>();
  /** The main class, and the options that go with it; the worker's own arguments follow. */
  private final List<String> main = new ArrayList<>();
  /** The paths in short, for error messages. */
  private final String pathsInShort;
  private final WarmWorkers.Key key;
  /** The options of {@link #command} that go into the class-data sharing archive's key. */
  private final List<String> archived;
  /** Whether workers could map a class-data sharing archive: started from a class path, not Boot's launcher. */
  private final boolean archivable;
  /** The class-data sharing archive for these workers, or null if they cannot have one (guarded by this). */
  private ClassDataArchive archive;
  /** Whether {@link #archive} was looked for; on the first launch, not on the way to a lease (guarded by this). */
  private boolean archiveLooked;
  /** Whether the archive's making was asked for (guarded by this). */
  private boolean trainingAsked;

  /**
   * The launcher for a pool with these options whose tasks come from {@code context}: the last pool's, if it
   * had the same options and class loader and the class path is the same, or a new one.
   */
  static WorkerLauncher of(ProcessOptions options, ClassLoader context) {
    BootJar boot = BootJar.find();
    List<String> discovered =
        boot != null ? List.of() : Classpath.discover(context, WorkerLauncher.class.getClassLoader());
    WorkerLauncher l = last;
    if (l != null && l.context.get() == context && sameLaunch(l.options, options) && l.discovered.equals(discovered)) {
      return l;
    }
    l = new WorkerLauncher(options, context, boot, discovered);
    last = l;
    return l;
  }

  /**
   * Whether workers of pools with these options are launched the same way. Not the record's equals: its
   * first call bootstraps method handles, 35-45 ms of a JVM's second pool.
   */
  private static boolean sameLaunch(ProcessOptions a, ProcessOptions b) {
    return a.output() == b.output() && a.jvmOptions().equals(b.jvmOptions())
        && a.extraClasspath().equals(b.extraClasspath()) && a.environment().equals(b.environment())
        && a.systemProperties().equals(b.systemProperties());
  }

  private WorkerLauncher(ProcessOptions options, ClassLoader context, BootJar boot, List<String> discovered) {
    this.options = options;
    this.context = new WeakReference<>(context);
    this.discovered = List.copyOf(discovered);
    command.add(javaExecutable());
    command.addAll(startingHeap(options));
    command.addAll(options.jvmOptions());
    archived = List.copyOf(command.subList(1, command.size()));
    for (Map.Entry<String, String> e : options.systemProperties().entrySet()) {
      command.add("-D" + e.getKey() + "=" + e.getValue());
    }
    List<String> classpath;
    if (boot != null) {
      classpath = new ArrayList<>(List.of(boot.jar().toString()));
      main.addAll(boot.launch(WorkerMain.class.getName(), System.getProperties()));
    } else {
      classpath = new ArrayList<>(discovered);
      paths.addAll(ModulePath.options());
      main.addAll(ModulePath.mainClass());
    }
    for (Path p : options.extraClasspath()) {
      classpath.add(p.toAbsolutePath().toString());
    }
    StringBuilder inShort = new StringBuilder();
    for (int i = 0; i < paths.size(); i += 2) { // option, value: a path, or --add-modules' names
      int entries = paths.get(i + 1).split(",|" + File.pathSeparator).length;
      inShort.append(paths.get(i)).append(" <").append(entries).append(" entries> ");
    }
    if (!classpath.isEmpty()) {
      paths.add("-cp");
      paths.add(String.join(File.pathSeparator, classpath));
      inShort.append("-cp <").append(classpath.size()).append(" entries> ");
    }
    pathsInShort = inShort.toString();
    List<String> launch = new ArrayList<>(command);
    launch.addAll(paths);
    launch.addAll(main);
    key = new WarmWorkers.Key(List.copyOf(launch), options.environment(), options.output());
    archivable = boot == null && paths.contains("-cp");
  }

  /** How this launcher starts workers, whatever file the classpath may go into. */
  WarmWorkers.Key key() {
    return key;
  }

  /**
   * Starts a worker that will connect to {@code socket}. Its stdin is a pipe, for the secret; its
   * stdout and stderr are pipes unless the pool inherits them (discarded output is read and dropped,
   * so that a worker that cannot start can still say why). Long paths go into a file in {@code dir}.
   */
  Process start(int workerId, Path socket, PrivateDirectory dir) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    ClassDataArchive archive = archive();
    // Looked at for each launch: an archive made since the last one is used from now on.
    List<String> sharing = archive == null ? List.of() : archive.options();
    cmd.addAll(1, sharing); // before the pool's options, so that a -Xlog of the user's overrides ours
    List<String> paths = this.paths;
    if (!sharing.isEmpty()) { // the archive's class path must begin the worker's (see ClassDataArchive)
      paths = new ArrayList<>(paths);
      int cp = paths.indexOf("-cp");
      paths.set(cp + 1, archive.procpoolJar() + File.pathSeparator + paths.get(cp + 1));
    }
    if (paths.stream().mapToInt(String::length).sum() > MAX_INLINE_PATHS) {
      cmd.add("@" + argFile(dir, paths, !sharing.isEmpty()));
    } else {
      cmd.addAll(paths);
    }
    cmd.addAll(main);
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
    Process process = pb.start();
    if (archive != null && sharing.isEmpty()) {
      trainOnce(archive);
    }
    return process;
  }

  /** The class-data sharing archive for these workers, or null; looked for on the first launch. */
  private synchronized ClassDataArchive archive() {
    if (!archiveLooked) {
      archiveLooked = true;
      archive = archivable ? ClassDataArchive.forWorkers(archived, options.environment()) : null;
    }
    return archive;
  }

  /** After the first worker without an archive has been started, so that the archive's making does not delay it. */
  private synchronized void trainOnce(ClassDataArchive archive) {
    if (!trainingAsked) {
      trainingAsked = true;
      archive.trainInBackground(options.jvmOptions(), options.environment());
    }
  }

  /**
   * The file of the long paths in the pool's directory, written by its first launch (the paths differ only
   * in whether they begin with the archive's jar, so there are two names).
   */
  private static Path argFile(PrivateDirectory dir, List<String> paths, boolean shared) throws IOException {
    synchronized (dir) {
      Path file = dir.file(shared ? "paths-shared.args" : "paths.args");
      if (!Files.exists(file)) {
        StringBuilder text = new StringBuilder();
        for (String arg : paths) {
          text.append('"').append(arg.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
      }
      return file;
    }
  }

  /**
   * A worker's heap starts at {@value #STARTING_HEAP} unless the pool's options or the environment size the
   * heap. The JVM's default starting heap, 1/64 of the machine's memory, is sized for one JVM that owns the
   * machine, not for a pool of them; and G1 then grows the young generation to a large part of it, every
   * page of which is touched for the first time before the first collection recycles any. A first touch
   * costs the kernel a fault (18 us a page on the virtual machines this was measured on, some 200 MB/s):
   * a worker busy with small tasks ran at a fifth of its later speed for its first seconds. From a small
   * start the heap still grows as the tasks need, up to the JVM's default maximum.
   */
  static List<String> startingHeap(ProcessOptions options) {
    List<String> sources = new ArrayList<>(options.jvmOptions());
    for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
      String value = options.environment().containsKey(variable)
          ? options.environment().get(variable) : System.getenv(variable);
      if (value != null) {
        sources.addAll(List.of(value.trim().split("\\s+")));
      }
    }
    for (String o : sources) {
      if (o.startsWith("-Xm") || o.startsWith("-XX:") && (o.contains("Heap") || o.contains("RAM")
          || o.contains("NewSize") || o.contains("NewRatio"))) {
        return List.of(); // the user sized the heap; a starting size of ours could contradict it
      }
    }
    return List.of("-Xms" + STARTING_HEAP);
  }

  /** The command in short, for error messages: the JVM and its options, not the whole class path. */
  String describe() {
    return String.join(" ", command) + " " + pathsInShort + String.join(" ", main);
  }

  static String javaExecutable() {
    String exe = File.separatorChar == '\\' ? "java.exe" : "java";
    Path fromHome = Path.of(System.getProperty("java.home"), "bin", exe);
    if (Files.isExecutable(fromHome)) {
      return fromHome.toString();
    }
    return ProcessHandle.current().info().command().orElse(exe);
  }
}
