package dev.procpool.internal.process;

import java.io.File;
import java.lang.System.Logger.Level;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the classpath a worker needs to load what this JVM's tasks use. {@code java.class.path} is not
 * enough: under {@code mvn exec:java} it holds Maven's launcher and the application lives in the
 * context class loader's URLs; IDEs and application launchers do the same. So the class loaders that
 * can see the tasks (the context loader, and the one that loaded procpool) are walked from the root
 * down, each {@link URLClassLoader} contributing its URLs and the system loader contributing
 * {@code java.class.path}, in delegation order, so that the worker resolves a class to the same jar.
 *
 * <p>A manifest-only jar on {@code java.class.path} (Surefire's booter, IDE "shorten command line"
 * jars, {@code java -jar app.jar} with a {@code Class-Path}) is passed on as it is: the worker's JVM
 * follows its {@code Class-Path} itself.
 */
final class Classpath {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  /**
   * The class path found last where no {@link URLClassLoader} took part, which then depends on
   * {@code java.class.path} alone: a pool that leases parked workers must work out the class path again
   * to find them, and that walk (paths made absolute, procpool's own location from its URL) took 0.2 ms
   * of its way to its first task, the code still interpreted.
   */
  private static volatile Found last;

  /** A class path, found from this {@code java.class.path}, with or without the system loader. */
  private record Found(String javaClassPath, boolean system, List<String> entries) {}

  private Classpath() {}

  static List<String> discover(ClassLoader... loaders) {
    ClassLoader system = ClassLoader.getSystemClassLoader();
    boolean urls = false;
    boolean sawSystem = false;
    for (ClassLoader loader : loaders) {
      for (ClassLoader l = loader; l != null; l = l.getParent()) {
        urls |= l instanceof URLClassLoader;
        sawSystem |= l == system;
      }
    }
    String javaClassPath = System.getProperty("java.class.path", "");
    Found f = last;
    if (!urls && f != null && f.system() == sawSystem && f.javaClassPath().equals(javaClassPath)) {
      return new ArrayList<>(f.entries());
    }
    List<String> found = walk(system, loaders);
    if (!urls) {
      last = new Found(javaClassPath, sawSystem, List.copyOf(found));
    }
    return found;
  }

  private static List<String> walk(ClassLoader system, ClassLoader... loaders) {
    Set<String> entries = new LinkedHashSet<>();
    for (ClassLoader loader : loaders) {
      List<ClassLoader> chain = new ArrayList<>();
      for (ClassLoader l = loader; l != null; l = l.getParent()) {
        chain.add(l);
      }
      Collections.reverse(chain);
      for (ClassLoader l : chain) {
        if (l == system) {
          addJavaClassPath(entries);
        } else if (l instanceof URLClassLoader u) {
          for (URL url : u.getURLs()) {
            add(entries, url);
          }
        }
      }
    }
    addOwnLocation(entries);
    return new ArrayList<>(entries);
  }

  /**
   * The worker's own main class must load whatever loaders this JVM uses; last, so it shadows nothing.
   * Not when procpool is a module: the worker finds it on the module path ({@link ModulePath}), and
   * a copy on the class path would be a second, unnamed, procpool.
   */
  private static void addOwnLocation(Set<String> entries) {
    if (ModulePath.procpoolIsModule()) {
      return;
    }
    java.security.CodeSource source = WorkerMain.class.getProtectionDomain().getCodeSource();
    if (source != null && source.getLocation() != null) {
      add(entries, source.getLocation());
    }
  }

  private static void addJavaClassPath(Set<String> entries) {
    for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!e.isEmpty()) {
        entries.add(Path.of(e).toAbsolutePath().toString());
      }
    }
  }

  private static void add(Set<String> entries, URL url) {
    if (!"file".equals(url.getProtocol())) {
      LOG.log(Level.WARNING, "procpool: the class path entry {0} is not a file; worker processes cannot use it,"
          + " add what it holds with PoolBuilder.extraClasspath(..)", url);
      return;
    }
    try {
      entries.add(Path.of(url.toURI()).toAbsolutePath().toString());
    } catch (URISyntaxException | IllegalArgumentException e) {
      entries.add(url.getPath());
    }
  }
}
