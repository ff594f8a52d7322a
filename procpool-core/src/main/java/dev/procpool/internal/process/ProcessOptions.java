package dev.procpool.internal.process;

import dev.procpool.PoolBuilder.WorkerOutput;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings only worker processes have, as given to {@link dev.procpool.PoolBuilder}. Public only so
 * that the builder, in another package, can make one; immutable.
 *
 * @param jvmOptions options for each worker's {@code java} command, before the main class
 * @param extraClasspath entries appended to the classpath the workers inherit from this JVM
 * @param environment variables added to (or replacing) the environment workers inherit
 * @param systemProperties set in each worker with {@code -D}
 * @param output what happens to the workers' stdout and stderr
 */
public record ProcessOptions(
    List<String> jvmOptions,
    List<Path> extraClasspath,
    Map<String, String> environment,
    Map<String, String> systemProperties,
    WorkerOutput output) {

  /** No extra options; output forwarded. */
  public static final ProcessOptions DEFAULTS = new ProcessOptions(List.of(), List.of(), Map.of(), Map.of(),
      WorkerOutput.FORWARD);

  /**
   * Copies the settings, keeping the maps' order.
   *
   * @param jvmOptions options for each worker's {@code java} command
   * @param extraClasspath entries appended to the inherited classpath
   * @param environment variables for the workers
   * @param systemProperties system properties for the workers
   * @param output what happens to the workers' stdout and stderr
   * @throws NullPointerException if any argument is null
   */
  public ProcessOptions {
    jvmOptions = List.copyOf(jvmOptions);
    extraClasspath = List.copyOf(extraClasspath);
    environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    systemProperties = Collections.unmodifiableMap(new LinkedHashMap<>(systemProperties));
    Objects.requireNonNull(output, "output");
  }
}
