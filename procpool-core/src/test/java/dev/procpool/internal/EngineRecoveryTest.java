package dev.procpool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Pool;
import dev.procpool.WorkerDiedException;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerLink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine's policy for chunks whose worker died, checked with a backend whose "worker" dies
 * whenever it meets a poisoned item: a real process backend does the same with real crashes.
 */
@Timeout(30)
class EngineRecoveryTest {
  private static final int POISON = 13;

  /** What the fake worker says when it meets the poisoned item. */
  enum Crash {
    /** It had said it began the chunk, then dies. */
    STARTED,
    /** It dies without having said it began the chunk (it may have been decoding it). */
    UNANNOUNCED,
    /** It gives the chunk back unstarted, and lives on. */
    HANDS_BACK
  }

  /** A one-thread backend whose worker dies (and is replaced) whenever it meets the poisoned item. */
  static final class CrashingBackend implements Backend {
    final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
    final List<Integer> chunkSizesAtPoison = new ArrayList<>();
    private final Crash crash;
    private Thread thread;

    CrashingBackend() {
      this(Crash.STARTED);
    }

    CrashingBackend(Crash crash) {
      this.crash = crash;
    }

    @Override
    public int workers() {
      return 1;
    }

    @Override
    public void start(WorkSource source) {
      thread = new Thread(() -> {
        WorkerLink link = source.enrol(reason -> { });
        link.ready("");
        try {
          for (Chunk c; (c = link.take()) != null; ) {
            if (!run(c, link)) {
              if (!link.gone(Exit.of(Exit.Kind.DIED, "killed by signal 9 (SIGKILL)")).replace()) {
                return;
              }
              link = source.enrol(reason -> { });
              link.ready("");
            }
          }
          link.gone(Exit.of(Exit.Kind.EXITED, ""));
        } catch (InterruptedException e) {
          link.gone(Exit.of(Exit.Kind.TERMINATED, ""));
        }
      }, "crashing-backend");
      thread.setDaemon(true);
      thread.start();
    }

    /** Runs the chunk; false if its worker died on it. */
    private boolean run(Chunk c, WorkerLink link) {
      if (crash == Crash.STARTED) {
        link.started(c);
      }
      List<Object> done = new ArrayList<>();
      for (int i = 0; i < c.size(); i++) {
        Object item = c.items().get(i);
        runs.computeIfAbsent(c.firstIndex() + i, k -> new AtomicInteger()).incrementAndGet();
        if (Integer.valueOf(POISON).equals(item)) {
          synchronized (chunkSizesAtPoison) {
            chunkSizesAtPoison.add(c.size());
          }
          if (crash == Crash.HANDS_BACK) {
            link.handBack(c, "refused after killed by signal 9 (SIGKILL)");
            return true;
          }
          // Results computed before the crash were never sent: only a fraction reaches the engine.
          if (done.size() > 2) {
            link.completed(c, 0, done.subList(0, 2));
          }
          return false;
        }
        try {
          done.add(c.job().function().apply(item));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
      link.completed(c, 0, done);
      link.finished(c);
      return true;
    }

    @Override
    public void shutdown() {}

    @Override
    public void terminate() {
      thread.interrupt();
    }

    @Override
    public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
      thread.join(Math.max(1, timeoutNanos / 1_000_000));
      return !thread.isAlive();
    }
  }

  @Test
  void onlyTheItemThatKillsItsWorkerFailsAndTheRestIsRerunOneAtATime() {
    CrashingBackend backend = new CrashingBackend();
    List<Integer> items = IntStream.range(0, 40).boxed().collect(Collectors.toList());
    try (Pool pool = Pool.builder().backend(settings -> backend, 1).build()) {
      List<Object> outcomes = new ArrayList<>();
      try (var it = pool.imap(x -> x * 10, items, 10)) {
        while (it.hasNext()) {
          try {
            outcomes.add(it.next());
          } catch (WorkerDiedException e) {
            assertThat(e.itemIndex()).isEqualTo(POISON);
            assertThat(e).hasMessageContaining("item 13").hasMessageContaining("SIGKILL");
            outcomes.add("died");
          }
        }
      }
      List<Object> expected = items.stream().map(x -> x == POISON ? "died" : (Object) (x * 10))
          .collect(Collectors.toList());
      assertThat(outcomes).isEqualTo(expected);
      // The poisoned chunk (10..19) died once whole; its open items were then run alone.
      assertThat(backend.chunkSizesAtPoison).containsExactly(10, 1);
      assertThat(backend.runs.get((long) POISON)).hasValue(2);
      assertThat(backend.runs.get(19L)).hasValue(1); // items after the crash never ran before it
      assertThat(backend.runs.get(0L)).hasValue(1);
    }
  }

  @Test
  void aChunkItsWorkerDiedHoldingUnannouncedIsRerunWholeOnceThenItemByItem() {
    CrashingBackend backend = new CrashingBackend(Crash.UNANNOUNCED);
    List<Integer> items = IntStream.range(0, 20).boxed().collect(Collectors.toList());
    try (Pool pool = Pool.builder().backend(settings -> backend, 1).build()) {
      assertThatThrownBy(() -> pool.map(x -> x, items, 10))
          .isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("item 13");
      // Whole, again with its 8 open items (it may not have started the first time), then one by one.
      assertThat(backend.chunkSizesAtPoison).containsExactly(10, 8, 1);
      assertThat(pool.map(x -> x + 1, List.of(1, 2))).containsExactly(2, 3);
    }
  }

  @Test
  void aChunkHandedBackUnstartedOverAndOverFailsInsteadOfCirculatingForever() {
    CrashingBackend backend = new CrashingBackend(Crash.HANDS_BACK);
    try (Pool pool = Pool.builder().backend(settings -> backend, 1).build()) {
      assertThatThrownBy(() -> pool.map(x -> x, List.of(1, POISON, 2), 3))
          .hasMessageContaining("handed back unstarted " + FailurePolicy.MAX_HAND_BACKS + " times in a row")
          .hasMessageContaining("SIGKILL");
      assertThat(backend.chunkSizesAtPoison).hasSize(FailurePolicy.MAX_HAND_BACKS).containsOnly(3);
      assertThat(pool.map(x -> x + 1, List.of(1, 2))).containsExactly(2, 3);
    }
  }

  @Test
  void retriesRunTheKillerItemAgainBeforeFailingIt() {
    CrashingBackend backend = new CrashingBackend();
    try (Pool pool = Pool.builder().backend(settings -> backend, 1).retries(2).build()) {
      assertThatThrownBy(() -> pool.map(x -> x, List.of(1, POISON, 2), 3))
          .isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("on each of 3 tries");
      // once in its chunk, then alone: first try + 2 retries
      assertThat(backend.runs.get(1L)).hasValue(4);
      assertThat(pool.map(x -> x + 1, List.of(1, 2))).containsExactly(2, 3);
    }
  }
}
