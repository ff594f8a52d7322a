package dev.procpool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.function.Supplier;

/**
 * The floor under workload 6's warm row, without procpool: what one task sent to a JVM that is already
 * running and connected costs, in the first rounds of a fresh pair of JVMs, with an idle pause before
 * each round as between two of {@link ColdStart}'s pools. Run from the bench's classes, not by
 * {@link Compare}:
 *
 * <pre>java -cp procpool-bench/target/classes dev.procpool.bench.WarmFloor [rounds] [mode] [pause ms]</pre>
 *
 * <p>Modes, from the least a pool could do to what a lease of procpool's must do:
 * <ul>
 *   <li>{@code pingpong}: the parent's main thread writes a byte on a Unix socket; the child's reading
 *       thread answers at once; the main thread reads the answer. No other thread.
 *   <li>{@code handoff}: the same with one hand-off between threads on each side, as any pool with a
 *       reading thread has: the child's reader passes the task to a task thread started ahead, and the
 *       parent's reader completes a future the main thread waits on.
 *   <li>{@code fresh}: {@code handoff}, and the task is a lambda of a class defined afresh for the round
 *       by a class loader of its own, as a leased worker's tasks are (its lambda class is spun anew).
 * </ul>
 * Prints the rounds' times in milliseconds on one line.
 */
public final class WarmFloor {
  /** The task's class, defined afresh in each round of {@code fresh}. */
  public static final class Payload {
    private Payload() {}

    /**
     * The task.
     *
     * @return a lambda of this class
     */
    public static Supplier<Integer> task() {
      return () -> 1;
    }
  }

  private WarmFloor() {}

  /**
   * Runs the parent, or the child when the first argument is {@code child}.
   *
   * @param args rounds (default 8), mode (default {@code handoff}), pause in ms (default 30)
   * @throws Exception if the child cannot be started or the socket fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(Path.of(args[1]), args[2]);
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    String mode = args.length > 1 ? args[1] : "handoff";
    long pause = args.length > 2 ? Long.parseLong(args[2]) : 30;
    if (!List.of("pingpong", "handoff", "fresh").contains(mode)) {
      throw new IllegalArgumentException("mode must be pingpong, handoff or fresh, got " + mode);
    }
    Path dir = Files.createTempDirectory("warm-floor");
    Path socket = dir.resolve("socket");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
          System.getProperty("java.class.path"), WarmFloor.class.getName(), "child", socket.toString(), mode)
          .inheritIO().start();
      try (SocketChannel channel = server.accept()) {
        readFully(channel, ByteBuffer.allocate(1)); // the child is ready
        System.out.println(String.join(" ", rounds(channel, rounds, mode, pause)));
        channel.write(ByteBuffer.wrap(new byte[] {0}));
      }
      child.waitFor();
    } finally {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    }
  }

  private static List<String> rounds(SocketChannel channel, int rounds, String mode, long pause) throws Exception {
    SynchronousQueue<CompletableFuture<Integer>> waiting = new SynchronousQueue<>();
    if (!mode.equals("pingpong")) {
      Thread reader = new Thread(() -> {
        try {
          for (;;) {
            CompletableFuture<Integer> f = waiting.take();
            f.complete(readFully(channel, ByteBuffer.allocate(4)).getInt(0));
          }
        } catch (IOException | InterruptedException e) {
          // the channel closed: the run is over
        }
      }, "reader");
      reader.setDaemon(true);
      reader.start();
    }
    List<String> times = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      Thread.sleep(pause);
      long t0 = System.nanoTime();
      if (mode.equals("pingpong")) {
        channel.write(ByteBuffer.wrap(new byte[] {1}));
        readFully(channel, ByteBuffer.allocate(4));
      } else {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        waiting.put(f);
        channel.write(ByteBuffer.wrap(new byte[] {1}));
        f.get();
      }
      times.add(String.format(Locale.ROOT, "%.3f", (System.nanoTime() - t0) / 1e6));
    }
    return times;
  }

  private static void child(Path socket, String mode) throws Exception {
    byte[] payload;
    try (InputStream in = WarmFloor.class.getResourceAsStream("WarmFloor$Payload.class")) {
      payload = in.readAllBytes();
    }
    SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    SynchronousQueue<Integer> tasks = new SynchronousQueue<>();
    Thread worker = new Thread(() -> {
      try {
        for (;;) {
          tasks.take();
          int result = mode.equals("fresh") ? freshTask(payload).get() : Payload.task().get();
          channel.write(ByteBuffer.allocate(4).putInt(0, result));
        }
      } catch (Exception e) {
        System.exit(1);
      }
    }, "tasks");
    worker.setDaemon(true);
    worker.start();
    channel.write(ByteBuffer.wrap(new byte[] {1}));
    ByteBuffer in = ByteBuffer.allocate(1);
    for (;;) {
      in.clear();
      if (channel.read(in) < 0 || in.get(0) == 0) {
        System.exit(0);
      }
      if (mode.equals("pingpong")) {
        channel.write(ByteBuffer.allocate(4).putInt(0, 1));
      } else {
        tasks.put(1);
      }
    }
  }

  /** The task of a class defined by a class loader of its own, as a leased worker's are. */
  @SuppressWarnings("unchecked")
  private static Supplier<Integer> freshTask(byte[] bytes) throws ReflectiveOperationException {
    String name = Payload.class.getName();
    ClassLoader fresh = new ClassLoader(WarmFloor.class.getClassLoader()) {
      @Override
      protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(n)) {
          if (!n.equals(name)) {
            return super.loadClass(n, resolve);
          }
          Class<?> c = findLoadedClass(n);
          return c != null ? c : defineClass(n, bytes, 0, bytes.length);
        }
      }
    };
    return (Supplier<Integer>) Class.forName(name, true, fresh).getMethod("task").invoke(null);
  }

  private static ByteBuffer readFully(SocketChannel channel, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        throw new IOException("the other JVM closed the connection");
      }
    }
    return b;
  }
}
