package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootJarTest {
  @TempDir Path tmp;
  /** Stands for Spring Boot's class loader, which loads procpool from the jar's BOOT-INF/lib. */
  private URLClassLoader boot;

  @BeforeEach
  void bootLoader() {
    boot = new URLClassLoader(new URL[0], ClassLoader.getSystemClassLoader());
  }

  @AfterEach
  void close() throws IOException {
    boot.close();
  }

  @Test
  void anExecutableJarOfBoot32OrLaterStartsWorkersThroughItsPropertiesLauncher() throws Exception {
    Path jar = jar("app.jar", "org.springframework.boot.loader.launch.JarLauncher",
        "org/springframework/boot/loader/launch/JarLauncher.class",
        "org/springframework/boot/loader/launch/PropertiesLauncher.class");
    BootJar found = BootJar.find(jar.toString(), boot);
    assertThat(found).isEqualTo(new BootJar(jar, "org.springframework.boot.loader.launch.PropertiesLauncher"));
  }

  @Test
  void theClassicLoaderOfEarlierBootsToo() throws Exception {
    Path jar = jar("classic.jar", "org.springframework.boot.loader.JarLauncher",
        "org/springframework/boot/loader/JarLauncher.class", "org/springframework/boot/loader/PropertiesLauncher.class");
    assertThat(BootJar.find(jar.toString(), boot).launcher())
        .isEqualTo("org.springframework.boot.loader.PropertiesLauncher");
  }

  @Test
  void aRelativeClassPathGivesTheJarAbsolute() throws Exception {
    Path jar = jar("rel.jar", "org.springframework.boot.loader.launch.PropertiesLauncher",
        "org/springframework/boot/loader/launch/PropertiesLauncher.class");
    Path relative = Path.of("").toAbsolutePath().relativize(jar);
    assertThat(BootJar.find(relative.toString(), boot).jar()).isEqualTo(jar);
  }

  @Test
  void otherJarsAndLaunchesAreNot() throws Exception {
    Path shaded = jar("shaded.jar", "app.Main", "app/Main.class");
    assertThat(BootJar.find(shaded.toString(), boot)).as("a plain executable jar").isNull();
    Path war = jar("app.war", "org.springframework.boot.loader.launch.WarLauncher",
        "org/springframework/boot/loader/launch/WarLauncher.class",
        "org/springframework/boot/loader/launch/PropertiesLauncher.class");
    assertThat(BootJar.find(war.toString(), boot)).as("an executable war").isNull();
    Path noLauncher = jar("thin.jar", "org.springframework.boot.loader.launch.JarLauncher", "app/Main.class");
    assertThat(BootJar.find(noLauncher.toString(), boot)).as("names a launcher it does not hold").isNull();
    Path boot32 = jar("boot.jar", "org.springframework.boot.loader.launch.JarLauncher",
        "org/springframework/boot/loader/launch/PropertiesLauncher.class");
    assertThat(BootJar.find(boot32.toString(), ClassLoader.getSystemClassLoader()))
        .as("procpool loaded by the system class loader: the class path reaches it as it is").isNull();
    assertThat(BootJar.find(boot32 + File.pathSeparator + shaded, boot)).as("more than one entry").isNull();
    assertThat(BootJar.find("", boot)).isNull();
    assertThat(BootJar.find(tmp.resolve("missing.jar").toString(), boot)).isNull();
    Path notAJar = Files.writeString(tmp.resolve("text.jar"), "not a zip");
    assertThat(BootJar.find(notAJar.toString(), boot)).isNull();
  }

  @Test
  void theWorkerNamesItsMainClassAndKeepsBootsOtherLoaderSettings() {
    BootJar jar = new BootJar(Path.of("/srv/app.jar"), "org.springframework.boot.loader.launch.PropertiesLauncher");
    Properties properties = new Properties();
    properties.setProperty("loader.path", "lib/,config/");
    properties.setProperty("loader.home", "/srv");
    properties.setProperty("loader.main", "app.Main");
    properties.setProperty("loader.args", "--server.port=0");
    properties.setProperty("user.dir", "/srv");
    assertThat(jar.launch("dev.procpool.internal.process.WorkerMain", properties)).containsExactly(
        "-Dloader.main=dev.procpool.internal.process.WorkerMain",
        "-Dloader.home=/srv",
        "-Dloader.path=lib/,config/",
        "org.springframework.boot.loader.launch.PropertiesLauncher");
  }

  private Path jar(String name, String mainClass, String... entries) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
    Path jar = tmp.resolve(name);
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
      for (String entry : entries) {
        out.putNextEntry(new JarEntry(entry));
        out.closeEntry();
      }
    }
    return jar;
  }
}
