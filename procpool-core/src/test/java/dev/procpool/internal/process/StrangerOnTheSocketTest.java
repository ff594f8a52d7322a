package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.Pool;
import dev.procpool.process.ProcessTests;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Another process of the same user connects to a worker's socket before the worker does (it can: the
 * private directory keeps out only other users). Whether it sends garbage or stays silent, the pool closes
 * its connection, keeps waiting for its worker, and works; nothing it sent is deserialized.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StrangerOnTheSocketTest {

  @AfterAll
  static void noProcessLeftBehind() {
    ProcessTests.assertNoProcessLeft();
  }

  /** Starts a one-worker pool and connects to its worker's socket as soon as the socket exists. */
  private static SocketChannel connectFirst(AtomicReference<ProcessBackend> backend) throws IOException {
    Path socket = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
        .until(() -> backend.get() == null ? null : backend.get().directory().socket(1),
            p -> p != null && Files.exists(p));
    // Bound a moment before it listens: a refusal means "not yet", as it does for the worker.
    SocketChannel stranger = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
        .ignoreException(java.net.ConnectException.class)
        .until(() -> SocketChannel.open(UnixDomainSocketAddress.of(socket)), ch -> ch != null);
    // The pool accepted it, as if it were its worker: it says HELLO first.
    ByteBuffer hello = ByteBuffer.allocate(5);
    while (hello.hasRemaining() && stranger.read(hello) >= 0) {
      // until the frame's header is in
    }
    assertThat(hello.get(4)).as("the pool greets whoever connects with HELLO").isEqualTo(Protocol.HELLO);
    return stranger;
  }

  private static Pool pool(AtomicReference<ProcessBackend> backend) {
    return Pool.builder().name("stranger").backend(settings -> {
      ProcessBackend b = new ProcessBackend(settings, ProcessOptions.DEFAULTS);
      backend.set(b);
      return b;
    }, 1).build();
  }

  /** Reads until the pool closes the stranger's connection; false if it stays open for {@code limit}. */
  private static boolean closedByThePool(SocketChannel stranger, Duration limit) throws Exception {
    stranger.configureBlocking(true);
    Thread reader = Thread.currentThread();
    var timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      timer.schedule(reader::interrupt, limit.toMillis(), TimeUnit.MILLISECONDS);
      ByteBuffer sink = ByteBuffer.allocate(1024);
      while (stranger.read(sink) >= 0) {
        sink.clear();
      }
      return true;
    } catch (java.nio.channels.ClosedByInterruptException e) {
      Thread.interrupted();
      return false;
    } finally {
      timer.shutdownNow();
      Thread.interrupted();
    }
  }

  @Test
  void aStrangerSendingGarbageIsCutOffAndThePoolWorks() throws Exception {
    AtomicReference<ProcessBackend> backend = new AtomicReference<>();
    try (Pool pool = pool(backend)) {
      try (SocketChannel stranger = connectFirst(backend)) {
        stranger.write(ByteBuffer.wrap(new byte[] {0x7f, 0x7f, 0x7f, 0x7f, 99, 1, 2, 3}));
        assertThat(closedByThePool(stranger, Duration.ofSeconds(10))).isTrue();
      }
      assertThat(pool.map(x -> x * 2, ProcessTests.range(10))).containsExactly(0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
      assertThat(pool.stats().workers()).hasSize(1);
    }
  }

  @Test
  void aSilentStrangerIsCutOffAfterTheHandshakeDeadlineAndThePoolWorks() throws Exception {
    AtomicReference<ProcessBackend> backend = new AtomicReference<>();
    try (Pool pool = pool(backend)) {
      try (SocketChannel stranger = connectFirst(backend)) {
        long start = System.nanoTime();
        assertThat(closedByThePool(stranger, Duration.ofSeconds(20))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      }
      assertThat(pool.apply(() -> 42)).isEqualTo(42);
    }
  }

  @Test
  void aStrangerWithAWrongProofIsCutOffAndThePoolWorks() throws Exception {
    AtomicReference<ProcessBackend> backend = new AtomicReference<>();
    try (Pool pool = pool(backend)) {
      try (SocketChannel stranger = connectFirst(backend)) {
        byte[] forged = Protocol.withBytes(Protocol.AUTH, new byte[32]);
        stranger.write(ByteBuffer.wrap(forged));
        assertThat(closedByThePool(stranger, Duration.ofSeconds(10))).isTrue();
      }
      assertThat(pool.apply(() -> 7)).isEqualTo(7);
    }
  }
}
