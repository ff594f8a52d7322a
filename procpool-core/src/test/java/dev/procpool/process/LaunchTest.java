package dev.procpool.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.Pool;
import dev.procpool.internal.process.ProcessBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers find the application's classes however the application was launched: from a jar, from a
 * class loader that is not the system one (as under {@code mvn exec:java}, whose {@code java.class.path}
 * is Maven's own launcher), and under Surefire (whose manifest-only booter jar runs this very test).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LaunchTest {
  @TempDir Path tmp;

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  @Test
  void fromAClassLoaderLikeMavenExecJava() throws Exception {
    // java.class.path holds only the launcher, copied alone into a directory of its own.
    String launcher = ExecJavaLauncher.class.getName();
    Path launcherDir = tmp.resolve("launcher");
    Path launcherFile = launcherDir.resolve(launcher.replace('.', '/') + ".class");
    Files.createDirectories(launcherFile.getParent());
    try (InputStream in = ExecJavaLauncher.class.getResourceAsStream("ExecJavaLauncher.class")) {
      Files.copy(in, launcherFile);
    }
    String out = run(List.of("-cp", launcherDir.toString(), launcher, AppMain.class.getName(),
        location(ProcessBackend.class), location(AppMain.class)));
    assertThat(out).contains("squares [1, 4, 9]").contains("[app w1] hello from the worker, item 2");
  }

  @Test
  void fromAJarWithAClassPathInItsManifest() throws Exception {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, AppMain.class.getName());
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH,
        location(ProcessBackend.class) + " " + location(AppMain.class));
    Path jar = tmp.resolve("app.jar");
    try (OutputStream file = Files.newOutputStream(jar)) {
      new JarOutputStream(file, manifest).close(); // the manifest is the whole jar
    }
    String out = run(List.of("-jar", jar.toString()));
    assertThat(out).contains("squares [1, 4, 9]").contains("[app w1] hello from the worker, item 1");
  }

  @Test
  void inheritedOutputIsTheWorkersOwnWithoutPrefix() throws Exception {
    String out = run(List.of("-cp", System.getProperty("java.class.path"), AppMain.class.getName(), "INHERIT"));
    assertThat(out).contains("squares [1, 4, 9]").contains("hello from the worker, item 3").doesNotContain("[app w1]");
  }

  @Test
  void discardedOutputIsDropped() throws Exception {
    String out = run(List.of("-cp", System.getProperty("java.class.path"), AppMain.class.getName(), "DISCARD"));
    assertThat(out).contains("squares [1, 4, 9]").doesNotContain("hello from the worker");
  }

  @Test
  void aClassPathTooLongForOneArgumentGoesInAnArgumentFile() {
    Path[] extra = new Path[400];
    for (int i = 0; i < extra.length; i++) {
      extra[i] = tmp.resolve("a directory with a \"long\" name, number " + i);
    }
    try (Pool pool = Pool.builder().processes(1).extraClasspath(extra).build()) {
      String classPath = pool.apply(() -> System.getProperty("java.class.path"));
      assertThat(classPath.length()).isGreaterThan(16_000);
      assertThat(classPath).endsWith(extra[extra.length - 1].toString());
    }
  }

  @Test
  void fromASourceFileTheBuilderSaysWhyNotOnce() throws Exception {
    Path source = Files.writeString(tmp.resolve("Hello.java"), String.join("\n",
        "import dev.procpool.Pool;",
        "public class Hello {",
        "  public static void main(String[] args) {",
        "    try (Pool pool = Pool.processes(2)) {",
        "      System.out.println(pool.map(x -> x * x, java.util.List.of(1, 2, 3)));",
        "    }",
        "  }",
        "}"));
    List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", Path.of(ProcessBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
        source.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(1);
    assertThat(out).as("one failure, at build(), saying why and what to do")
        .startsWith("Exception in thread \"main\" java.lang.IllegalStateException: Pool.processes cannot run a"
            + " program started from its source file (java Hello.java)")
        .contains("Pool.threads(n)", "at dev.procpool.PoolBuilder.build(")
        .containsOnlyOnce("Exception in thread");
  }

  /** A class's jar or directory as a URL (directories end with '/', as class paths require). */
  private static String location(Class<?> c) throws Exception {
    return c.getProtectionDomain().getCodeSource().getLocation().toURI().toString();
  }

  private static String run(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }

  @Test
  void underSurefireTheBooterJarIsEnough() {
    try (Pool pool = Pool.processes(1)) {
      assertThat(pool.apply(() -> LaunchTest.class.getSimpleName())).isEqualTo("LaunchTest");
    }
  }
}
