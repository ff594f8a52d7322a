package dev.procpool.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.CallStartException;
import dev.procpool.Pool;
import dev.procpool.PoolBuilder;
import dev.procpool.ResultIterator;
import dev.procpool.TaskFailedException;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerStats;
import dev.procpool.contract.FaultInjector.Fault;
import dev.procpool.spi.BackendFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The fault contract, written once and run by every backend beside {@link PoolContract}: the faults a pool
 * must survive, alone and compounded, injected through {@link FaultInjector} at the boundary between the
 * backend's workers and the engine. A backend's test class extends this and gives its backend factory.
 * Each test checks the promise: it ends in bounded time, only the culprit item fails, no result is lost or
 * duplicated, the pool is usable afterwards, and nothing of the pool (thread or process) is left behind.
 *
 * <p>Faults provoked for real (SIGKILL, SIGSTOP, a stranger on a worker's socket, a readObject that exits)
 * are each backend's own tests; this contract checks that every backend carries out the engine's decisions.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class FaultContract {

  /**
   * Returns the backend under test, as a factory the fault injector can wrap.
   *
   * @return the factory
   */
  protected abstract BackendFactory backend();

  /**
   * Asserts that nothing of the pool is left: by default, no thread whose name carries the pool's name.
   * Backends with processes or members add their own check.
   *
   * @param poolName the closed pool's name
   */
  protected void assertNothingLeft(String poolName) {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(Thread::isAlive)
        .extracting(Thread::getName)
        .noneMatch(name -> name.contains("-" + poolName + "-")));
  }

  private final List<Pool> opened = new ArrayList<>();
  private String name;
  private int pools;

  private FaultInjector injector() {
    return new FaultInjector(backend());
  }

  private Pool pool(FaultInjector faults, int workers, java.util.function.UnaryOperator<PoolBuilder> settings) {
    Pool pool = settings.apply(Pool.builder().backend(faults, workers).name(name + "-" + ++pools)).build();
    opened.add(pool);
    return pool;
  }

  @org.junit.jupiter.api.BeforeEach
  void name(TestInfo test) {
    name = getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void closeAndCheckNothingLeft() throws InterruptedException {
    for (Pool p : opened) {
      p.terminate();
    }
    for (Pool p : opened) {
      assertThat(p.awaitTermination(20, TimeUnit.SECONDS)).as("pool terminated").isTrue();
    }
    for (int i = 1; i <= pools; i++) {
      assertNothingLeft(name + "-" + i);
    }
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  /** Runs an imap of x * 10 and returns each item's result, or the exception its item failed with. */
  private static List<Object> outcomes(Pool pool, List<Integer> items, int chunksize) {
    return Outcomes.outcomes(pool, x -> x * 10, items, chunksize);
  }

  /** Every item has its exact result once, except the culprits, which failed with WorkerDiedException. */
  private static void assertOnlyCulpritsFailed(List<Object> outcomes, int size, Integer... culprits) {
    assertThat(outcomes).hasSize(size);
    List<Integer> guilty = List.of(culprits);
    for (int i = 0; i < size; i++) {
      if (guilty.contains(i)) {
        assertThat(outcomes.get(i)).as("item %d", i).isInstanceOf(WorkerDiedException.class);
        assertThat(((WorkerDiedException) outcomes.get(i)).itemIndex()).isEqualTo(i);
      } else {
        assertThat(outcomes.get(i)).as("item %d", i).isEqualTo(i * 10);
      }
    }
  }

  /** The pool still runs work (items the tests never fault). */
  private static void assertUsable(Pool pool) {
    List<Integer> fresh = IntStream.range(1000, 1020).boxed().toList();
    assertThat(pool.map(x -> x + 1, fresh, 3)).isEqualTo(IntStream.range(1001, 1021).boxed().toList());
  }

  @Test
  void aWorkerThatDiesMidChunkCostsOnlyItsCulprit() {
    FaultInjector faults = injector().on(13, Fault.DIES).on(27, Fault.DIES_ONCE);
    Pool pool = pool(faults, 2, b -> b);
    assertOnlyCulpritsFailed(outcomes(pool, range(40), 5), 40, 13);
    assertThat(faults.deaths()).as("13 in its chunk, then alone; 27 once").isEqualTo(3);
    assertThat(pool.stats().restarts().get(WorkerStats.Restart.CRASH)).isEqualTo(3);
    assertUsable(pool);
  }

  @Test
  void retriesRunTheCulpritAloneThatManyMoreTimes() {
    FaultInjector faults = injector().on(4, Fault.DIES);
    Pool pool = pool(faults, 2, b -> b.retries(2));
    assertOnlyCulpritsFailed(outcomes(pool, range(12), 4), 12, 4);
    assertThat(faults.deaths()).as("in its chunk, then alone: the first try and 2 retries").isEqualTo(4);
    assertUsable(pool);
  }

  @Test
  void aWorkerThatDiesWhileDecodingCostsOnlyTheItemItCannotRead() {
    FaultInjector faults = injector().on(7, Fault.DIES_DECODING);
    Pool pool = pool(faults, 2, b -> b);
    assertOnlyCulpritsFailed(outcomes(pool, range(20), 4), 20, 7);
    assertThat(faults.deaths()).as("its chunk twice (unbegun: rerun whole once), then alone").isEqualTo(3);
    assertUsable(pool);
  }

  @Test
  void aReplacementThatDiesWhileStartingIsReplacedInTurn() {
    // Not the last item of its chunk: a worker killed holding one item alone would rightly be blamed on it.
    FaultInjector faults = injector().on(4, Fault.DIES_ONCE).failStartsAfterDeath(2);
    Pool pool = pool(faults, 1, b -> b);
    assertThat(pool.map(x -> x * 10, range(12), 2)).isEqualTo(range(12).stream().map(x -> x * 10).toList());
    assertThat(faults.failedStarts()).isEqualTo(2);
    assertUsable(pool);
  }

  @Test
  void twoWorkersDyingAtOnceAndTheirReplacementsWhileStartingLoseNothing() {
    FaultInjector faults = injector().on(3, Fault.DIES_ONCE).on(8, Fault.DIES_ONCE).failStartsAfterDeath(3);
    Pool pool = pool(faults, 2, b -> b);
    assertThat(pool.map(x -> x * 10, range(40), 5)).isEqualTo(range(40).stream().map(x -> x * 10).toList());
    assertThat(faults.deaths()).isEqualTo(2);
    assertUsable(pool);
  }

  @Test
  void startsThatKeepFailingBreakThePoolWithTheirLastCauses() {
    FaultInjector faults = injector().failNextStarts(Integer.MAX_VALUE);
    Pool pool = pool(faults, 1, b -> b);
    assertThatThrownBy(() -> pool.map(x -> x, range(3)))
        .isInstanceOf(WorkerStartException.class)
        .hasMessageContaining("5 worker starts in a row failed")
        .hasMessageContaining("killed while starting");
    assertThatThrownBy(() -> pool.apply(() -> 1)).isInstanceOf(WorkerStartException.class);
    pool.close(); // returns: nothing waits for a worker that will never come
  }

  @Test
  void aWorkerThatFreezesBeforeReportingIsStoppedAndItsWorkRunsElsewhere() {
    FaultInjector faults = injector().on(3, Fault.FREEZES_ONCE);
    Pool pool = pool(faults, 2, b -> b.taskTimeout(Duration.ofMillis(300)));
    assertThat(pool.map(x -> x * 10, range(10), 1)).isEqualTo(range(10).stream().map(x -> x * 10).toList());
    assertThat(faults.freezes()).isEqualTo(1);
    assertThat(pool.stats().restarts().get(WorkerStats.Restart.CRASH)).isEqualTo(1);
    assertUsable(pool);
    pool.close();
  }

  @Test
  void aCallThatFailsToStartFailsAloneAndThePoolGoesOnAndCloses() {
    FaultInjector faults = injector()
        .failNextAdmit(new ServiceConfigurationError("dev.procpool.spi.ProgressRenderer: Provider not found (injected)"));
    Pool pool = pool(faults, 2, b -> b);
    assertThatThrownBy(() -> pool.map(x -> x, range(5)))
        .isInstanceOf(CallStartException.class)
        .hasCauseInstanceOf(ServiceConfigurationError.class)
        .hasMessageContaining("could not start");
    assertUsable(pool);
    pool.close();
  }

  @Test
  void closeWaitsForWorkAcceptedBeforeItEvenWhileWorkersDie() throws Exception {
    FaultInjector faults = injector().on(2, Fault.DIES_ONCE).failStartsAfterDeath(1);
    Pool pool = pool(faults, 2, b -> b);
    AtomicInteger done = new AtomicInteger();
    var result = pool.mapAsync(x -> (int) (Probe.spin(2_000) * 0) + x, range(8), 2, r -> done.incrementAndGet(), e -> { });
    pool.close();
    assertThat(result.get(0, TimeUnit.SECONDS)).isEqualTo(range(8));
    assertThat(done).hasValue(1);
  }
}
