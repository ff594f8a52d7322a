package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SourceLauncherTest {
  @Test
  void theSourceLaunchersCommandOnEachJdkIsRecognised() {
    assertThat(SourceLauncher.detected("jdk.compiler/com.sun.tools.javac.launcher.Main Hello.java", null, List.of()))
        .as("JDK 17 to 21").isTrue();
    assertThat(SourceLauncher.detected("jdk.compiler/com.sun.tools.javac.launcher.SourceLauncher Hello.java a b",
        null, List.of())).as("JDK 22 and later").isTrue();
    assertThat(SourceLauncher.detected("com.sun.tools.javac.launcher.Main Hello.java", null, List.of())).isTrue();
  }

  @Test
  void theSourceOptionAloneIsEnough() {
    assertThat(SourceLauncher.detected(null, "21", List.of())).isTrue();
  }

  @Test
  void theLaunchersInMemoryLoaderIsRecognisedAmongTheParents() {
    List<String> jdk22 = List.of("org.example.PluginLoader", "com.sun.tools.javac.launcher.MemoryClassLoader",
        "jdk.internal.loader.ClassLoaders$AppClassLoader");
    assertThat(SourceLauncher.detected("app.Main", null, jdk22)).isTrue();
    assertThat(SourceLauncher.detected("app.Main", null, List.of("com.sun.tools.javac.launcher.Main$MemoryClassLoader")))
        .as("JDK 17's").isTrue();
  }

  @Test
  void compiledProgramsAreNot() {
    List<String> system = List.of("jdk.internal.loader.ClassLoaders$AppClassLoader",
        "jdk.internal.loader.ClassLoaders$PlatformClassLoader");
    assertThat(SourceLauncher.detected("app.Main", null, system)).isFalse();
    assertThat(SourceLauncher.detected("app/app.Main arg", null, system)).as("java -m app/app.Main").isFalse();
    assertThat(SourceLauncher.detected("/srv/app.jar --port 8080", null, system)).as("java -jar").isFalse();
    assertThat(SourceLauncher.detected("org.codehaus.plexus.classworlds.launcher.Launcher -q exec:java", null,
        system)).isFalse();
    assertThat(SourceLauncher.detected("", null, List.of())).isFalse();
    assertThat(SourceLauncher.detected(null, null, List.of())).isFalse();
    assertThat(SourceLauncher.detected("app.Main com.sun.tools.javac.launcher.Main", null, system))
        .as("an argument that looks like the launcher").isFalse();
  }

  @Test
  void thisJvmRunsCompiledClasses() {
    SourceLauncher.requireCompiledProgram(); // does not throw under Surefire
  }
}
