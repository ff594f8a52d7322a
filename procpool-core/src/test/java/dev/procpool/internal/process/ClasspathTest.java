package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClasspathTest {
  @TempDir Path tmp;

  @Test
  void urlClassLoadersContributeTheirEntriesAfterTheirParents() throws Exception {
    Path a = tmp.resolve("a.jar");
    Path b = tmp.resolve("b dir");
    URL[] urls = {a.toUri().toURL(), b.toUri().toURL()};
    try (URLClassLoader child = new URLClassLoader(urls, ClassLoader.getSystemClassLoader())) {
      List<String> cp = Classpath.discover(child);
      String firstOfJavaClassPath = Path.of(System.getProperty("java.class.path").split(File.pathSeparator)[0])
          .toAbsolutePath().toString();
      assertThat(cp).contains(firstOfJavaClassPath, a.toString(), b.toString());
      assertThat(cp.indexOf(firstOfJavaClassPath)).as("parents first, as delegation resolves")
          .isLessThan(cp.indexOf(a.toString()));
      assertThat(cp.indexOf(a.toString())).isLessThan(cp.indexOf(b.toString()));
    }
  }

  @Test
  void javaClassPathIsLeftOutWhenTheApplicationIsNotOnTheSystemLoader() throws Exception {
    Path app = tmp.resolve("app.jar");
    try (URLClassLoader isolated = new URLClassLoader(new URL[] {app.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      List<String> cp = Classpath.discover(isolated);
      assertThat(cp.get(0)).isEqualTo(app.toString());
      String own = Path.of(WorkerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      assertThat(cp).as("the worker's own classes, always").endsWith(own);
    }
  }

  @Test
  void aClassPathFoundAgainFollowsJavaClassPathAndTheLoaders() throws Exception {
    ClassLoader system = ClassLoader.getSystemClassLoader();
    List<String> first = Classpath.discover(system);
    first.add("changed by the caller");
    List<String> again = Classpath.discover(system);
    assertThat(again).as("a list of the caller's own each time").doesNotContain("changed by the caller");
    assertThat(again).isEqualTo(first.subList(0, first.size() - 1));

    String own = Path.of(WorkerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    ClassLoader noSystem = new ClassLoader(ClassLoader.getPlatformClassLoader()) { };
    assertThat(Classpath.discover(noSystem)).as("without the system loader, no java.class.path").containsExactly(own);

    String javaClassPath = System.getProperty("java.class.path");
    Path added = tmp.resolve("added.jar");
    try {
      System.setProperty("java.class.path", added + File.pathSeparator + javaClassPath);
      assertThat(Classpath.discover(system)).startsWith(added.toString()).containsAll(again);
    } finally {
      System.setProperty("java.class.path", javaClassPath);
    }
    assertThat(Classpath.discover(system)).isEqualTo(again);
  }
}
