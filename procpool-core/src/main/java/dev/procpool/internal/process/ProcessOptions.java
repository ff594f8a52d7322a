package dev.procpool.internal.process;

import dev.procpool.PoolBuilder.WorkerOutput;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param reuseKeepAlive how long idle workers stay parked for a later pool when this one closes (see
 *     {@link WarmWorkers}), or null to end them with the pool
 */
public record ProcessOptions(
    List<String> jvmOptions,
    List<Path> extraClasspath,
    Map<String, String> environment,
    Map<String, String> systemProperties,
    WorkerOutput output,
    Duration reuseKeepAlive) {

  /** No extra options; output forwarded; workers end with their pool. */
  public static final ProcessOptions DEFAULTS = new ProcessOptions(List.of(), List.of(), Map.of(), Map.of(),
      WorkerOutput.FORWARD, null);

  /**
   * Copies the settings, keeping the maps' order.
   *
   * @param jvmOptions options for each worker's {@code java} command
   * @param extraClasspath entries appended to the inherited classpath
   * @param environment variables for the workers
   * @param systemProperties system properties for the workers
   * @param output what happens to the workers' stdout and stderr
   * @param reuseKeepAlive how long idle workers stay parked for a later pool, or null
   * @throws NullPointerException if any argument but {@code reuseKeepAlive} is null
   * @throws IllegalArgumentException if {@code reuseKeepAlive} is zero or negative
   */
  public ProcessOptions {
    jvmOptions = List.copyOf(jvmOptions);
    extraClasspath = List.copyOf(extraClasspath);
    environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    systemProperties = Collections.unmodifiableMap(new LinkedHashMap<>(systemProperties));
    Objects.requireNonNull(output, "output");
    if (reuseKeepAlive != null && (reuseKeepAlive.isZero() || reuseKeepAlive.isNegative())) {
      throw new IllegalArgumentException("the keep-alive of reused workers must be positive, got " + reuseKeepAlive);
    }
  }
}
