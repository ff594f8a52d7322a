package dev.procpool.internal.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * A Spring Boot executable jar that this JVM runs ({@code java -jar app.jar}, built by
 * {@code spring-boot-maven-plugin} or Gradle's {@code bootJar}). Its classes are in
 * {@code BOOT-INF/classes} and its libraries, procpool among them, are jars inside the jar, in
 * {@code BOOT-INF/lib}: no class path a JVM accepts can name them, only Boot's own class loader reads
 * them. So a worker starts through Boot's {@code PropertiesLauncher}, which builds that class loader
 * for the same jar as {@code JarLauncher} does and then runs the main class that {@code loader.main}
 * names, here the worker's.
 *
 * <p>Recognised when procpool was not loaded by the system class loader (so it is not reachable from
 * {@code java.class.path} as it is), {@code java.class.path} is a single jar, and that jar's
 * {@code Main-Class} is one of Boot's launchers, with the {@code PropertiesLauncher} of the same
 * generation inside (the {@code launch} package since Boot 3.2, the classic one before). An
 * executable war ({@code WarLauncher}) is not: its classes are in {@code WEB-INF}, which
 * {@code PropertiesLauncher} does not read.
 *
 * @param jar the executable jar, absolute
 * @param launcher the class name of Boot's {@code PropertiesLauncher} in it
 */
record BootJar(Path jar, String launcher) {
  private static final List<String> LAUNCHER_PACKAGES =
      List.of("org.springframework.boot.loader.launch.", "org.springframework.boot.loader.");
  private static final List<String> JAR_LAUNCHERS = List.of("JarLauncher", "PropertiesLauncher");
  /** Boot's settings that a worker must not take from this JVM: it names its own main class and arguments. */
  private static final List<String> NOT_FORWARDED = List.of("loader.main", "loader.args");

  /** The executable jar this JVM runs from, or null if it does not run from one. */
  static BootJar find() {
    return find(System.getProperty("java.class.path", ""), WorkerMain.class.getClassLoader());
  }

  /**
   * The executable jar a JVM runs from, or null.
   *
   * @param javaClassPath the JVM's {@code java.class.path}
   * @param procpoolLoader the class loader that loaded procpool's classes
   */
  static BootJar find(String javaClassPath, ClassLoader procpoolLoader) {
    if (procpoolLoader == ClassLoader.getSystemClassLoader() || javaClassPath.isEmpty()
        || javaClassPath.contains(File.pathSeparator)) {
      return null;
    }
    Path jar = Path.of(javaClassPath).toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      return null;
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      Manifest manifest = file.getManifest();
      String main = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
      if (main == null) {
        return null;
      }
      for (String pkg : LAUNCHER_PACKAGES) {
        String simpleName = main.startsWith(pkg) ? main.substring(pkg.length()) : "";
        String launcher = pkg + "PropertiesLauncher";
        if (JAR_LAUNCHERS.contains(simpleName) && file.getEntry(launcher.replace('.', '/') + ".class") != null) {
          return new BootJar(jar, launcher);
        }
      }
      return null;
    } catch (IOException | SecurityException e) {
      return null; // not a jar this JVM could have been launched from
    }
  }

  /**
   * The options and main class that start {@code mainClass} through Boot's launcher: {@code loader.main},
   * and the settings of Boot's loader ({@code loader.path}, {@code loader.home}, ...) that this JVM was
   * given, so that the worker's class loader reads the same places.
   *
   * @param mainClass the class to run once Boot's class loader is ready
   * @param systemProperties this JVM's system properties
   */
  List<String> launch(String mainClass, Properties systemProperties) {
    List<String> args = new ArrayList<>();
    args.add("-Dloader.main=" + mainClass);
    for (String name : new TreeSet<>(systemProperties.stringPropertyNames())) {
      if (name.startsWith("loader.") && !NOT_FORWARDED.contains(name)) {
        args.add("-D" + name + "=" + systemProperties.getProperty(name));
      }
    }
    args.add(launcher);
    return args;
  }
}
