package dev.procpool.internal.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * A class-data sharing archive of the classes a worker JVM loads on its way to its first result: the
 * JDK's beyond its default archive (sockets, security providers, lambdas) and procpool's own. A worker
 * that maps it skips loading, verifying and linking them (about a quarter of its start-up CPU).
 *
 * <p>The archive is made by {@link ClassDataTraining} in the background, the first time a pool starts
 * workers without one, and kept in a per-user cache directory ({@code $XDG_CACHE_HOME/procpool} or
 * {@code ~/.cache/procpool}, or the {@value #CACHE_PROPERTY} system property's directory; mode 0700; not
 * used if it belongs to another user or others may write to it, as a JVM trusts the archives it maps).
 * Its name is a hash of everything that could make a JVM reject it or misread it: the JDK (home,
 * version, vendor), procpool's jar (path, size, modification time), the workers' JVM options and the
 * environment variables the JVM reads options from. {@value #ENABLED_PROPERTY}{@code =false} turns it off.
 *
 * <p>Why only procpool's jar: the JVM cannot archive classes from a non-empty directory on the class
 * path; a JVM that loaded any (an IDE's or Maven's {@code target/classes}) fails to write the archive
 * and exits with an error. So the archive is dumped by a JVM whose class path is procpool's jar alone, and
 * a worker that uses it has that jar put first on its class path, which the JVM requires of an archive's
 * class path (a prefix of the worker's). The application's classes load as before, from wherever they are.
 * procpool's jar first shadows nothing: the classes in it are the ones this JVM runs.
 *
 * <p>A JVM maps an archive without checking its contents, and on JDK 17 a truncated one crashes it; so
 * each archive has a sum file beside it (size and CRC-32C, written before the archive is renamed into
 * place) and is used only if it matches, checked once per JVM. A mismatch, or an archive the JVM rejects
 * for another reason, starts no worker any differently from one without an archive: the JVM's messages
 * about it are turned off ({@code -Xlog:cds*=off}), and {@code -Xshare:auto} lets it run on without.
 */
final class ClassDataArchive {
  /** Set to {@code false} to have no archive made or used. */
  static final String ENABLED_PROPERTY = "procpool.classDataSharing";
  /** The directory the archives are kept in, instead of the per-user cache directory. */
  static final String CACHE_PROPERTY = "procpool.classDataCache";
  /** A training that has not finished after this long is taken for dead: its lock is ignored. */
  static final long STALE_MILLIS = 5 * 60_000;
  /** After a training failed, how long before another is tried for the same archive. */
  static final long RETRY_MILLIS = 60 * 60_000;
  /** Archives (of other keys) older than this are deleted when a new one is made: replaced JDKs and jars. */
  static final long UNUSED_MILLIS = 30L * 24 * 60 * 60_000;
  /** The environment variables a JVM takes options from. */
  private static final List<String> OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
  /** Archives found valid in this JVM, by path, with the size and time they had then. */
  private static final Map<Path, String> VALID = new ConcurrentHashMap<>();
  /** Archives this JVM has started a training for. */
  private static final Set<Path> TRAINING = ConcurrentHashMap.newKeySet();

  private final Path directory;
  private final String name;
  private final Path procpoolJar;

  private ClassDataArchive(Path directory, String name, Path procpoolJar) {
    this.directory = directory;
    this.name = name;
    this.procpoolJar = procpoolJar;
  }

  /**
   * The archive for workers started with this JVM's {@code java} and these options, or null if workers
   * cannot have one: turned off, procpool not in a jar on the class path, this JVM without a default
   * archive to build on, or options that manage class-data sharing themselves.
   *
   * @param jvmOptions the workers' options, as they come before the class path
   * @param environment the variables set for workers, over this JVM's
   */
  static ClassDataArchive forWorkers(List<String> jvmOptions, Map<String, String> environment) {
    if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true").trim())
        || !System.getProperty("java.vm.info", "").contains("sharing")) {
      return null; // off, or this JDK has no default archive (or the user started this JVM without it)
    }
    Path jar = locateProcpoolJar();
    if (jar == null) {
      return null;
    }
    List<String> options = new ArrayList<>(jvmOptions);
    for (String variable : OPTION_VARIABLES) {
      String value = environment.containsKey(variable) ? environment.get(variable) : System.getenv(variable);
      options.add(variable + "=" + (value == null ? "" : value));
    }
    for (String o : options) {
      if (o.contains("Xshare") || o.contains("SharedArchive") || o.contains("ArchiveClassesAtExit")
          || o.contains("SharedClassListFile") || o.contains("UseSharedSpaces") || o.contains("AOTCache")
          || o.contains("AOTMode")) {
        return null; // the user manages class-data sharing: ours would interfere
      }
    }
    try {
      Path directory = directory();
      StringBuilder key = new StringBuilder();
      key.append(System.getProperty("java.home")).append('\n')
          .append(System.getProperty("java.vm.version")).append('\n')
          .append(System.getProperty("java.vm.vendor")).append('\n')
          .append(jar).append(' ').append(Files.size(jar)).append(' ')
          .append(Files.getLastModifiedTime(jar).toMillis()).append('\n');
      for (String o : options) {
        key.append(o).append('\n');
      }
      // Not a MessageDigest: its providers would load in this JVM on the way to its first worker.
      byte[] bytes = key.toString().getBytes(StandardCharsets.UTF_8);
      long fnv = 0xcbf29ce484222325L;
      for (byte b : bytes) {
        fnv = (fnv ^ (b & 0xff)) * 0x100000001b3L;
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes);
      String hex = Long.toHexString(fnv) + Long.toHexString(crc.getValue() | 1L << 32).substring(1);
      String name = "worker-jdk" + Runtime.version().feature() + "-" + "0".repeat(24 - hex.length()) + hex;
      return new ClassDataArchive(directory, name, jar);
    } catch (IOException | SecurityException e) {
      return null; // no cache to keep it in: workers start as they would without
    }
  }

  /**
   * procpool's jar, if this JVM loaded procpool from one and not as a module; else null. (From Spring
   * Boot's executable jar, the caller does not ask: its workers start through Boot's own class loader.)
   */
  private static Path locateProcpoolJar() {
    if (ModulePath.procpoolIsModule()) {
      return null; // on the module path, which the worker's archive cannot hold
    }
    try {
      java.security.CodeSource source = WorkerMain.class.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        return null;
      }
      Path p = Path.of(source.getLocation().toURI()).toAbsolutePath();
      return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar") ? p : null;
    } catch (java.net.URISyntaxException | IllegalArgumentException | SecurityException e) {
      return null;
    }
  }

  /** The cache directory, made private to this user if this makes it. */
  private static Path directory() throws IOException {
    String configured = System.getProperty(CACHE_PROPERTY);
    Path dir;
    if (configured != null && !configured.isBlank()) {
      dir = Path.of(configured);
    } else {
      String xdg = System.getenv("XDG_CACHE_HOME");
      Path base = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
      dir = base.resolve("procpool");
    }
    dir = dir.toAbsolutePath();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      try {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectory(dir);
        }
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made by another pool meanwhile
      }
    }
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      // A JVM trusts the archives it maps: one planted by another user would run as this one.
      PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class);
      Set<PosixFilePermission> permissions = attributes.permissions();
      if (!attributes.owner().getName().equals(System.getProperty("user.name"))
          || permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(dir + " is not this user's alone");
      }
    }
    return dir;
  }

  Path archive() {
    return directory.resolve(name + ".jsa");
  }

  Path sum() {
    return directory.resolve(name + ".sum");
  }

  Path lock() {
    return directory.resolve(name + ".lock");
  }

  /** Marks a failed training, for {@link #RETRY_MILLIS}. */
  Path failed() {
    return directory.resolve(name + ".failed");
  }

  Path procpoolJar() {
    return procpoolJar;
  }

  /**
   * The worker options that use the archive, or an empty list if there is no valid one (yet). Checks the
   * archive against its sum the first time this JVM sees it (a read of a few megabytes).
   */
  List<String> options() {
    if (!valid()) {
      return List.of();
    }
    List<String> options = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive(), "-Xshare:auto", "-Xlog:cds*=off"));
    if (Runtime.version().feature() >= 24) {
      options.add("-Xlog:aot*=off"); // JDK 24 reports archive problems under this tag; older JDKs reject the tag
    }
    return options;
  }

  private boolean valid() {
    Path archive = archive();
    try {
      long size = Files.size(archive);
      String seen = size + " " + Files.getLastModifiedTime(archive).toMillis();
      if (seen.equals(VALID.get(archive))) {
        return true;
      }
      String expected = Files.readString(sum(), StandardCharsets.US_ASCII).trim();
      if (!expected.equals(describe(archive))) {
        return false;
      }
      VALID.put(archive, seen);
      return true;
    } catch (IOException | SecurityException e) {
      return false; // not there (yet), or unreadable
    }
  }

  /** What the sum file says of a good archive: its size and CRC-32C. */
  static String describe(Path archive) throws IOException {
    CRC32C crc = new CRC32C();
    long size = 0;
    try (InputStream in = Files.newInputStream(archive)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        crc.update(buffer, 0, n);
        size += n;
      }
    }
    return size + " " + Long.toHexString(crc.getValue());
  }

  /**
   * Starts making the archive in the background, unless there is a valid one, this JVM has started one
   * already, or another JVM is making it. The training runs in a process of its own, at a low CPU
   * priority where {@code nice} exists, that outlives this JVM if need be and leaves nothing behind but
   * the archive; its output is discarded. Failing to start it only means no archive.
   *
   * @param jvmOptions the workers' options, as given to the pool (not the ones procpool adds)
   * @param environment the variables set for workers
   */
  void trainInBackground(List<String> jvmOptions, Map<String, String> environment) {
    if (valid() || !TRAINING.add(archive()) || younger(lock(), STALE_MILLIS) || younger(failed(), RETRY_MILLIS)) {
      return;
    }
    List<String> cmd = new ArrayList<>();
    for (String nice : List.of("/usr/bin/nice", "/bin/nice")) {
      if (Files.isExecutable(Path.of(nice))) {
        // Not 19: on a 2-core machine kept busy by four other processes, a training at 19 ran past the
        // pool's start limits and failed; at 10 it took 31 s, and the first pool's workers still come first.
        cmd.addAll(List.of(nice, "-n", "10"));
        break;
      }
    }
    cmd.add(WorkerLauncher.javaExecutable());
    cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-D" + ENABLED_PROPERTY + "=false", "-cp", procpoolJar.toString(),
        ClassDataTraining.class.getName(), directory.toString(), name));
    cmd.addAll(jvmOptions);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(environment);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      pb.start().getOutputStream().close();
    } catch (IOException | RuntimeException e) {
      // no archive this time; workers start as they would without
    }
  }

  /** Whether the file exists and was last modified less than {@code millis} ago. */
  static boolean younger(Path file, long millis) {
    try {
      FileTime since = Files.getLastModifiedTime(file);
      return System.currentTimeMillis() - since.toMillis() < millis;
    } catch (IOException e) {
      return false;
    }
  }
}
