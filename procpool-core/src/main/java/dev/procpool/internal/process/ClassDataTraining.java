package dev.procpool.internal.process;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.PoolBuilder.WorkerOutput;
import dev.procpool.Task;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a {@link ClassDataArchive}: the main class of a JVM that {@code ClassDataArchive} starts in the
 * background with procpool's jar as its whole class path. It has a JVM of its own run a pool of one worker,
 * whose JVM has the options of the workers the archive is for and writes the classes it loaded into a
 * temporary file when it exits ({@code -XX:ArchiveClassesAtExit}); the tasks are procpool's own lambdas, so
 * that the archive holds what every worker loads on its way to a first result and nothing of any
 * application. Then another JVM checks that the archive is accepted and serves procpool's classes, and the
 * archive is renamed into place, its sum file first, so that a pool sees a complete archive or none.
 *
 * <p>One training per archive at a time: the first to create the lock file trains, others leave. A lock
 * older than {@link ClassDataArchive#STALE_MILLIS} was left by a training that died (killed, or the machine
 * stopped) and is taken over; so are its temporary files.
 *
 * <p>Not for direct use.
 */
public final class ClassDataTraining {
  /** How long the training's worker may take to write the archive and exit once its pool is closed. */
  private static final long EXIT_WAIT_SECONDS = 120;
  private static final String VERIFY = "--verify";
  private static final String POOL = "--pool";

  private ClassDataTraining() {}

  /**
   * Trains, or verifies.
   *
   * @param args the cache directory, the archive's name (without {@code .jsa}), then the workers' JVM
   *     options; or {@value #VERIFY}, in the JVM that checks the archive
   * @throws Exception if the training fails (it leaves no archive then)
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 1 && VERIFY.equals(args[0])) {
      Class.forName(WorkerMain.class.getName(), false, ClassDataTraining.class.getClassLoader());
      return;
    }
    if (args.length >= 2 && POOL.equals(args[0])) {
      runPool(Path.of(args[1]), Arrays.asList(args).subList(2, args.length));
      return;
    }
    Path dir = Path.of(args[0]);
    String name = args[1];
    List<String> jvmOptions = Arrays.asList(args).subList(2, args.length);
    Path lock = dir.resolve(name + ".lock");
    if (!lock(lock)) {
      return;
    }
    String pid = Long.toString(ProcessHandle.current().pid());
    Path temp = dir.resolve(name + "." + pid + ".tmp");
    Path sumTemp = dir.resolve(name + "." + pid + ".sumtmp");
    try {
      removeLeftovers(dir, name);
      Path failed = dir.resolve(name + ".failed");
      Files.writeString(failed, pid, StandardCharsets.US_ASCII); // unless it succeeds: a JVM killed meanwhile fails too
      train(jvmOptions, temp);
      if (Files.isRegularFile(temp) && accepted(temp, jvmOptions)) {
        Files.writeString(sumTemp, ClassDataArchive.describe(temp), StandardCharsets.US_ASCII);
        Files.move(sumTemp, dir.resolve(name + ".sum"), StandardCopyOption.ATOMIC_MOVE);
        Files.move(temp, dir.resolve(name + ".jsa"), StandardCopyOption.ATOMIC_MOVE);
        Files.delete(failed);
      }
    } finally {
      Files.deleteIfExists(temp);
      Files.deleteIfExists(sumTemp);
      Files.deleteIfExists(lock);
    }
    System.exit(0);
  }

  /** Takes the lock, or a stale one; false if another training holds it. */
  private static boolean lock(Path lock) throws IOException {
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        Files.writeString(lock, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII,
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        if (!stale(lock)) {
          return false;
        }
        Files.deleteIfExists(lock);
      }
    }
    return false;
  }

  private static boolean stale(Path file) {
    try {
      return System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() >= ClassDataArchive.STALE_MILLIS;
    } catch (IOException e) {
      return true; // gone meanwhile
    }
  }

  /**
   * Temporary files of this archive that a dead training left (their JVM was killed), and the archives
   * of other JDKs, jars or options made more than {@link ClassDataArchive#UNUSED_MILLIS} ago: most are
   * of JDKs and jars since replaced. One still in use is made again by its next pool.
   */
  private static void removeLeftovers(Path dir, String name) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "worker-*")) {
      for (Path f : files) {
        String file = f.getFileName().toString();
        boolean ours = file.startsWith(name + ".");
        if (ours && file.endsWith("tmp") && stale(f)
            || !ours && !file.endsWith(".lock") && !ClassDataArchive.younger(f, ClassDataArchive.UNUSED_MILLIS)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /**
   * Runs a worker through what every worker does, and waits until it has written the archive and exited.
   * The pool is in a JVM of its own that halts once the tasks are done, rather than closing it: a pool
   * kills a worker that has not exited within seconds of its close, and writing the archive at a low
   * priority of a busy machine can take longer. The orphaned worker halts, and writes the archive then.
   */
  private static void train(List<String> jvmOptions, Path archive) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(WorkerLauncher.javaExecutable(), "-XX:TieredStopAtLevel=1",
        "-D" + ClassDataArchive.ENABLED_PROPERTY + "=false", "-cp", System.getProperty("java.class.path"),
        ClassDataTraining.class.getName(), POOL, archive.toString()));
    cmd.addAll(jvmOptions);
    Process pool = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    pool.getOutputStream().close();
    String out;
    try (InputStream in = pool.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
    }
    if (!pool.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
      pool.destroyForcibly();
      throw new IOException("the training's pool did not finish");
    }
    long worker;
    try {
      worker = Long.parseLong(out);
    } catch (NumberFormatException e) {
      throw new IOException("the training's pool failed: " + out, e);
    }
    ProcessHandle handle = ProcessHandle.of(worker).orElse(null);
    if (handle != null) {
      handle.onExit().get(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** The training's pool: a worker that writes the archive, procpool's own tasks, then a halt (see {@link #train}). */
  private static void runPool(Path archive, List<String> jvmOptions) {
    List<String> options = new ArrayList<>(jvmOptions);
    options.add("-XX:ArchiveClassesAtExit=" + archive);
    options.add("-Xlog:cds*=off"); // the JVM's notes on classes it cannot archive go nowhere anyway
    Pool pool = Pool.builder().processes(1).jvmOptions(options.toArray(String[]::new))
        .workerOutput(WorkerOutput.DISCARD).build();
    Task<Integer> one = () -> 1;
    Fn<Integer, Integer> twice = x -> 2 * x;
    pool.apply(one);
    pool.map(twice, List.of(1, 2, 3, 4), 1);
    try {
      pool.mapAsync(twice, List.of(5, 6)).get();
    } catch (Exception e) {
      Runtime.getRuntime().halt(1);
    }
    Task<Long> pid = () -> ProcessHandle.current().pid();
    System.out.println(pool.apply(pid));
    System.out.flush();
    Runtime.getRuntime().halt(0); // not close(): see train
  }

  /** Whether a JVM with the workers' options takes the archive and loads procpool's classes from it. */
  private static boolean accepted(Path archive, List<String> jvmOptions) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(WorkerLauncher.javaExecutable());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds*=off",
        "-Xlog:class+load=info:stdout", "-cp", System.getProperty("java.class.path"),
        ClassDataTraining.class.getName(), VERIFY));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().close();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return false;
    }
    return p.exitValue() == 0 && out.contains(WorkerMain.class.getName() + " source: shared objects file (top)");
  }
}
