package dev.procpool.process;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;

/**
 * Launches a main class the way {@code mvn exec:java} does: from a URLClassLoader set as the context
 * class loader, while {@code java.class.path} holds only this launcher. Usage: main class, then URLs.
 */
public final class ExecJavaLauncher {
  private ExecJavaLauncher() {}

  public static void main(String[] args) throws Exception {
    URL[] urls = Arrays.stream(args, 1, args.length).map(ExecJavaLauncher::url).toArray(URL[]::new);
    try (URLClassLoader app = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
      Thread.currentThread().setContextClassLoader(app);
      Class.forName(args[0], true, app).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
    }
  }

  private static URL url(String s) {
    try {
      return new URL(s);
    } catch (java.net.MalformedURLException e) {
      throw new IllegalArgumentException(s, e);
    }
  }
}
