package dev.procpool.internal.process;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells whether this JVM runs a program straight from its source ({@code java Hello.java}). The source
 * launcher compiles the program in memory and loads it from there, so its classes exist in no file a
 * worker JVM could load them from: every task would fail in the worker, one by one. A process pool is
 * refused at once instead, saying what to do.
 *
 * <p>Three signs, any of which is enough: the command the JVM was started with names the source
 * launcher's main class ({@code sun.java.command}: {@code com.sun.tools.javac.launcher.Main} on JDK 17
 * to 21, {@code ...SourceLauncher} from JDK 22); the launcher's {@code --source} option left
 * {@code jdk.internal.javac.source}; the caller's class loader, or one of its parents, is the
 * launcher's in-memory one (the context class loader from JDK 22; on JDK 17 the context class loader is
 * the system one and only the command tells).
 */
final class SourceLauncher {
  private static final String LAUNCHER_PACKAGE = "com.sun.tools.javac.launcher.";

  private SourceLauncher() {}

  /**
   * Throws if this JVM runs a program from its source.
   *
   * @throws IllegalStateException saying why worker processes cannot work here and what to do instead
   */
  static void requireCompiledProgram() {
    List<String> loaders = new ArrayList<>();
    for (ClassLoader l = Thread.currentThread().getContextClassLoader(); l != null; l = l.getParent()) {
      loaders.add(l.getClass().getName());
    }
    if (detected(System.getProperty("sun.java.command"), System.getProperty("jdk.internal.javac.source"), loaders)) {
      throw new IllegalStateException("Pool.processes cannot run a program started from its source file"
          + " (java Hello.java): the source launcher compiles it in memory, where worker JVMs cannot load"
          + " its classes. Compile it (javac -cp <procpool-core jar> -d classes Hello.java) and run"
          + " java -cp classes:<procpool-core jar> Hello, or use Pool.threads(n)");
    }
  }

  /**
   * Whether these properties of a JVM say it runs a program from its source.
   *
   * @param command the {@code sun.java.command} property, or null
   * @param sourceRelease the {@code jdk.internal.javac.source} property, or null
   * @param loaders the class names of the context class loader of the code that builds the pool and
   *     of its parents
   */
  static boolean detected(String command, String sourceRelease, List<String> loaders) {
    if (sourceRelease != null) {
      return true;
    }
    if (command != null) {
      String main = command.strip();
      int space = main.indexOf(' ');
      main = space < 0 ? main : main.substring(0, space);
      main = main.substring(main.indexOf('/') + 1); // the module, as in jdk.compiler/com.sun...
      if (main.startsWith(LAUNCHER_PACKAGE)) {
        return true;
      }
    }
    return loaders.stream().anyMatch(name -> name.startsWith(LAUNCHER_PACKAGE));
  }
}
