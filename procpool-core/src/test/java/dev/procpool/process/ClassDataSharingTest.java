package dev.procpool.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.internal.process.ProcessBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers of an application that runs procpool from its jar map a class-data sharing archive made by the
 * first pool that needed one, kept in the cache directory given by {@code procpool.classDataCache}. Each
 * test runs {@link ClassDataApp} in JVMs of its own, with the test classes' directory first on the class
 * path, as under an IDE or Maven: the JVM cannot archive classes from a directory, so nothing of the
 * application may end up in the archive. Whether a worker used the archive is the worker JVM's own word:
 * its class-loading log says where {@code WorkerMain} came from.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClassDataSharingTest {
  private static final String FROM_ARCHIVE = "dev.procpool.internal.process.WorkerMain source: shared objects file (top)";
  private static final Pattern OUTPUT = Pattern.compile("worker (\\d+) below ([\\d,]*)\\R?");

  @TempDir Path tmp;
  private Path jar;
  private Path cache;
  private Path logs;

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  @BeforeEach
  void procpoolJar() throws Exception {
    Path classes = Path.of(ProcessBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    jar = tmp.resolve("procpool.jar");
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
        Stream<Path> all = Files.walk(classes)) {
      for (Path p : all.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
        Files.copy(p, out);
        out.closeEntry();
      }
    }
    cache = tmp.resolve("cache");
    logs = Files.createDirectories(tmp.resolve("logs"));
  }

  @Test
  void theFirstPoolHasTheArchiveMadeAndLaterPoolsUseIt() throws Exception {
    long first = runApp();
    assertThat(loadLog(first)).doesNotContain(FROM_ARCHIVE);
    Path archive = theArchive();
    assertThat(Files.getPosixFilePermissions(cache)).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    Object made = Files.readAttributes(archive, "unix:ino");
    long second = runApp();
    assertThat(loadLog(second)).contains(FROM_ARCHIVE);
    assertThat(loadLog(second)).as("the application's classes load from where they are")
        .contains("dev.procpool.process.ClassDataApp source: file:");
    assertThat(Files.readAttributes(archive, "unix:ino")).as("made once").isEqualTo(made);
    assertThat(cacheFiles()).hasSize(2);
  }

  @Test
  void aTruncatedArchiveStartsWorkersWithoutAndIsReplaced() throws Exception {
    runApp();
    Path archive = theArchive();
    byte[] whole = Files.readAllBytes(archive);
    Files.delete(archive); // the JVM makes it read-only
    Files.write(archive, Arrays.copyOf(whole, whole.length / 2));
    long worker = runApp();
    assertThat(loadLog(worker)).doesNotContain(FROM_ARCHIVE);
    Path replaced = theArchive();
    assertThat(Files.readString(sumOf(replaced), StandardCharsets.US_ASCII)).as("replaced by a whole one")
        .isEqualTo(Files.size(replaced) + " " + crc(Files.readAllBytes(replaced)));
    assertThat(loadLog(runApp())).contains(FROM_ARCHIVE);
  }

  @Test
  void anArchiveTheJvmRejectsStartsWorkersQuietly() throws Exception {
    runApp();
    Path archive = theArchive();
    byte[] garbage = Files.readAllBytes(archive);
    for (int i = 0; i < 64; i++) {
      garbage[i] ^= 0x5a; // the header: its magic number and the JVM's version
    }
    Files.delete(archive);
    Files.write(archive, garbage);
    Files.writeString(sumOf(archive), garbage.length + " " + crc(garbage), StandardCharsets.US_ASCII);
    long worker = runApp(); // output checked there: nothing from the JVM about the archive
    assertThat(loadLog(worker)).doesNotContain(FROM_ARCHIVE).contains("dev.procpool.internal.process.WorkerMain source:");
  }

  @Test
  void turnedOffNoArchiveIsMadeOrUsed() throws Exception {
    long worker = runApp("-Dprocpool.classDataSharing=false");
    assertThat(cache).doesNotExist();
    assertThat(loadLog(worker)).doesNotContain("shared objects file (top)");
    assertThat(runApp("-Dprocpool.classDataSharing=false")).isPositive();
    assertThat(cache).doesNotExist();
  }

  @Test
  void aCacheDirectoryOthersMayWriteToIsNotUsed() throws Exception {
    Files.createDirectories(cache, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx")); // whatever the umask
    long worker = runApp();
    assertThat(cacheFiles()).isEmpty();
    assertThat(loadLog(worker)).doesNotContain("shared objects file (top)");
  }

  @Test
  void applicationsStartingTogetherMakeOneArchive() throws Exception {
    List<Process> apps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      apps.add(startApp());
    }
    for (Process app : apps) {
      finish(app);
    }
    theArchive();
    assertThat(loadLog(runApp())).contains(FROM_ARCHIVE);
  }

  /** The one archive in the cache, with its sum file and nothing else, once any training is over. */
  private Path theArchive() throws IOException {
    List<Path> files = cacheFiles();
    assertThat(files).as("an archive and its sum, no lock or temporary file").hasSize(2);
    Path archive = files.stream().filter(f -> f.toString().endsWith(".jsa")).findFirst().orElseThrow();
    assertThat(archive.getFileName().toString()).matches("worker-jdk\\d+-[0-9a-f]{24}\\.jsa");
    return archive;
  }

  private static Path sumOf(Path archive) {
    return archive.resolveSibling(archive.getFileName().toString().replace(".jsa", ".sum"));
  }

  private static String crc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return Long.toHexString(crc.getValue());
  }

  private List<Path> cacheFiles() throws IOException {
    try (Stream<Path> files = Files.list(cache)) {
      return files.sorted().toList();
    }
  }

  private String loadLog(long pid) throws IOException {
    return Files.readString(logs.resolve("w-" + pid + ".log"), StandardCharsets.UTF_8);
  }

  /** Runs the application to its end and any training it started to its end; returns its worker's pid. */
  private long runApp(String... options) throws Exception {
    return finish(startApp(options));
  }

  private Process startApp(String... options) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dprocpool.classDataCache=" + cache);
    cmd.addAll(List.of(options));
    cmd.add("-cp");
    cmd.add(Path.of(ClassDataApp.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        + java.io.File.pathSeparator + jar);
    cmd.add(ClassDataApp.class.getName());
    cmd.add(logs.toString());
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  private static long finish(Process app) throws Exception {
    String out = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(app.exitValue()).as(out).isZero();
    Matcher m = OUTPUT.matcher(out);
    assertThat(m.matches()).as("nothing but the application's own line: %s", out).isTrue();
    Set<Long> below = m.group(2).isEmpty() ? Set.of()
        : Arrays.stream(m.group(2).split(",")).map(Long::parseLong).collect(Collectors.toSet());
    await("the training ends").atMost(Duration.ofSeconds(120))
        .until(() -> below.stream().noneMatch(ProcessTests::alive));
    return Long.parseLong(m.group(1));
  }
}
