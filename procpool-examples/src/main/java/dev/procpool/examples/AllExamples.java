package dev.procpool.examples;

import dev.procpool.Pool;
import dev.procpool.hazelcast.ClusterPools;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Runs every example on every backend, or on the backends named as arguments:
 *
 * <pre>
 * mvn -q -pl procpool-examples exec:java                      # every backend
 * mvn -q -pl procpool-examples exec:java -Dexec.args=threads  # only some: threads, ...
 * </pre>
 */
public final class AllExamples {
  private AllExamples() {}

  /**
   * A place to run work: a name for the command line and how to open a pool with a given number of
   * workers there.
   */
  public record Backend(String name, IntFunction<Pool> open) {}

  /** Every backend, in the order they run. A new backend is one more line here. */
  public static final List<Backend> BACKENDS = List.of(
      new Backend("threads", Pool::threads),
      new Backend("processes", Pool::processes),
      new Backend("cluster", ClusterPools::embedded));

  /** The article's {@code Pool(processes=2)}. */
  static final int WORKERS = 2;

  /** Hazelcast logs its start-up and JVM advice through java.util.logging; the examples keep to their results. */
  private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");

  public static void main(String[] args) throws Exception {
    HAZELCAST_LOG.setLevel(java.util.logging.Level.SEVERE);
    run(select(List.of(args)));
  }

  /** Runs every example on each of the given backends. */
  public static void run(List<Backend> backends) throws Exception {
    for (Backend backend : backends) {
      System.out.println("=== backend: " + backend.name() + " ===");
      try (Pool pool = backend.open().apply(WORKERS)) {
        runArticleExamples(pool);
      }
      int cpus = Runtime.getRuntime().availableProcessors();
      try (Pool pool = backend.open().apply(cpus)) {
        CpuBoundExample.run(pool, 8);
      }
      try (Pool pool = backend.open().apply(WORKERS)) {
        InsightsExample.run(pool);
      }
      System.out.println();
    }
  }

  /** Runs the counterpart of every code block of the article, in the article's order. */
  public static void runArticleExamples(Pool pool) throws Exception {
    SquaresExample.run(pool);
    MultipleArgumentsExample.run(pool);
    ImapExample.run(pool);
    StarmapExample.run(pool);
    PartialExample.run(pool);
    ExecutorExample.run(pool);
  }

  /**
   * Picks the backends named in {@code names} (separated by spaces or commas), or all of them if
   * there are none.
   *
   * @throws IllegalArgumentException naming the known backends if a name is unknown
   */
  public static List<Backend> select(List<String> names) {
    List<Backend> chosen = new ArrayList<>();
    for (String arg : names) {
      for (String name : arg.split("[,\\s]+")) {
        if (name.isEmpty()) {
          continue;
        }
        chosen.add(BACKENDS.stream()
            .filter(b -> b.name().equals(name))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("unknown backend '" + name + "'; known: "
                + BACKENDS.stream().map(Backend::name).collect(Collectors.joining(", ")))));
      }
    }
    return chosen.isEmpty() ? BACKENDS : chosen;
  }
}
