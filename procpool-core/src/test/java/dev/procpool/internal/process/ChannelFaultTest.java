package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.TaskFailedException;
import dev.procpool.WorkerDiedException;
import dev.procpool.contract.Probe;
import dev.procpool.process.ProcessTests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage and truncated frames, injected on a live connection in either direction: only that
 * worker's connection dies, its items fail or are re-run with an error that says "protocol error",
 * and the pool recovers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChannelFaultTest {
  private static final AtomicReference<ProcessBackend> BACKEND = new AtomicReference<>();
  private static Pool pool;

  @TempDir Path tmp;

  @BeforeAll
  static void startPool() {
    pool = Pool.builder().name("faults").backend(settings -> {
      ProcessBackend b = new ProcessBackend(settings, ProcessOptions.DEFAULTS);
      BACKEND.set(b);
      return b;
    }, 2).build();
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    ProcessTests.stop(pool);
  }

  @Test
  void aWorkerSendingGarbageIsKilledAndOnlyItsItemFails() {
    // A header claiming a 2 GiB frame of an unknown type.
    byte[] garbage = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x42, 1, 2, 3};
    List<Object> out = outcomes(x -> {
      if (x == 2) {
        inject(garbage);
      }
      return x * 10;
    });
    assertOnlyItemDied(out, 2, "protocol error: a frame of type unknown type 66 claims 2147483647 bytes");
    assertThat(pool.map(x -> x + 1, ProcessTests.range(4))).containsExactly(1, 2, 3, 4);
  }

  @Test
  void aFrameCutShortByItsWorkersDeathIsAProtocolError() {
    // A RESULTS header promising 100 bytes, 10 of them, then the worker is gone.
    byte[] partial = ByteBuffer.allocate(15).putInt(100).put(Protocol.RESULTS).put(new byte[10]).array();
    List<Object> out = outcomes(x -> {
      if (x == 1) {
        inject(partial);
        Runtime.getRuntime().halt(0);
      }
      return x * 10;
    });
    assertOnlyItemDied(out, 1, "protocol error: the stream ended inside a frame of type RESULTS after 10 of its 100 bytes");
    assertThat(pool.map(x -> x + 1, ProcessTests.range(4))).containsExactly(1, 2, 3, 4);
  }

  @Test
  void aWorkerReceivingGarbageSaysSoAndIsReplaced() throws Exception {
    String dir = tmp.toString();
    CompletableFuture<Object> busy = CompletableFuture.supplyAsync(() -> {
      try {
        return pool.apply(() -> {
          Probe.mark(dir, "pid-" + ProcessHandle.current().pid());
          return Probe.await(dir, "never", Duration.ofSeconds(30));
        });
      } catch (TaskFailedException e) {
        return e;
      }
    });
    await().atMost(Duration.ofSeconds(20)).until(() -> Probe.count(dir, "pid-") == 1);
    long pid = Long.parseLong(java.nio.file.Files.list(tmp).findFirst().orElseThrow()
        .getFileName().toString().substring(4));
    assertThat(BACKEND.get().injectForTest(pid, new byte[] {0, 0, 0, 0, 99})).isTrue();
    Object outcome = busy.get(20, TimeUnit.SECONDS);
    assertThat(outcome).isInstanceOf(WorkerDiedException.class);
    assertThat((Throwable) outcome).hasMessageContaining("protocol error in the worker: unexpected frame unknown type 99")
        .hasMessageContaining("exited with code 71 after a protocol error");
    assertThat(pool.map(x -> x + 1, ProcessTests.range(4))).containsExactly(1, 2, 3, 4);
  }

  private static void inject(byte[] raw) {
    try {
      WorkerMain.injectForTest(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Object> outcomes(Fn<Integer, Integer> f) {
    return dev.procpool.contract.Outcomes.outcomes(pool, f, ProcessTests.range(5), 5);
  }

  private static void assertOnlyItemDied(List<Object> out, int victim, String message) {
    assertThat(out).hasSize(5);
    for (int i = 0; i < out.size(); i++) {
      if (i == victim) {
        assertThat(out.get(i)).isInstanceOf(WorkerDiedException.class);
        assertThat((Throwable) out.get(i)).hasMessageContaining(message);
      } else {
        assertThat(out.get(i)).as("item %d", i).isEqualTo(i * 10);
      }
    }
  }
}
