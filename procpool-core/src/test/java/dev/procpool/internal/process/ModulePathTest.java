package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModulePathTest {
  @Test
  void noModulePathNoOptions() {
    assertThat(ModulePath.options(null, null, Set.of("java.base", "java.sql"))).isEmpty();
    assertThat(ModulePath.options("", null, Set.of("java.base"))).isEmpty();
  }

  @Test
  void theWorkerGetsTheModulePathAbsoluteAndEveryModuleOfTheBootLayerButJavaBase() {
    String mods = "mods" + File.pathSeparator + "/opt/lib/extra.jar";
    List<String> options = ModulePath.options(mods, null, Set.of("java.base", "app", "dev.procpool", "java.sql"));
    assertThat(options).containsExactly(
        "--module-path", Path.of("mods").toAbsolutePath() + File.pathSeparator + "/opt/lib/extra.jar",
        "--add-modules", "app,dev.procpool,java.sql");
  }

  @Test
  void anUpgradeModulePathGoesToo() {
    assertThat(ModulePath.options("/m", "/u", Set.of("java.base", "app")))
        .containsExactly("--upgrade-module-path", "/u", "--module-path", "/m", "--add-modules", "app");
  }

  @Test
  void onTheClassPathProcpoolIsNotAModuleAndItsWorkerIsAPlainMainClass() {
    // Surefire runs this test from the class path.
    assertThat(ModulePath.procpoolIsModule()).isFalse();
    assertThat(ModulePath.mainClass()).containsExactly(WorkerMain.class.getName());
  }
}
