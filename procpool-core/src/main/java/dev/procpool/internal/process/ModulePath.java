package dev.procpool.internal.process;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a worker JVM needs of this JVM's module path. An application started with
 * {@code java -p mods -m app/app.Main} has its classes, and procpool's (the automatic module
 * {@code dev.procpool}), in modules of the boot layer, and none of them on {@code java.class.path}. A
 * worker gets the same module path and, as root modules, every module of this JVM's boot layer: the
 * worker's main class is in {@code dev.procpool}, which requires nothing, so without them the
 * application's module, and any module this JVM resolved only because the command line or a service
 * asked for it, would not be there. Naming them all resolves the same modules as here, no more: this
 * JVM's boot layer is already closed under requires and service binding.
 *
 * <p>An application on the class path with procpool on the module path ({@code --add-modules}) gets the
 * same; one without a module path gets nothing from here.
 */
final class ModulePath {
  private ModulePath() {}

  /** The options for this JVM's module path: {@link #options(String, String, Set)} of the running JVM. */
  static List<String> options() {
    String modulePath = System.getProperty("jdk.module.path");
    if (modulePath == null || modulePath.isEmpty()) {
      return List.of(); // without listing the boot layer's modules: a third of a millisecond for every pool
    }
    Set<String> modules = new TreeSet<>();
    for (Module m : ModuleLayer.boot().modules()) {
      modules.add(m.getName());
    }
    return options(modulePath, System.getProperty("jdk.module.upgrade.path"), modules);
  }

  /**
   * The options that give a worker this JVM's modules, or none if there is no module path.
   *
   * @param modulePath the {@code jdk.module.path} property, or null
   * @param upgradePath the {@code jdk.module.upgrade.path} property, or null
   * @param bootModules the names of the boot layer's modules
   */
  static List<String> options(String modulePath, String upgradePath, Set<String> bootModules) {
    if (modulePath == null || modulePath.isEmpty()) {
      return List.of();
    }
    List<String> options = new ArrayList<>();
    if (upgradePath != null && !upgradePath.isEmpty()) {
      options.add("--upgrade-module-path");
      options.add(absolute(upgradePath));
    }
    options.add("--module-path");
    options.add(absolute(modulePath));
    Set<String> roots = new TreeSet<>(bootModules);
    roots.remove("java.base"); // always there
    if (!roots.isEmpty()) {
      options.add("--add-modules");
      options.add(String.join(",", roots));
    }
    return options;
  }

  /** Whether procpool runs as a module of the boot layer, so that the worker's main class is in a module too. */
  static boolean procpoolIsModule() {
    Module own = WorkerMain.class.getModule();
    return own.isNamed() && own.getLayer() == ModuleLayer.boot();
  }

  /** How the worker's command names its main class: {@code -m module/class}, or the class alone. */
  static List<String> mainClass() {
    return procpoolIsModule()
        ? List.of("-m", WorkerMain.class.getModule().getName() + "/" + WorkerMain.class.getName())
        : List.of(WorkerMain.class.getName());
  }

  /** The same path with every entry absolute, so that it means the same in any directory. */
  private static String absolute(String path) {
    List<String> entries = new ArrayList<>();
    for (String e : path.split(File.pathSeparator)) {
      if (!e.isEmpty()) {
        entries.add(Path.of(e).toAbsolutePath().toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
