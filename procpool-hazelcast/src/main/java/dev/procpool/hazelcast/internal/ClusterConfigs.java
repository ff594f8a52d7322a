package dev.procpool.hazelcast.internal;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cluster.Member;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

/**
 * The Hazelcast configurations procpool starts members and clients with: closed by default (one named
 * cluster, TCP-IP join on an explicit member list, no multicast or cloud discovery, no phone-home) and
 * with a short, explicit failure detection instead of Hazelcast's 60 seconds.
 */
public final class ClusterConfigs {
  private ClusterConfigs() {}

  /**
   * A member's configuration.
   *
   * @param clusterName the cluster to form or join
   * @param bindAddress the only interface the member binds and announces
   * @param port the first port to try (the next 99 are tried too)
   * @param members the addresses of other members, {@code host} or {@code host:port}; none for a member
   *     that forms a cluster of its own at once (an embedded pool's), without probing the ports of other
   *     Hazelcast members on the machine
   * @param workers worker threads per pool, announced to callers as a member attribute
   * @param detection how long a silent member may stay silent before it is declared dead
   * @return the configuration
   */
  public static Config member(String clusterName, String bindAddress, int port, List<String> members, int workers,
      Duration detection) {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(seconds(detection)));
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.local.localAddress", bindAddress);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(true).setPortCount(100);
    network.getInterfaces().setEnabled(true).addInterface(bindAddress);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    config.getMemberAttributeConfig().setAttribute(NodeRuntime.WORKERS_ATTRIBUTE, String.valueOf(workers));
    // Chunk tasks only wait on the executor's threads for the pool's own member threads.
    config.addExecutorConfig(new ExecutorConfig(NodeRuntime.CHUNK_EXECUTOR).setPoolSize(Math.max(16, 4 * workers)));
    config.addExecutorConfig(new ExecutorConfig(NodeRuntime.CONTROL_EXECUTOR).setPoolSize(2));
    config.getJetConfig().setEnabled(false);
    return config;
  }

  /**
   * A client's configuration.
   *
   * @param clusterName the cluster to connect to
   * @param members addresses of members, {@code host} or {@code host:port}
   * @param detection how long a silent member may stay silent before the client gives it up
   * @param connectTimeout how long to try to reach the cluster before giving up
   * @return the configuration
   */
  public static ClientConfig client(String clusterName, List<String> members, Duration detection,
      Duration connectTimeout) {
    ClientConfig config = new ClientConfig();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.client.heartbeat.interval", "1000");
    config.setProperty("hazelcast.client.heartbeat.timeout", String.valueOf(detection.toMillis()));
    config.getNetworkConfig().setAddresses(members);
    config.getConnectionStrategyConfig().getConnectionRetryConfig()
        .setClusterConnectTimeoutMillis(connectTimeout.toMillis());
    return config;
  }

  /**
   * Returns a loopback port that is free now: the first port an embedded member tries, so that it does
   * not start on a port another Hazelcast member of the machine holds (which Hazelcast warns about).
   *
   * @return a port number, or 5701 if none could be found
   */
  public static int freeLoopbackPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      return 5701;
    }
  }

  /**
   * Tells whether an address is a loopback address, the only kind procpool binds without being told.
   *
   * @param address a host name or IP address
   * @return true for 127.0.0.0/8 and ::1
   * @throws IllegalArgumentException if the address cannot be resolved
   */
  public static boolean isLoopback(String address) {
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve bind address " + address, e);
    }
  }

  /**
   * Sums the worker threads of the cluster's data members: the default number of chunks in flight.
   *
   * @param instance a member or client
   * @return at least 1
   */
  public static int capacity(HazelcastInstance instance) {
    int sum = 0;
    for (Member member : instance.getCluster().getMembers()) {
      if (!member.isLiteMember()) {
        sum += ClusterBackend.capacityOf(member);
      }
    }
    return Math.max(1, sum);
  }

  private static long seconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
