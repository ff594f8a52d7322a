package dev.procpool.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.procpool.hazelcast.internal.ClusterConfigs;
import dev.procpool.hazelcast.internal.NodeRuntime;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns a machine into a worker of procpool's cluster backend: starts a Hazelcast member that runs the
 * chunks of any pool on the cluster, and leaves gracefully on SIGTERM.
 *
 * <pre>
 * java -cp app.jar:lib/* dev.procpool.hazelcast.NodeLauncher \
 *     --cluster-name analytics --members 10.0.0.5,10.0.0.6 \
 *     --bind 10.0.0.5 --allow-public-bind --workers 8
 * </pre>
 *
 * <p>The classpath must hold the application's classes (its functions, items and results) next to
 * procpool-core, procpool-hazelcast and hazelcast. Options:
 *
 * <ul>
 *   <li>{@code --cluster-name NAME} (required): only members and clients that know it may join;
 *   <li>{@code --members HOST[:PORT],...}: where the other members are; default 127.0.0.1;
 *   <li>{@code --bind ADDRESS}: the one interface to listen on; default 127.0.0.1. Any other address
 *       needs {@code --allow-public-bind}, because Hazelcast's Community Edition has neither TLS nor
 *       member authentication: run the cluster on a trusted network only;
 *   <li>{@code --port N}: the first port to try (the next 99 are tried too); default 5701;
 *   <li>{@code --workers N}: worker threads per pool; default the number of processors;
 *   <li>{@code --failure-detection-seconds N}: silence after which another member is declared dead;
 *       default 10 (Hazelcast's own default is 60);
 *   <li>{@code --drain-seconds N}: on SIGTERM, how long running chunks may take to finish; default 60.
 * </ul>
 *
 * <p>It prints {@code procpool node ready: ...} once the member has joined. On SIGTERM it stops taking
 * chunks, hands queued ones back to their pools (they run elsewhere, unstarted), lets running ones finish
 * and send their results, then leaves the cluster gracefully; no result is lost and no item runs twice.
 */
public final class NodeLauncher {
  private NodeLauncher() {}

  /** The settings of one node, parsed from the command line. */
  record Options(String clusterName, List<String> members, String bind, boolean allowPublicBind, int port,
      int workers, int detectionSeconds, int drainSeconds) {}

  /**
   * Starts the node and returns; the member's threads keep the JVM running until SIGTERM.
   *
   * @param args the options above
   */
  public static void main(String[] args) {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("procpool node: " + e.getMessage());
      usage(System.err);
      System.exit(2);
      return;
    }
    if (options == null) {
      usage(System.out);
      return;
    }
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "jdk");
    }
    HazelcastInstance member = start(options);
    System.out.println("procpool node ready: member " + member.getCluster().getLocalMember().getAddress()
        + " in cluster " + options.clusterName() + ", " + options.workers() + " worker threads per pool, pid "
        + ProcessHandle.current().pid());
    System.out.flush();
  }

  /** Starts the member and installs the graceful-leave hook. */
  static HazelcastInstance start(Options options) {
    Config config = ClusterConfigs.member(options.clusterName(), options.bind(), options.port(), options.members(),
        options.workers(), Duration.ofSeconds(options.detectionSeconds()));
    // Our own hook drains first; Hazelcast's would terminate the member at once.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
    NodeRuntime node = NodeRuntime.of(member);
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (!stopping.compareAndSet(false, true)) {
        return;
      }
      System.out.println("procpool node draining: finishing running chunks, handing queued ones back");
      try {
        boolean drained = node.drain(Duration.ofSeconds(options.drainSeconds()));
        if (!drained) {
          System.err.println("procpool node: chunks still running after " + options.drainSeconds()
              + " s; leaving anyway (their pools run them elsewhere)");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      member.shutdown();
      System.out.println("procpool node stopped");
      System.out.flush();
    }, "procpool-node-shutdown"));
    return member;
  }

  /** Parses the options; returns null for --help. */
  static Options parse(String[] args) {
    String clusterName = null;
    List<String> members = List.of("127.0.0.1");
    String bind = "127.0.0.1";
    boolean allowPublic = false;
    int port = 5701;
    int workers = Runtime.getRuntime().availableProcessors();
    int detection = 10;
    int drain = 60;
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    while (!rest.isEmpty()) {
      String flag = rest.remove(0);
      String value = null;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      switch (flag) {
        case "--help", "-h" -> {
          return null;
        }
        case "--allow-public-bind" -> allowPublic = true;
        case "--cluster-name", "--members", "--bind", "--port", "--workers", "--failure-detection-seconds",
            "--drain-seconds" -> {
          if (value == null) {
            if (rest.isEmpty()) {
              throw new IllegalArgumentException(flag + " needs a value");
            }
            value = rest.remove(0);
          }
          switch (flag) {
            case "--cluster-name" -> clusterName = value;
            case "--members" -> members = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            case "--bind" -> bind = value.trim();
            case "--port" -> port = positive(flag, value);
            case "--workers" -> workers = positive(flag, value);
            case "--failure-detection-seconds" -> detection = positive(flag, value);
            default -> drain = positive(flag, value);
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (clusterName == null || clusterName.isBlank()) {
      throw new IllegalArgumentException("--cluster-name is required: members and clients join a cluster by its name");
    }
    if (members.isEmpty()) {
      throw new IllegalArgumentException("--members needs at least one address");
    }
    if (bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("*")) {
      throw new IllegalArgumentException("--bind needs one interface's address, not a wildcard");
    }
    if (!allowPublic && !ClusterConfigs.isLoopback(bind)) {
      throw new IllegalArgumentException("--bind " + bind + " is not a loopback address: add --allow-public-bind"
          + " to accept members and clients from the network. Hazelcast Community Edition has no TLS and no"
          + " member authentication, so do this on a trusted network only");
    }
    return new Options(clusterName, members, bind, allowPublic, port, workers, detection, drain);
  }

  private static int positive(String flag, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a positive whole number, got '" + value + "'");
    }
  }

  private static void usage(PrintStream out) {
    out.println("usage: java -cp <application classpath> dev.procpool.hazelcast.NodeLauncher --cluster-name NAME"
        + " [--members HOST[:PORT],...] [--bind ADDRESS [--allow-public-bind]] [--port N] [--workers N]"
        + " [--failure-detection-seconds N] [--drain-seconds N]");
  }
}
