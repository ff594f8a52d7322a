package dev.procpool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.internal.FailurePolicy.Cause;
import dev.procpool.internal.FailurePolicy.Failure;
import dev.procpool.internal.FailurePolicy.Held;
import dev.procpool.internal.FailurePolicy.Loss;
import dev.procpool.internal.FailurePolicy.Rerun;
import dev.procpool.internal.FailurePolicy.Settlement;
import dev.procpool.spi.StartFailure;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The failure model's decisions, one rule at a time, without a pool. */
class FailurePolicyTest {
  private final FailurePolicy noRetries = new FailurePolicy(0);
  private final FailurePolicy twoRetries = new FailurePolicy(2);

  private static int[] all(int size) {
    return IntStream.range(0, size).toArray();
  }

  /** A chunk of {@code size} items, none with an outcome, held among others. */
  private static Held held(int size, boolean started, int running) {
    return new Held(size, all(size), started, running, 0, 0, 0, false, false);
  }

  private static Rerun isolated(int offset, int deaths, int suspicion) {
    return new Rerun(offset, offset + 1, deaths, suspicion, 0, true);
  }

  @Test
  void theItemKnownToBeRunningIsTheOnlySuspectAndTheOthersRunAgainAsTheyWere() {
    Settlement s = noRetries.lost(held(6, true, 2), Loss.DIED);
    assertThat(s.failures()).isEmpty();
    assertThat(s.reruns()).containsExactly(isolated(2, 0, 0),
        new Rerun(0, 2, 0, 0, 0, false), new Rerun(3, 6, 0, 0, 0, false));
  }

  @Test
  void everyOpenItemOfAChunkThatBeganWithoutSayingWhichRanIsIsolated() {
    Held h = new Held(5, new int[] {2, 3, 4}, true, -1, 0, 0, 0, false, false); // 0 and 1 have results
    assertThat(noRetries.lost(h, Loss.DIED).reruns()).containsExactly(isolated(2, 0, 0), isolated(3, 0, 0),
        isolated(4, 0, 0));
  }

  @Test
  void aChunkHeldUnbegunRunsAgainWholeOnceThenItsItemsAreIsolated() {
    Settlement first = noRetries.lost(held(3, false, -1), Loss.DIED);
    assertThat(first.reruns()).containsExactly(new Rerun(0, 3, 0, 1, 0, false));
    Held again = new Held(3, all(3), false, -1, 0, 1, 0, false, false);
    assertThat(noRetries.lost(again, Loss.DIED).reruns())
        .containsExactly(isolated(0, 0, 2), isolated(1, 0, 2), isolated(2, 0, 2));
  }

  @Test
  void anIsolatedItemWhoseWorkerDiesFailsWhenItHasNoRetriesLeft() {
    Held alone = new Held(1, all(1), true, -1, 0, 0, 0, true, true);
    assertThat(noRetries.lost(alone, Loss.DIED))
        .isEqualTo(new Settlement(List.of(), List.of(new Failure(0, Cause.DIED, 1))));
    assertThat(twoRetries.lost(alone, Loss.DIED).reruns()).containsExactly(isolated(0, 1, 0));
    Held thirdTry = new Held(1, all(1), true, -1, 2, 0, 0, true, true);
    assertThat(twoRetries.lost(thirdTry, Loss.DIED).failures()).containsExactly(new Failure(0, Cause.DIED, 3));
  }

  @Test
  void anIsolatedItemIsBlamedEvenIfItsWorkerDiedBeforeSayingItBegan() {
    Held decoding = new Held(1, all(1), false, -1, 0, 2, 0, true, true);
    assertThat(noRetries.lost(decoding, Loss.DIED).failures()).containsExactly(new Failure(0, Cause.DIED, 1));
  }

  @Test
  void aWorkerThatHeldOneSuspectAndNothingElseIsAsGoodAsAnIsolatedRun() {
    Held apply = new Held(1, all(1), true, -1, 0, 0, 0, false, true);
    assertThat(noRetries.lost(apply, Loss.DIED).failures()).containsExactly(new Failure(0, Cause.DIED, 1));
    Held runningAmongOthers = new Held(4, all(4), true, 1, 0, 0, 0, false, true);
    Settlement s = noRetries.lost(runningAmongOthers, Loss.DIED);
    assertThat(s.failures()).containsExactly(new Failure(1, Cause.DIED, 1));
    assertThat(s.reruns()).containsExactly(new Rerun(0, 1, 0, 0, 0, false), new Rerun(2, 4, 0, 0, 0, false));
  }

  @Test
  void aFrozenWorkerIsNotBlamedOnItsOneItemUnlessThatItemRanIsolated() {
    Held apply = new Held(1, all(1), false, -1, 0, 0, 0, false, true);
    assertThat(noRetries.lost(apply, Loss.FROZE).reruns()).containsExactly(new Rerun(0, 1, 0, 1, 0, false));
    Held isolatedAgain = new Held(1, all(1), false, -1, 0, 2, 0, true, true);
    assertThat(noRetries.lost(isolatedAgain, Loss.FROZE).failures()).containsExactly(new Failure(0, Cause.DIED, 1));
  }

  @Test
  void chunksOfAWorkerStoppedForAnotherItemsTimeoutRunAgainAsTheyWere() {
    Held h = new Held(4, new int[] {1, 2, 3}, true, 2, 0, 1, 0, false, false);
    assertThat(noRetries.lost(h, Loss.INNOCENT)).isEqualTo(
        new Settlement(List.of(new Rerun(1, 4, 0, 1, 0, false)), List.of()));
  }

  @Test
  void aTimedOutItemFailsAndTheRestOfItsChunkRunsAgain() {
    Settlement s = noRetries.timedOut(held(5, true, 3), 3);
    assertThat(s.failures()).containsExactly(new Failure(3, Cause.TIMED_OUT, 1));
    assertThat(s.reruns()).containsExactly(new Rerun(0, 3, 0, 0, 0, false), new Rerun(4, 5, 0, 0, 0, false));
  }

  @Test
  void aChunkHandedBackRunsAgainAsItWasUntilItIsHandedBackTooOften() {
    assertThat(noRetries.handedBack(held(2, false, -1)).reruns()).containsExactly(new Rerun(0, 2, 0, 0, 1, false));
    Held tooOften = new Held(2, all(2), false, -1, 0, 0, FailurePolicy.MAX_HAND_BACKS - 1, false, false);
    assertThat(noRetries.handedBack(tooOften).failures()).extracting(Failure::cause).containsOnly(Cause.STUCK);
  }

  @Test
  void nothingToDoForAChunkWhoseItemsAllHaveOutcomes() {
    Held done = new Held(3, new int[0], true, -1, 0, 0, 0, false, true);
    assertThat(noRetries.lost(done, Loss.DIED)).isEqualTo(Settlement.NONE);
  }

  @Test
  void aSystematicStartFailureBreaksThePoolAtOnce() {
    assertThat(noRetries.startFailed(StartFailure.Kind.INITIALIZER, true, 1).broken()).isTrue();
    assertThat(noRetries.startFailed(StartFailure.Kind.REFUSED, false, 1).broken())
        .as("no worker ever started: the settings are wrong").isTrue();
  }

  @Test
  void anAccidentalStartFailureIsRetriedWithABackOffUntilFiveInARow() {
    assertThat(noRetries.startFailed(StartFailure.Kind.CRASHED, false, 1)).isEqualTo(
        new FailurePolicy.StartDecision(false, 0));
    assertThat(noRetries.startFailed(StartFailure.Kind.REFUSED, true, 2)).as("it started before: an accident")
        .isEqualTo(new FailurePolicy.StartDecision(false, FailurePolicy.FIRST_BACKOFF_NANOS));
    assertThat(noRetries.startFailed(StartFailure.Kind.CRASHED, true, 4).delayNanos())
        .isEqualTo(4 * FailurePolicy.FIRST_BACKOFF_NANOS);
    assertThat(noRetries.startFailed(StartFailure.Kind.CRASHED, true, FailurePolicy.MAX_START_FAILURES).broken())
        .isTrue();
  }

  @Test
  void theBackOffDoublesAndIsCapped() {
    assertThat(FailurePolicy.backoff(0)).isZero();
    assertThat(FailurePolicy.backoff(1)).isZero();
    assertThat(FailurePolicy.backoff(3)).isEqualTo(2 * FailurePolicy.FIRST_BACKOFF_NANOS);
    assertThat(FailurePolicy.backoff(1_000)).isEqualTo(FailurePolicy.MAX_BACKOFF_NANOS);
  }
}
