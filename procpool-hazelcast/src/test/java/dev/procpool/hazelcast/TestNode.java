package dev.procpool.hazelcast;

import java.io.IOException;

/**
 * Starts a node with {@link NodeLauncher}, as a user does, and halts it when the test JVM that started it
 * goes away however that JVM ends (its end closes this process's stdin), so that no node outlives a test
 * run, even one killed by a timeout.
 */
public final class TestNode {
  private TestNode() {}

  /**
   * Starts the node.
   *
   * @param args NodeLauncher's options
   */
  public static void main(String[] args) {
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // nothing is ever written: only the end of the stream matters
        }
      } catch (IOException e) {
        // the pipe broke: same as its end
      }
      Runtime.getRuntime().halt(3);
    }, "test-node-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    NodeLauncher.main(args);
  }
}
