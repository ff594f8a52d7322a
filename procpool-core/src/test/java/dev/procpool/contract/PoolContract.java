package dev.procpool.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Args;
import dev.procpool.Args2;
import dev.procpool.Args3;
import dev.procpool.AsyncResult;
import dev.procpool.CallProgress;
import dev.procpool.Fn;
import dev.procpool.Fn2;
import dev.procpool.Fn3;
import dev.procpool.InputFailedException;
import dev.procpool.Pool;
import dev.procpool.PoolBuilder;
import dev.procpool.PoolListener;
import dev.procpool.PoolStats;
import dev.procpool.PoolTerminatedException;
import dev.procpool.ResultIterator;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerLocal;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pool contract, written once and run by every backend: a backend's test class extends this and
 * says how to choose the backend on a builder. Every task here is serializable and talks to the test
 * only through its result or {@link Probe} files, so the same tests hold for threads, worker
 * processes and cluster members.
 *
 * <p>An initializer must run on the thread (of the worker's JVM) that then runs the worker's tasks;
 * {@link #initializerRunsOncePerWorkerBeforeItsFirstTask} relies on it.
 */
// A separate thread, so that a hung close() (which rides out interrupts) fails the test instead of the build.
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class PoolContract {
  private static final Duration GATE_LIMIT = Duration.ofSeconds(20);

  /** Chooses this backend with {@code workers} workers on the builder. */
  protected abstract PoolBuilder backend(PoolBuilder builder, int workers);

  private final List<Pool> opened = new CopyOnWriteArrayList<>();

  @TempDir Path tmp;

  protected PoolBuilder builder(int workers) {
    return backend(Pool.builder(), workers);
  }

  protected Pool pool(int workers) {
    return track(builder(workers).build());
  }

  protected Pool track(Pool pool) {
    opened.add(pool);
    return pool;
  }

  @AfterEach
  void terminatePools() throws InterruptedException {
    for (Pool p : opened) {
      p.terminate();
    }
    for (Pool p : opened) {
      assertThat(p.awaitTermination(20, TimeUnit.SECONDS)).as("pool terminated").isTrue();
    }
  }

  private String dir() {
    return tmp.toString();
  }

  // ---------------------------------------------------------------- map

  @Test
  void mapReturnsResultsInInputOrder() {
    Pool pool = pool(2);
    assertThat(pool.workers()).isEqualTo(2);
    List<Integer> squares = pool.map(x -> x * x, List.of(1, 2, 3));
    assertThat(squares).containsExactly(1, 4, 9);
  }

  @Test
  void mapKeepsOrderWhenTaskDurationsVary() {
    Pool pool = pool(2);
    List<Integer> items = IntStream.range(0, 200).boxed().collect(Collectors.toList());
    Fn<Integer, Integer> uneven = x -> {
      Probe.spin((x * 37L) % 500);
      return x + 1;
    };
    assertThat(pool.map(uneven, items, 1)).isEqualTo(items.stream().map(x -> x + 1).collect(Collectors.toList()));
    assertThat(pool.map(uneven, items, 7)).isEqualTo(items.stream().map(x -> x + 1).collect(Collectors.toList()));
  }

  @Test
  void mapReturnsANewMutableSerializableList() throws Exception {
    Pool pool = pool(2);
    List<Integer> input = new ArrayList<>(List.of(3, 1, 2));
    List<Integer> out = pool.map(x -> x * 10, input, 2);
    input.set(0, 99); // the call copied its input; the results do not follow it
    out.add(0, 5);
    out.add(40);
    out.remove(Integer.valueOf(10));
    out.set(1, 31);
    java.util.Collections.sort(out);
    assertThat(out).containsExactly(5, 20, 31, 40).isInstanceOf(java.util.RandomAccess.class);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bytes)) {
      o.writeObject(out);
    }
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat((List<?>) in.readObject()).isEqualTo(out);
    }
    assertThat(pool.map(x -> x, List.of(1, 2))).isNotSameAs(pool.map(x -> x, List.of(1, 2)));
  }

  @Test
  void mapOfEmptyInputReturnsAnEmptyListAtOnce() {
    Pool pool = pool(2);
    assertThat(pool.map(x -> x, List.of())).isEmpty();
    assertThat(pool.map(x -> x, List.of(), 3)).isEmpty();
  }

  @Test
  void mapAcceptsAnyIterableAndNullItemsAndResults() {
    Pool pool = pool(2);
    Iterable<String> notACollection = () -> List.of("a", "bb", "ccc").iterator();
    assertThat(pool.map(String::length, notACollection)).containsExactly(1, 2, 3);
    List<String> withNull = new ArrayList<>(List.of("x"));
    withNull.add(null);
    assertThat(pool.map(s -> s == null ? null : s + "!", withNull)).containsExactly("x!", null);
  }

  @Test
  void mapUsesPythonsDefaultChunksize() {
    Pool pool = pool(2);
    // ceil(100 / (4 * 2)) = 13 items per chunk: items in one chunk run on one worker, in order.
    List<String> where = pool.map(x -> Probe.worker(), IntStream.range(0, 100).boxed().collect(Collectors.toList()));
    for (int chunkStart = 0; chunkStart < 100; chunkStart += 13) {
      int end = Math.min(100, chunkStart + 13);
      assertThat(new HashSet<>(where.subList(chunkStart, end))).as("chunk at %d", chunkStart).hasSize(1);
    }
  }

  @Property(tries = 60)
  void mapEqualsSequentialMap(
      @ForAll @Size(max = 300) List<@IntRange(min = -10_000, max = 10_000) Integer> items,
      @ForAll @IntRange(min = 1, max = 40) int chunksize) {
    Fn<Integer, Long> f = x -> (long) x * x - 3L * x;
    List<Long> expected = items.stream().map(x -> (long) x * x - 3L * x).collect(Collectors.toList());
    assertThat(propertyPool.map(f, items, chunksize)).isEqualTo(expected);
    assertThat(propertyPool.map(f, items)).isEqualTo(expected);
    List<Long> unordered = new ArrayList<>();
    try (ResultIterator<Long> it = propertyPool.imapUnordered(f, items, chunksize)) {
      it.forEachRemaining(unordered::add);
    }
    assertThat(unordered).containsExactlyInAnyOrderElementsOf(expected);
    List<Long> ordered = new ArrayList<>();
    try (ResultIterator<Long> it = propertyPool.imap(f, items.iterator(), chunksize)) {
      it.forEachRemaining(ordered::add);
    }
    assertThat(ordered).isEqualTo(expected);
  }

  private Pool propertyPool;

  @BeforeProperty
  void openPropertyPool() {
    propertyPool = builder(2).build();
  }

  @AfterProperty
  void closePropertyPool() {
    propertyPool.close();
  }

  // ---------------------------------------------------------------- failures

  @Test
  void aFailingTaskFailsTheMapWithItsIndexAndCause() {
    Pool pool = pool(2);
    Fn<Integer, Integer> f = x -> {
      if (x == 5) {
        throw new IllegalStateException("five is bad");
      }
      return x;
    };
    assertThatThrownBy(() -> pool.map(f, IntStream.range(0, 10).boxed().collect(Collectors.toList()), 1))
        .isExactlyInstanceOf(TaskFailedException.class)
        .hasMessageContaining("item 5")
        .satisfies(e -> assertThat(((TaskFailedException) e).itemIndex()).isEqualTo(5))
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("five is bad");
    assertThat(pool.map(x -> x + 1, List.of(1))).containsExactly(2); // the pool goes on
  }

  @Test
  void checkedExceptionsTravelAsTheCause() {
    Pool pool = pool(1);
    Fn<Integer, Integer> f = x -> {
      throw new IOException("disk on fire");
    };
    assertThatThrownBy(() -> pool.map(f, List.of(1)))
        .isInstanceOf(TaskFailedException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessage("disk on fire");
  }

  @Test
  void mapFailsFastAndCancelsWorkNotStarted() {
    Pool pool = pool(2);
    String dir = dir();
    Fn<Integer, Integer> f = x -> {
      Probe.mark(dir, "started-" + x);
      if (x == 0) {
        throw new IllegalArgumentException("boom");
      }
      Probe.await(dir, "open", GATE_LIMIT);
      return x;
    };
    List<Integer> items = IntStream.range(0, 200).boxed().collect(Collectors.toList());
    // The gate is still closed: map must report the failure without waiting for running items.
    assertThatThrownBy(() -> pool.map(f, items, 1))
        .isInstanceOf(TaskFailedException.class)
        .hasMessageContaining("item 0");
    Probe.mark(dir, "open");
    pool.shutdown();
    await().atMost(Duration.ofSeconds(30)).until(pool::isTerminated);
    // Only what a worker had already taken ran; the rest of the 200 items was cancelled.
    assertThat(Probe.count(dir, "started-")).isLessThan(20);
  }

  @Test
  void asyncFailuresCarryTheTasksOwnException() {
    Pool pool = pool(2);
    Fn<Integer, Integer> f = x -> {
      throw new UnsupportedOperationException("no " + x);
    };
    AsyncResult<List<Integer>> r = pool.mapAsync(f, List.of(7));
    assertThatThrownBy(r::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("no 7");
    assertThat(r.ready()).isTrue();
    assertThat(r.successful()).isFalse();
    assertThatThrownBy(() -> pool.apply(() -> {
          throw new ArithmeticException("apply failed");
        }))
        .isInstanceOf(TaskFailedException.class)
        .satisfies(e -> assertThat(((TaskFailedException) e).itemIndex()).isZero())
        .cause()
        .isInstanceOf(ArithmeticException.class);
  }

  // ---------------------------------------------------------------- starmap and partial

  @Test
  void starmapSpreadsTuplesOverParameters() throws Exception {
    Pool pool = pool(2);
    Fn2<Integer, Integer, Integer> g = (a, b) -> a + b;
    List<Args2<Integer, Integer>> pairs = List.of(Args.of(1, 2), Args.of(3, 4));
    assertThat(pool.starmap(g, pairs)).containsExactly(3, 7);
    assertThat(pool.starmap(g, pairs, 1)).containsExactly(3, 7);
    assertThat(pool.starmapAsync(g, pairs).get()).containsExactly(3, 7);
    Fn3<Integer, Integer, Integer, Integer> h = (a, b, c) -> a * b + c;
    List<Args3<Integer, Integer, Integer>> triples = List.of(Args.of(1, 2, 3), Args.of(4, 5, 6));
    assertThat(pool.starmap(h, triples)).containsExactly(5, 26);
    assertThat(pool.starmap(h, triples, 1)).containsExactly(5, 26);
    assertThat(pool.starmapAsync(h, triples).get()).containsExactly(5, 26);
    List<Object> seen = new CopyOnWriteArrayList<>();
    assertThat(pool.starmapAsync(g, pairs, 1, seen::add, seen::add).get()).containsExactly(3, 7);
    assertThat(seen).containsExactly(List.of(3, 7));
  }

  @Test
  void partialBindsEitherParameterAndTheItemFillsTheOther() {
    Pool pool = pool(2);
    Fn2<Integer, Integer, Integer> g = (a, b) -> a + b;
    Fn2<Integer, Integer, Integer> sub = (a, b) -> a - b;
    List<Integer> range = List.of(0, 1, 2);
    assertThat(pool.map(g.bindFirst(2), range)).containsExactly(2, 3, 4); // partial(g, 2)
    assertThat(pool.map(g.bindSecond(3), range)).containsExactly(3, 4, 5); // partial(g, b=3)
    // partial(sub, a=2) fails in Python; here binding a leaves b for the item.
    assertThat(pool.map(sub.bindFirst(2), range)).containsExactly(2, 1, 0);
    assertThat(pool.map(sub.bindSecond(2), range)).containsExactly(-2, -1, 0);
    Fn3<Integer, Integer, Integer, Integer> h = (a, b, c) -> a * 100 + b * 10 + c;
    assertThat(pool.starmap(h.bindThird(9), List.of(Args.of(1, 2)))).containsExactly(129);
    assertThat(pool.map(h.bindFirst(1).bindFirst(2), List.of(3))).containsExactly(123);
  }

  // ---------------------------------------------------------------- imap

  @Test
  void imapIsLazyAndBoundedOnAnInfiniteInput() {
    int readAhead = 3;
    int chunksize = 2;
    Pool pool = track(builder(2).readAhead(readAhead).build());
    AtomicLong pulled = new AtomicLong();
    Iterator<Integer> infinite = Stream.iterate(0, i -> i + 1).peek(i -> pulled.incrementAndGet()).iterator();
    int bound = readAhead * chunksize;
    try (ResultIterator<Integer> it = pool.imap(x -> x * 2, infinite, chunksize)) {
      for (int i = 0; i < 50; i++) {
        assertThat(it.next()).isEqualTo(2 * i);
        // Never more than the bound taken from the input and not yet handed over, at any moment.
        assertThat(pulled.get()).isLessThanOrEqualTo(i + 1 + bound);
      }
      // With the consumer paused, the pool reads up to the bound and then stops.
      await().atMost(Duration.ofSeconds(10)).until(() -> pulled.get() >= 50 + bound - chunksize);
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
          .until(() -> pulled.get() <= 50 + bound);
      assertThat(it.next()).isEqualTo(100);
    }
  }

  @Test
  void anImapIteratorDroppedUnreadIsCancelledSoCloseDoesNotWaitForIt() throws Exception {
    Pool pool = pool(2);
    try (CapturedLog log = new CapturedLog()) {
      openReadOneAndDrop(pool);
      java.util.concurrent.CompletableFuture<Void> closed = java.util.concurrent.CompletableFuture.runAsync(pool::close);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        System.gc(); // the iterator is unreachable; a collection lets the pool see it
        return closed.isDone();
      });
      closed.get();
      assertThat(pool.isTerminated()).isTrue();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m)
          .contains("an imap iterator was dropped before it was read to the end or closed"));
    }
  }

  private static void openReadOneAndDrop(Pool pool) {
    ResultIterator<Integer> it = pool.imap(x -> x, java.util.stream.Stream.iterate(0, i -> i + 1));
    assertThat(it.next()).isZero();
  }

  @Test
  void anImapIteratorReadToItsLastItemByNextAloneIsNotTakenForDroppedUnread() {
    Pool pool = pool(2);
    try (CapturedLog log = new CapturedLog()) {
      java.lang.ref.WeakReference<ResultIterator<Integer>> dropped = readEveryItemByNext(pool);
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        System.gc();
        return dropped.get() == null;
      });
      // Collected: its cleaner has run or is about to, and must find the iteration over.
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> log.warnings().isEmpty());
    }
  }

  private static java.lang.ref.WeakReference<ResultIterator<Integer>> readEveryItemByNext(Pool pool) {
    ResultIterator<Integer> it = pool.imap(x -> x + 1, List.of(1, 2, 3));
    assertThat(List.of(it.next(), it.next(), it.next())).containsExactly(2, 3, 4);
    return new java.lang.ref.WeakReference<>(it);
  }

  @Test
  void aStreamOfImapResultsKeepsItsCallOpenWithoutTheIterator() {
    Pool pool = pool(2);
    java.util.stream.Stream<Integer> results =
        pool.imap(x -> x * 2, IntStream.range(0, 500).boxed().collect(Collectors.toList()), 1).stream();
    System.gc();
    assertThat(results.collect(Collectors.toList()))
        .isEqualTo(IntStream.range(0, 500).map(x -> x * 2).boxed().collect(Collectors.toList()));
  }

  @Test
  void imapUnorderedDeliversInCompletionOrder() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    Fn<Integer, Integer> f = heldAtZero(dir);
    try (ResultIterator<Integer> it = pool.imapUnordered(f, List.of(0, 1, 2, 3))) {
      List<Integer> firstThree = List.of(it.next(Duration.ofSeconds(10)), it.next(Duration.ofSeconds(10)),
          it.next(Duration.ofSeconds(10)));
      assertThat(firstThree).containsExactlyInAnyOrder(1, 2, 3);
      Probe.mark(dir, "release-0");
      assertThat(it.next(Duration.ofSeconds(10))).isZero();
      assertThat(it.hasNext()).isFalse();
    }
  }

  /** One slow item while many after it finish: the call keeps track of it and of them, whatever the count. */
  @Test
  void imapUnorderedGoesOnPastOneSlowItemForAThousandOthers() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    Fn<Integer, Integer> f = heldAtZero(dir);
    int n = 1_000;
    try (ResultIterator<Integer> it = pool.imapUnordered(f, IntStream.range(0, n).boxed().iterator(), 1)) {
      Set<Integer> others = new HashSet<>();
      for (int i = 1; i < n; i++) {
        others.add(it.next(Duration.ofSeconds(10)));
      }
      assertThat(others).hasSize(n - 1).doesNotContain(0);
      Probe.mark(dir, "release-0");
      assertThat(it.next(Duration.ofSeconds(10))).isZero();
      assertThat(it.hasNext()).isFalse();
    }
  }

  /** The identity, except that item 0 waits for {@code release-0} in {@code dir}. */
  private static Fn<Integer, Integer> heldAtZero(String dir) {
    return x -> {
      if (x == 0) {
        Probe.await(dir, "release-0", GATE_LIMIT);
      }
      return x;
    };
  }

  @Test
  void imapWaitsForTheNextInOrderAndNextWithTimeoutDoesNotGiveUpTheResult() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    Fn<Integer, Integer> f = x -> {
      Probe.mark(dir, "done-" + x);
      if (x == 0) {
        Probe.await(dir, "release-0", GATE_LIMIT);
      }
      return x * 10;
    };
    try (ResultIterator<Integer> it = pool.imap(f, List.of(0, 1, 2, 3))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> Probe.count(dir, "done-") == 4);
      assertThatThrownBy(() -> it.next(Duration.ofMillis(100))).isInstanceOf(TimeoutException.class);
      Probe.mark(dir, "release-0");
      List<Integer> all = new ArrayList<>();
      it.forEachRemaining(all::add);
      assertThat(all).containsExactly(0, 10, 20, 30);
      assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    }
  }

  /**
   * An input that gives its next item only once it has seen a result (a crawler's queue, a pipeline fed
   * by its own output): each item read must go to a worker at once, never held back until the input
   * gives the next one.
   */
  @Test
  void imapSendsEachItemAsItIsReadThoughTheInputThenWaitsForItsResult() throws Exception {
    Pool pool = pool(2);
    for (boolean ordered : new boolean[] {true, false}) {
      java.util.concurrent.CountDownLatch firstResult = new java.util.concurrent.CountDownLatch(1);
      Iterator<Integer> input = new Iterator<>() {
        private int given;

        @Override
        public boolean hasNext() {
          if (given == 1) {
            try {
              firstResult.await(GATE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
          }
          return given < 2;
        }

        @Override
        public Integer next() {
          return ++given;
        }
      };
      try (ResultIterator<Integer> it =
          ordered ? pool.imap(x -> x * 10, input) : pool.imapUnordered(x -> x * 10, input, 1)) {
        assertThat(it.next(Duration.ofSeconds(10))).isEqualTo(10);
        firstResult.countDown();
        assertThat(it.next(Duration.ofSeconds(10))).isEqualTo(20);
        assertThat(it.hasNext()).isFalse();
      }
    }
  }

  @Test
  void imapFailedItemThrowsAtItsPositionAndIterationGoesOn() {
    Pool pool = pool(2);
    Fn<Integer, Integer> f = x -> {
      if (x == 2) {
        throw new IllegalStateException("two");
      }
      return x;
    };
    for (boolean ordered : List.of(true, false)) {
      try (ResultIterator<Integer> it = ordered ? pool.imap(f, List.of(0, 1, 2, 3, 4)) : pool.imapUnordered(f, List.of(0, 1, 2, 3, 4))) {
        List<Integer> got = new ArrayList<>();
        int failures = 0;
        while (it.hasNext()) {
          try {
            got.add(it.next());
          } catch (TaskFailedException e) {
            assertThat(e.itemIndex()).isEqualTo(2);
            assertThat(e).cause().hasMessage("two");
            if (ordered) {
              assertThat(got).containsExactly(0, 1);
            }
            failures++;
          }
        }
        assertThat(failures).isEqualTo(1);
        assertThat(got).containsExactlyInAnyOrder(0, 1, 3, 4);
      }
    }
  }

  @Test
  void anInputThatThrowsSurfacesAtItsPosition() {
    Pool pool = pool(2);
    Iterator<Integer> broken = new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        if (i == 3) {
          throw new IllegalStateException("input broke");
        }
        return i++;
      }
    };
    try (ResultIterator<Integer> it = pool.imap(x -> x, broken)) {
      assertThat(List.of(it.next(), it.next(), it.next())).containsExactly(0, 1, 2);
      assertThatThrownBy(it::next)
          .isInstanceOf(InputFailedException.class)
          .satisfies(e -> assertThat(((InputFailedException) e).itemIndex()).isEqualTo(3))
          .cause()
          .hasMessage("input broke");
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void closingAnImapCancelsOutstandingWorkAndClosesTheStream() {
    Pool pool = pool(2);
    AtomicBoolean streamClosed = new AtomicBoolean();
    Stream<Integer> infinite = Stream.iterate(0, i -> i + 1).onClose(() -> streamClosed.set(true));
    try (ResultIterator<Integer> it = pool.imap(x -> x, infinite)) {
      assertThat(it.next()).isZero();
    }
    await().atMost(Duration.ofSeconds(10)).untilTrue(streamClosed);
    pool.close(); // returns only because the closed imap no longer holds the pool
    assertThat(pool.isTerminated()).isTrue();
  }

  @Test
  void imapStreamAndIterableForms() {
    Pool pool = pool(2);
    try (ResultIterator<Integer> it = pool.imap(x -> x + 1, Stream.of(1, 2, 3), 2)) {
      assertThat(it.stream().collect(Collectors.toList())).containsExactly(2, 3, 4);
    }
    try (ResultIterator<Integer> it = pool.imapUnordered(x -> x + 1, Stream.of(1, 2, 3))) {
      assertThat(it.stream().collect(Collectors.toList())).containsExactlyInAnyOrder(2, 3, 4);
    }
    try (ResultIterator<Integer> it = pool.imap(x -> x + 1, List.of(1, 2, 3), 5)) {
      assertThat(it.stream().collect(Collectors.toList())).containsExactly(2, 3, 4);
    }
    try (ResultIterator<Integer> it = pool.imapUnordered(x -> x + 1, List.of(1, 2, 3).iterator(), 2)) {
      assertThat(it.stream().collect(Collectors.toList())).containsExactlyInAnyOrder(2, 3, 4);
    }
    try (ResultIterator<Integer> it = pool.imap(x -> x, List.<Integer>of())) {
      assertThat(it.hasNext()).isFalse();
    }
  }

  // ---------------------------------------------------------------- async and callbacks

  @Test
  void callbacksRunOnAPoolThreadBeforeTheResultIsReady() throws Exception {
    Pool pool = pool(2);
    List<String> seen = new CopyOnWriteArrayList<>();
    AsyncResult<Integer> r = pool.applyAsync(() -> 6 * 7,
        v -> seen.add(v + " on " + Thread.currentThread().getName()), e -> seen.add("error " + e));
    assertThat(r.get(Duration.ofSeconds(10))).isEqualTo(42);
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0)).startsWith("42 on procpool-");
    Map<String, Object> errors = new ConcurrentHashMap<>();
    AsyncResult<Integer> failed = pool.applyAsync(() -> {
      throw new IllegalStateException("nope");
    }, v -> errors.put("value", v), e -> errors.put("error", e));
    assertThat(failed.await(Duration.ofSeconds(10))).isTrue();
    assertThat(errors).containsOnlyKeys("error");
    assertThat(errors.get("error")).isInstanceOf(IllegalStateException.class);
    List<Integer> mapped = new CopyOnWriteArrayList<>();
    pool.mapAsync(x -> x * 2, List.of(1, 2), l -> mapped.addAll(l), null).get();
    assertThat(mapped).containsExactly(2, 4);
    List<Throwable> mapErrors = new CopyOnWriteArrayList<>();
    Fn<Integer, Integer> failOnTwo = x -> {
      if (x == 2) {
        throw new IllegalArgumentException("two");
      }
      return x;
    };
    AsyncResult<List<Integer>> chunked = pool.mapAsync(failOnTwo, List.of(1, 2, 3), 1, mapped::addAll, mapErrors::add);
    assertThat(chunked.await(Duration.ofSeconds(10))).isTrue();
    assertThat(mapErrors).singleElement().isInstanceOf(IllegalArgumentException.class);
    assertThat(mapped).containsExactly(2, 4);
  }

  @Test
  void aCallbackThatThrowsDoesNotBreakThePool() throws Exception {
    Pool pool = pool(2);
    try (CapturedLog log = new CapturedLog()) {
      AsyncResult<Integer> r = pool.applyAsync(() -> 1, v -> {
        throw new IllegalStateException("callback bug");
      }, null);
      assertThat(r.get(Duration.ofSeconds(10))).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log.records()).anySatisfy(rec -> {
        assertThat(rec.getMessage()).contains("a callback threw; the pool goes on");
        assertThat(rec.getThrown()).hasMessage("callback bug");
      }));
    }
    CountDownLatch later = new CountDownLatch(1);
    pool.applyAsync(() -> 2, v -> later.countDown(), null);
    assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(pool.map(x -> x, List.of(3))).containsExactly(3);
  }

  @Test
  void asyncResultFollowsPythonsContract() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    AsyncResult<String> r = pool.applyAsync(() -> Probe.await(dir, "go", GATE_LIMIT) ? "done" : "gate timed out");
    assertThat(r.ready()).isFalse();
    assertThatThrownBy(r::successful).isInstanceOf(IllegalStateException.class).hasMessageContaining("not ready");
    assertThat(r.await(Duration.ofMillis(50))).isFalse();
    assertThatThrownBy(() -> r.get(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
    java.util.concurrent.CompletableFuture<Integer> len = r.toCompletableFuture().thenApply(String::length);
    Probe.mark(dir, "go");
    assertThat(r.await(Duration.ofSeconds(10))).isTrue();
    assertThat(r.successful()).isTrue();
    assertThat(r.get()).isEqualTo("done");
    assertThat(r.get(1, TimeUnit.SECONDS)).isEqualTo("done");
    assertThat(len.get(10, TimeUnit.SECONDS)).isEqualTo(4);
    assertThat(pool.mapAsync(x -> x, List.of()).get()).isEmpty();
  }

  @Test
  void stagesOfAFutureFromAnAsyncResultRunOnThePoolsResultThread() throws Exception {
    Pool pool = pool(1);
    String dir = dir();
    AsyncResult<Integer> r = pool.applyAsync(() -> Probe.await(dir, "go", GATE_LIMIT) ? 1 : 0);
    // Asked for before the result is there: its stages run on the result thread, never a worker's.
    java.util.concurrent.CompletableFuture<String> where =
        r.toCompletableFuture().thenApply(x -> x + " on " + Thread.currentThread().getName());
    Probe.mark(dir, "go");
    assertThat(where.get(10, TimeUnit.SECONDS)).startsWith("1 on ").contains("-results-");
    assertThat(r.get()).isEqualTo(1);
    // Asked for after: complete already.
    assertThat(r.toCompletableFuture().getNow(null)).isEqualTo(1);
    // Cancelling the result completes the futures handed out before.
    AsyncResult<Boolean> blocked = pool.applyAsync(() -> Probe.await(dir, "never", GATE_LIMIT));
    java.util.concurrent.CompletableFuture<Boolean> mirror = blocked.toCompletableFuture();
    assertThat(blocked.cancel(true)).isTrue();
    assertThatThrownBy(() -> mirror.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
  }

  @Test
  void cancellingAnAsyncResultStopsItsWork() throws Exception {
    Pool pool = pool(1);
    String dir = dir();
    AsyncResult<Boolean> blocked = pool.applyAsync(() -> Probe.await(dir, "never", GATE_LIMIT));
    AsyncResult<Integer> queued = pool.applyAsync(() -> {
      Probe.mark(dir, "queued-ran");
      return 1;
    });
    assertThat(queued.cancel(false)).isTrue();
    assertThat(blocked.cancel(true)).isTrue();
    assertThat(blocked.isCancelled()).isTrue();
    assertThatThrownBy(blocked::get).isInstanceOf(CancellationException.class);
    assertThat(pool.apply(() -> "still works")).isEqualTo("still works");
    assertThat(Probe.marked(dir, "queued-ran")).isFalse();
  }

  @Test
  void concurrentSubmittersGetEveryResultExactlyOnce() throws Exception {
    Pool pool = pool(2);
    int threads = 4;
    int each = 1000;
    Map<Integer, Integer> results = new ConcurrentHashMap<>();
    List<Thread> submitters = new ArrayList<>();
    List<AsyncResult<Integer>> all = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int base = t * each;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          int n = base + i;
          all.add(pool.applyAsync(() -> n, v -> results.merge(v, 1, Integer::sum), null));
        }
      });
      submitters.add(thread);
      thread.start();
    }
    for (Thread thread : submitters) {
      thread.join(30_000);
    }
    for (AsyncResult<Integer> r : all) {
      r.get(30, TimeUnit.SECONDS);
    }
    assertThat(results).hasSize(threads * each);
    assertThat(results.values()).containsOnly(1);
  }

  // ---------------------------------------------------------------- ExecutorService

  @Test
  void executorServiceMethodsWork() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    assertThat(pool.submit(() -> "lambda").get()).isEqualTo("lambda");
    Future<Integer> viaCallable = pool.submit((java.util.concurrent.Callable<Integer>) new Work.Square(5));
    assertThat(viaCallable.get()).isEqualTo(25);
    assertThat(pool.submit(new Work.MarkRunnable(dir, "ran"), "result").get()).isEqualTo("result");
    assertThat(Probe.marked(dir, "ran")).isTrue();
    assertThat(pool.submit(new Work.MarkRunnable(dir, "ran2")).get()).isNull();
    pool.execute(new Work.MarkRunnable(dir, "executed"));
    await().atMost(Duration.ofSeconds(10)).until(() -> Probe.marked(dir, "executed"));

    List<Future<Integer>> all = pool.invokeAll(List.of(new Work.Square(2), new Work.Fail("x"), new Work.Square(4)));
    assertThat(all.get(0).get()).isEqualTo(4);
    assertThatThrownBy(() -> all.get(1).get()).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(IllegalStateException.class);
    assertThat(all.get(2).get()).isEqualTo(16);
    assertThat(pool.invokeAll(List.of(new Work.Square(3)), 10, TimeUnit.SECONDS).get(0).get()).isEqualTo(9);

    assertThat(pool.invokeAny(List.of(new Work.Fail("a"), new Work.Square(6)))).isEqualTo(36);
    assertThatThrownBy(() -> pool.invokeAny(List.of(new Work.Fail("a"), new Work.Fail("b"))))
        .isInstanceOf(ExecutionException.class);
    assertThatThrownBy(() -> pool.invokeAny(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shutdownNowReturnsRunnablesThatNeverStarted() throws Exception {
    Pool pool = pool(1);
    String dir = dir();
    Future<?> blocker = pool.submit(new Work.GateRunnable(dir, "never"));
    await().atMost(Duration.ofSeconds(20)).until(() -> Probe.marked(dir, "never-started"));
    Work.MarkRunnable never = new Work.MarkRunnable(dir, "never-ran");
    pool.execute(never);
    List<Runnable> notStarted = pool.shutdownNow();
    assertThat(notStarted).containsExactly(never);
    assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    assertThat(Probe.marked(dir, "never-ran")).isFalse();
  }

  // ---------------------------------------------------------------- lifecycle

  @Test
  void shutdownRejectsNewWorkButFinishesSubmittedWork() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    AsyncResult<List<Boolean>> pending = pool.mapAsync(x -> Probe.await(dir, "go", GATE_LIMIT), List.of(1, 2, 3), 1);
    pool.shutdown();
    assertThat(pool.isShutdown()).isTrue();
    assertThatThrownBy(() -> pool.map(x -> x, List.of(1)))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("pool is not running");
    assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> pool.imap(x -> x, List.of(1))).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> pool.map(x -> x, List.of())).isInstanceOf(RejectedExecutionException.class);
    assertThat(pool.isTerminated()).isFalse();
    Probe.mark(dir, "go");
    assertThat(pending.get(20, TimeUnit.SECONDS)).containsExactly(true, true, true);
    pool.join();
    assertThat(pool.isTerminated()).isTrue();
  }

  @Test
  void closingFromACallbackIsRefusedInsteadOfDeadlocking() throws Exception {
    Pool pool = pool(1);
    List<Throwable> refused = new CopyOnWriteArrayList<>();
    pool.applyAsync(() -> 1, v -> {
      try {
        pool.close();
      } catch (IllegalStateException e) {
        refused.add(e);
      }
    }, null).get(20, TimeUnit.SECONDS);
    assertThat(refused).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("callback"));
    assertThat(pool.map(x -> x, List.of(1))).containsExactly(1);
  }

  @Test
  void closeReturnsWhileATimedOutItemsReplacementFinishesTheWork() throws Exception {
    Pool pool = track(builder(1).taskTimeout(Duration.ofMillis(300)).build());
    String dir = dir();
    Fn<Integer, Integer> f = x -> {
      if (x == 0) {
        Probe.await(dir, "never", GATE_LIMIT);
      }
      return x;
    };
    ResultIterator<Integer> it = pool.imap(f, List.of(0, 1, 2, 3));
    pool.shutdown();
    Thread closer = new Thread(pool::close);
    closer.start();
    assertThatThrownBy(it::next).isInstanceOf(TaskTimeoutException.class);
    assertThat(List.of(it.next(), it.next(), it.next())).containsExactly(1, 2, 3);
    closer.join(20_000);
    assertThat(closer.isAlive()).as("close() returned").isFalse();
    assertThat(pool.isTerminated()).isTrue();
  }

  @Test
  void joinRequiresShutdownOrTerminateFirst() {
    Pool pool = pool(1);
    assertThatThrownBy(pool::join)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shutdown() or terminate()");
  }

  @Test
  void terminateFailsWhatHasNotCompleted() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    AsyncResult<List<Boolean>> pending = pool.mapAsync(x -> Probe.await(dir, "never", GATE_LIMIT), List.of(1, 2, 3, 4), 1);
    ResultIterator<Boolean> lazy = pool.imap(x -> Probe.await(dir, "never", GATE_LIMIT), List.of(1, 2));
    pool.terminate();
    assertThatThrownBy(() -> pending.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(PoolTerminatedException.class);
    assertThatThrownBy(lazy::next).isInstanceOf(PoolTerminatedException.class);
    assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    pool.join();
    assertThat(pool.isTerminated()).isTrue();
  }

  @Test
  void closeWaitsForSubmittedWork() throws Exception {
    Pool pool = pool(2);
    String dir = dir();
    AsyncResult<List<Integer>> pending = pool.mapAsync(x -> {
      Probe.spin(2_000);
      Probe.mark(dir, "finished-" + x);
      return x;
    }, IntStream.range(0, 20).boxed().collect(Collectors.toList()), 1);
    pool.close();
    assertThat(pending.isDone()).isTrue();
    assertThat(pending.get()).hasSize(20);
    assertThat(Probe.count(dir, "finished-")).isEqualTo(20);
    assertThat(pool.isTerminated()).isTrue();
    pool.close(); // idempotent
  }

  // ---------------------------------------------------------------- workers

  @Test
  void initializerRunsOncePerWorkerBeforeItsFirstTask() {
    Pool pool = track(builder(2).initializer(Work.countingInitializer()).build());
    List<Integer> inits = pool.map(x -> Work.INITS.getOrDefault(Probe.worker(), 0),
        IntStream.range(0, 100).boxed().collect(Collectors.toList()), 1);
    assertThat(inits).containsOnly(1);
  }

  @Test
  void aFailingInitializerFailsTheWorkInsteadOfRetryingForever() {
    Pool pool = track(builder(2).initializer(() -> {
      throw new IllegalStateException("cannot load model");
    }).build());
    assertThatThrownBy(() -> pool.map(x -> x, List.of(1, 2, 3)))
        .isInstanceOf(WorkerStartException.class)
        .hasMessageContaining("initializer")
        .rootCause()
        .hasMessageContaining("cannot load model");
    assertThatThrownBy(() -> pool.apply(() -> 1)).isInstanceOf(WorkerStartException.class);
  }

  @Test
  void maxTasksPerChildReplacesWorkers() {
    Pool pool = track(builder(2).maxTasksPerChild(3).build());
    List<String> where = pool.map(x -> Probe.worker(), IntStream.range(0, 30).boxed().collect(Collectors.toList()), 1);
    Map<String, Integer> perWorker = new HashMap<>();
    where.forEach(w -> perWorker.merge(w, 1, Integer::sum));
    assertThat(perWorker.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(3));
    assertThat(perWorker).hasSizeGreaterThanOrEqualTo(10);
  }

  @Test
  void aTaskPastItsTimeoutIsStoppedAndOnlyItFails() {
    Pool pool = pool(2);
    String dir = dir();
    Fn<Integer, Integer> f = x -> {
      if (x == 1) {
        Probe.await(dir, "never", GATE_LIMIT);
      }
      return x;
    };
    Pool limited = pool.withTimeout(Duration.ofMillis(500));
    List<Object> outcomes = new ArrayList<>();
    try (ResultIterator<Integer> it = limited.imap(f, List.of(0, 1, 2, 3))) {
      while (it.hasNext()) {
        try {
          outcomes.add(it.next());
        } catch (TaskTimeoutException e) {
          assertThat(e.itemIndex()).isEqualTo(1);
          assertThat(e.timeout()).isEqualTo(Duration.ofMillis(500));
          outcomes.add("timeout");
        }
      }
    }
    assertThat(outcomes).containsExactly(0, "timeout", 2, 3);
    assertThatThrownBy(() -> limited.apply(() -> Probe.await(dir, "never", GATE_LIMIT)))
        .isInstanceOf(TaskTimeoutException.class)
        .hasMessageContaining("timeout");
    assertThat(pool.map(x -> x * 3, List.of(1, 2))).containsExactly(3, 6);
  }

  // ---------------------------------------------------------------- insights

  @Test
  void workerLocalStateIsBuiltOncePerWorkerAndSharedByItsTasks() {
    Pool pool = pool(2);
    WorkerLocal<String> state = WorkerLocal.of(() -> java.util.UUID.randomUUID().toString());
    List<String> seen = pool.map(x -> Probe.worker() + "=" + state.get(),
        IntStream.range(0, 200).boxed().collect(Collectors.toList()), 5);
    Map<String, Set<String>> statesPerWorker = new HashMap<>();
    for (String s : seen) {
      String[] parts = s.split("=");
      statesPerWorker.computeIfAbsent(parts[0], k -> new HashSet<>()).add(parts[1]);
    }
    assertThat(statesPerWorker.values()).allSatisfy(states -> assertThat(states).hasSize(1));
    Set<String> distinct = new HashSet<>();
    statesPerWorker.values().forEach(distinct::addAll);
    assertThat(distinct).hasSize(statesPerWorker.size()); // no two workers share one state
  }

  @Test
  void listenersSeeEveryCallStartProgressAndFinish() {
    List<String> events = new CopyOnWriteArrayList<>();
    AtomicLong maxDone = new AtomicLong();
    PoolListener listener = new PoolListener() {
      @Override
      public void callStarted(CallProgress call) {
        events.add("start " + call.operation() + " " + call.total());
      }

      @Override
      public void progressed(CallProgress call) {
        maxDone.accumulateAndGet(call.done(), Math::max);
      }

      @Override
      public void callFinished(CallProgress call) {
        events.add("end " + call.operation() + " " + call.done() + "/" + call.total() + " failed " + call.failed());
      }
    };
    Pool pool = track(builder(2).listener(listener).build());
    pool.map(x -> x, IntStream.range(0, 50).boxed().collect(Collectors.toList()), 3);
    Fn<Integer, Integer> failOnOne = x -> {
      if (x == 1) {
        throw new IllegalStateException("one");
      }
      return x;
    };
    try (ResultIterator<Integer> it = pool.imapUnordered(failOnOne, Stream.of(0, 1, 2))) {
      while (it.hasNext()) {
        try {
          it.next();
        } catch (TaskFailedException expected) {
          // counted by the listener
        }
      }
    }
    assertThat(maxDone.get()).isEqualTo(50);
    // No waiting: a call has told its listeners that it finished before it returns to its caller.
    assertThat(events).containsExactly("start map 50", "end map 50/50 failed 0",
        "start imapUnordered -1", "end imapUnordered 3/3 failed 1");
  }

  @Test
  void noProgressReachesAListenerAfterItsCallFinished() {
    Set<Long> finished = ConcurrentHashMap.newKeySet();
    List<String> late = new CopyOnWriteArrayList<>();
    PoolListener listener = new PoolListener() {
      @Override
      public void progressed(CallProgress call) {
        if (finished.contains(call.callId())) {
          late.add(call.operation() + " " + call.callId());
        }
      }

      @Override
      public void callFinished(CallProgress call) {
        finished.add(call.callId());
      }
    };
    Pool pool = track(builder(2).listener(listener).build());
    List<Integer> items = IntStream.range(0, 8).boxed().collect(Collectors.toList());
    for (int round = 0; round < 100; round++) {
      pool.map(x -> x, items, 1);
      try (ResultIterator<Integer> it = pool.imapUnordered(x -> x, items, 1)) {
        it.forEachRemaining(x -> { });
      }
    }
    assertThat(late).isEmpty();
  }

  @Test
  void aListenerThatThrowsAnErrorLosesNoWork() throws Exception {
    PoolListener broken = new PoolListener() {
      @Override
      public void progressed(CallProgress call) {
        throw new AssertionError("listener bug");
      }
    };
    Pool pool = track(builder(1).listener(broken).build());
    try (CapturedLog log = new CapturedLog()) {
      assertThat(pool.mapAsync(x -> x + 1, List.of(1, 2, 3), 1).get(20, TimeUnit.SECONDS)).containsExactly(2, 3, 4);
      assertThat(pool.map(x -> x, List.of(5))).containsExactly(5);
      assertThat(log.records()).anySatisfy(r -> assertThat(r.getThrown()).hasMessage("listener bug"));
    }
  }

  @Test
  void statsCountEveryTaskPerWorker() {
    Pool pool = pool(2);
    pool.map(x -> Probe.spin(200), IntStream.range(0, 100).boxed().collect(Collectors.toList()), 10);
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().tasks() == 100);
    PoolStats stats = pool.stats();
    assertThat(stats.workers()).hasSizeGreaterThanOrEqualTo(1);
    // A worker that became ready late may have found no work left: only those that ran tasks were busy.
    assertThat(stats.workers()).allSatisfy(w -> assertThat(w.alive()).isTrue());
    assertThat(stats.workers()).filteredOn(w -> w.tasks() > 0).isNotEmpty()
        .allSatisfy(w -> assertThat(w.busy()).isPositive());
    assertThat(stats.workers().stream().map(WorkerStats::busy).reduce(Duration.ZERO, Duration::plus))
        .isGreaterThanOrEqualTo(Duration.ofMillis(15)); // 100 tasks of 0.2 ms
    assertThat(stats.toString()).contains("worker").contains("busy").contains("total: 100 tasks");
  }

  @Test
  void statsTakenRightAfterACallReturnsCountEveryItemOfIt() {
    Pool pool = pool(2);
    List<Integer> sixty = IntStream.range(0, 60).boxed().collect(Collectors.toList());
    pool.map(x -> x, sixty, 7);
    assertThat(pool.stats().tasks()).isEqualTo(60);
    try (ResultIterator<Integer> it = pool.imap(x -> x, sixty, 1)) {
      while (it.hasNext()) {
        it.next();
      }
    }
    assertThat(pool.stats().tasks()).isEqualTo(120);
    assertThatThrownBy(() -> pool.map(x -> 10 / (x - 5), sixty, 60)).isInstanceOf(TaskFailedException.class);
    assertThat(pool.stats().tasks()).as("a failed item is a task too").isGreaterThanOrEqualTo(126);
  }

  @Test
  void statsTellWhyWorkersWereReplaced() {
    Pool pool = track(builder(1).maxTasksPerChild(2).build());
    pool.map(x -> x, List.of(1, 2, 3, 4, 5, 6), 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().restarts().get(WorkerStats.Restart.RECYCLING) >= 2);
    assertThat(pool.stats().tasks()).isEqualTo(6);
  }

  // ---------------------------------------------------------------- misuse

  @Test
  void misuseGetsAClearMessage() {
    Pool pool = pool(1);
    assertThatThrownBy(() -> pool.map(x -> x, List.of(1), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunksize must be at least 1");
    assertThatThrownBy(() -> pool.imap(x -> x, List.of(1), -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> pool.map(null, List.of(1))).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("function");
    assertThatThrownBy(() -> pool.map(x -> x, (List<Integer>) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> pool.apply(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> pool.withTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("workers must be at least 1");
    assertThatThrownBy(() -> builder(1).maxTasksPerChild(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder(1).readAhead(1).readAhead(2))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("readAhead was already set to 1");
    assertThatThrownBy(() -> backend(builder(1), 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already chosen");
    PoolBuilder once = builder(1);
    track(once.build());
    assertThatThrownBy(once::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("already built");
  }

  // ---------------------------------------------------------------- map and starmap over a Stream or an Iterator

  @Test
  void mapAndStarmapReadAStreamWholeAndCloseItBeforeTheyReturn() throws Exception {
    Pool pool = pool(2);
    AtomicInteger closed = new AtomicInteger();
    assertThat(pool.map(x -> x * x, Stream.of(1, 2, 3).onClose(closed::incrementAndGet))).containsExactly(1, 4, 9);
    assertThat(closed).hasValue(1);
    assertThat(pool.map(x -> x + 1, IntStream.range(0, 100).boxed().onClose(closed::incrementAndGet), 7))
        .isEqualTo(IntStream.range(1, 101).boxed().collect(Collectors.toList()));
    assertThat(closed).hasValue(2);

    AsyncResult<List<Integer>> pending = pool.mapAsync(x -> x * 2, Stream.of(1, 2).onClose(closed::incrementAndGet));
    assertThat(closed).as("closed before mapAsync returns").hasValue(3);
    assertThat(pending.get()).containsExactly(2, 4);
    assertThat(pool.mapAsync(x -> x * 2, Stream.of(3), 1).get()).containsExactly(6);
    List<Object> seen = new CopyOnWriteArrayList<>();
    assertThat(pool.mapAsync(x -> x * 2, Stream.of(4), seen::add, seen::add).get()).containsExactly(8);
    assertThat(pool.mapAsync(x -> x * 2, Stream.of(5), 1, seen::add, seen::add).get()).containsExactly(10);
    assertThat(seen).containsExactly(List.of(8), List.of(10));

    Fn2<Integer, Integer, Integer> g = (a, b) -> a + b;
    Fn3<Integer, Integer, Integer, Integer> h = (a, b, c) -> a * b + c;
    assertThat(pool.starmap(g, Stream.of(Args.of(1, 2), Args.of(3, 4)).onClose(closed::incrementAndGet)))
        .containsExactly(3, 7);
    assertThat(closed).hasValue(4);
    assertThat(pool.starmap(g, Stream.of(Args.of(1, 2)), 1)).containsExactly(3);
    assertThat(pool.starmap(h, Stream.of(Args.of(1, 2, 3), Args.of(4, 5, 6)))).containsExactly(5, 26);
    assertThat(pool.starmap(h, Stream.of(Args.of(1, 2, 3)), 1)).containsExactly(5);
    assertThat(pool.starmapAsync(g, Stream.of(Args.of(5, 6))).get()).containsExactly(11);
    assertThat(pool.starmapAsync(g, Stream.of(Args.of(7, 8)), 1, seen::add, seen::add).get()).containsExactly(15);
    assertThat(pool.starmapAsync(h, Stream.of(Args.of(2, 3, 4))).get()).containsExactly(10);
    assertThat(seen).last().isEqualTo(List.of(15));

    assertThat(pool.map(x -> x, Stream.<Integer>empty().onClose(closed::incrementAndGet))).isEmpty();
    assertThat(pool.mapAsync(x -> x, Stream.<Integer>empty().onClose(closed::incrementAndGet)).get()).isEmpty();
    assertThat(closed).hasValue(6);
  }

  @Test
  void mapAndStarmapReadAnIteratorToItsEndBeforeTheyReturn() throws Exception {
    Pool pool = pool(2);
    assertThat(pool.map(x -> x * x, List.of(1, 2, 3).iterator())).containsExactly(1, 4, 9);
    assertThat(pool.map(x -> x + 1, IntStream.range(0, 100).boxed().iterator(), 7))
        .isEqualTo(IntStream.range(1, 101).boxed().collect(Collectors.toList()));
    // Items computed as they are read, in order, on the caller's thread: the whole input is read first.
    AtomicInteger produced = new AtomicInteger();
    Iterator<Integer> counting = Stream.generate(produced::incrementAndGet).limit(50).iterator();
    AsyncResult<List<Integer>> pending = pool.mapAsync(x -> -x, counting);
    assertThat(counting.hasNext()).as("read to its end before mapAsync returns").isFalse();
    assertThat(produced).hasValue(50);
    assertThat(pending.get()).isEqualTo(IntStream.rangeClosed(1, 50).map(x -> -x).boxed().collect(Collectors.toList()));
    assertThat(pool.mapAsync(x -> x * 2, List.of(3).iterator(), 1).get()).containsExactly(6);
    List<Object> seen = new CopyOnWriteArrayList<>();
    assertThat(pool.mapAsync(x -> x * 2, List.of(4).iterator(), seen::add, seen::add).get()).containsExactly(8);
    assertThat(pool.mapAsync(x -> x * 2, List.of(5).iterator(), 1, seen::add, seen::add).get()).containsExactly(10);
    assertThat(seen).containsExactly(List.of(8), List.of(10));

    Fn2<Integer, Integer, Integer> g = (a, b) -> a + b;
    Fn3<Integer, Integer, Integer, Integer> h = (a, b, c) -> a * b + c;
    List<Args2<Integer, Integer>> pairs = List.of(Args.of(1, 2), Args.of(3, 4));
    List<Args3<Integer, Integer, Integer>> triples = List.of(Args.of(1, 2, 3), Args.of(4, 5, 6));
    assertThat(pool.starmap(g, pairs.iterator())).containsExactly(3, 7);
    assertThat(pool.starmap(g, pairs.iterator(), 1)).containsExactly(3, 7);
    assertThat(pool.starmap(h, triples.iterator())).containsExactly(5, 26);
    assertThat(pool.starmap(h, triples.iterator(), 1)).containsExactly(5, 26);
    assertThat(pool.starmapAsync(g, pairs.iterator()).get()).containsExactly(3, 7);
    assertThat(pool.starmapAsync(g, pairs.iterator(), 1, seen::add, seen::add).get()).containsExactly(3, 7);
    assertThat(pool.starmapAsync(h, triples.iterator()).get()).containsExactly(5, 26);
    assertThat(seen).last().isEqualTo(List.of(3, 7));
    assertThat(pool.map(x -> x, Collections.<Integer>emptyIterator())).isEmpty();
  }

  @Test
  void aFailedItemFailsAMapOverAStreamLikeAnyMap() {
    Pool pool = pool(2);
    assertThatThrownBy(() -> pool.map(x -> 10 / x, Stream.of(1, 0, 2)))
        .isInstanceOf(TaskFailedException.class)
        .hasMessageContaining("item 1")
        .cause()
        .isInstanceOf(ArithmeticException.class);
  }

  @Test
  void aStreamGivenToMapIsClosedEvenWhenTheCallIsRefusedAndNothingIsRead() {
    Pool pool = pool(1);
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger read = new AtomicInteger();
    assertThatThrownBy(() -> pool.map(x -> x, Stream.of(1).peek(x -> read.incrementAndGet())
        .onClose(closed::incrementAndGet), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunksize must be at least 1");
    assertThatThrownBy(() -> pool.starmapAsync(null, Stream.of(Args.of(1, 2)).peek(x -> read.incrementAndGet())
        .onClose(closed::incrementAndGet)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("function");
    assertThatThrownBy(() -> pool.imap(x -> x, Stream.of(1).peek(x -> read.incrementAndGet())
        .onClose(closed::incrementAndGet), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> pool.map(x -> x, (Stream<Integer>) null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("items");
    assertThatThrownBy(() -> pool.map(x -> x, (Iterator<Integer>) null, 2)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> pool.mapAsync(x -> x, List.of(1).iterator(), -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(closed).hasValue(3);

    pool.shutdown();
    assertThatThrownBy(() -> pool.mapAsync(x -> x, Stream.of(1).peek(x -> read.incrementAndGet())
        .onClose(closed::incrementAndGet)))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(closed).hasValue(4);
    assertThat(read).as("items read from refused streams").hasValue(0);
  }

  @Test
  void aStreamThatThrowsWhileMapReadsItFailsTheCallWithItsOwnExceptionAndIsClosed() {
    Pool pool = pool(2);
    AtomicBoolean closed = new AtomicBoolean();
    Stream<Integer> broken = Stream.of(1, 2, 3).map(x -> {
      if (x == 3) {
        throw new IllegalStateException("input broke");
      }
      return x;
    }).onClose(() -> closed.set(true));
    assertThatThrownBy(() -> pool.map(x -> x, broken)).isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage("input broke");
    assertThat(closed).isTrue();
    assertThat(pool.map(x -> x, Stream.of(4))).as("the pool goes on").containsExactly(4);
  }

  @Test
  void anInitializerThatReturnsNothingNeedsNoReturnStatement() {
    Pool pool = track(builder(2).initializer(() -> Work.countInit()).build());
    List<Integer> inits = pool.map(x -> Work.INITS.getOrDefault(Probe.worker(), 0),
        IntStream.range(0, 40).boxed().collect(Collectors.toList()), 1);
    assertThat(inits).containsOnly(1);
  }
}
