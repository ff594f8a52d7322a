package dev.procpool.internal;

import dev.procpool.spi.StartFailure;
import java.util.ArrayList;
import java.util.List;

/**
 * What a fault means, decided in one place for every backend. Backends report facts (a worker held these
 * chunks, began this one, ran this item, is gone, could not start); this class turns the facts into a
 * decision returned as a value (re-run these items, isolate those, fail that one, replace the worker after
 * this delay, declare the pool broken), which the engine carries out. It keeps no state: the budgets
 * (retries, hand-backs, start failures in a row) travel with the facts, so every rule is a small function
 * tested on its own.
 *
 * <p>The model, for items whose worker died (or froze and was stopped):
 *
 * <ul>
 *   <li>An item known to be running when its worker died is the suspect; the chunk's other items never
 *       ran or already ran, and run again as they were.
 *   <li>Of a chunk that began without saying which item ran, every item without an outcome is a suspect.
 *   <li>A chunk the worker held but had not begun may still have killed it (its items are decoded on
 *       arrival: a {@code readObject} that exits, a worker killed while decoding); the first time it runs
 *       again whole, the second time its items are suspects.
 *   <li>Suspects are <em>isolated</em>: each runs alone, on a worker that holds nothing else and is given
 *       nothing else until it is done. The death of such a worker is the item's own: it counts, and the
 *       item runs again while it has retries left, then fails with a WorkerDiedException. Nobody else can
 *       be blamed, so only the culprit fails however the faults combine. A worker that happened to hold
 *       one chunk with one suspect item is as good as an isolated run.
 * </ul>
 */
final class FailurePolicy {
  /** How many times in a row a chunk may be handed back unstarted before it fails (a backend that keeps refusing it). */
  static final int MAX_HAND_BACKS = 100;
  /** How many worker starts in a row may fail by accident before the pool is declared broken. */
  static final int MAX_START_FAILURES = 5;
  /** The back-off before the second start in a row after a failure; it doubles after each further failure. */
  static final long FIRST_BACKOFF_NANOS = 100_000_000L;
  /** The longest back-off between starts. */
  static final long MAX_BACKOFF_NANOS = 2_000_000_000L;

  private final int retries;

  /**
   * @param retries how many more times an isolated item whose worker died is run before it fails
   */
  FailurePolicy(int retries) {
    this.retries = retries;
  }

  /**
   * What the engine knows of a chunk that left a worker without every outcome.
   *
   * @param size the chunk's number of items
   * @param open the offsets of its items without an outcome, ascending, at least one
   * @param started whether the worker said it began the chunk
   * @param running the offset of the item the worker said runs now, or -1
   * @param deaths how many isolated runs of this (single) item already ended with their worker's death
   * @param suspicion how many times these items were held, unbegun, by a worker that died
   * @param handBacks how many times in a row these items were handed back unstarted
   * @param isolated whether the chunk ran isolated (one suspect item, alone on its worker)
   * @param alone whether it was the only chunk its worker held when the worker was lost
   */
  record Held(int size, int[] open, boolean started, int running, int deaths, int suspicion, int handBacks,
      boolean isolated, boolean alone) {}

  /** A run of a chunk's items to queue again, with the budgets it carries. */
  record Rerun(int from, int to, int deaths, int suspicion, int handBacks, boolean isolated) {}

  /** Why the pool fails an item. */
  enum Cause {
    /** Its worker died with it running alone, on every try. */
    DIED,
    /** It ran past its task timeout. */
    TIMED_OUT,
    /** The backend handed it back unstarted {@value #MAX_HAND_BACKS} times in a row. */
    STUCK
  }

  /** An item to fail, and after how many tries. */
  record Failure(int offset, Cause cause, int tries) {}

  /** The decision for one chunk: what runs again, what fails. */
  record Settlement(List<Rerun> reruns, List<Failure> failures) {
    static final Settlement NONE = new Settlement(List.of(), List.of());
  }

  /** How a worker that held a chunk came to lose it. */
  enum Loss {
    /** It died, or exited with work it had not done. */
    DIED,
    /**
     * It froze before it reported anything of the chunk and was stopped: what it held is uncertain even
     * when it held one item, since it may have been stopped from outside; only an isolated item is blamed.
     */
    FROZE,
    /** It was stopped because another item it ran timed out: the chunk had nothing to do with it. */
    INNOCENT
  }

  /** Settles a chunk held by a worker that is gone. */
  Settlement lost(Held h, Loss how) {
    if (h.open.length == 0) {
      return Settlement.NONE;
    }
    if (how == Loss.INNOCENT) {
      return new Settlement(runs(h.open, -1, 0, h.suspicion, 0, false), List.of());
    }
    int culprit = h.running >= 0 && contains(h.open, h.running) ? h.running : h.open.length == 1 ? h.open[0] : -1;
    if (h.isolated || (how == Loss.DIED && h.alone && culprit >= 0)) {
      // The worker held this one suspect and nothing else: the death is the item's own, begun or not
      // (decoding is part of running). Every other open item of the chunk ran, or never began.
      int tries = h.deaths + 1;
      int item = h.isolated ? h.open[0] : culprit;
      List<Rerun> reruns = runs(h.open, item, 0, h.suspicion, 0, false);
      if (tries <= retries) {
        reruns.add(0, new Rerun(item, item + 1, tries, h.suspicion, 0, true));
        return new Settlement(reruns, List.of());
      }
      return new Settlement(reruns, List.of(new Failure(item, Cause.DIED, tries)));
    }
    if (h.running >= 0 && contains(h.open, h.running)) {
      List<Rerun> reruns = runs(h.open, h.running, 0, h.suspicion, 0, false);
      reruns.add(0, new Rerun(h.running, h.running + 1, 0, h.suspicion, 0, true));
      return new Settlement(reruns, List.of());
    }
    if (!h.started && h.suspicion == 0) {
      return new Settlement(runs(h.open, -1, 0, 1, 0, false), List.of());
    }
    List<Rerun> isolated = new ArrayList<>(h.open.length);
    for (int i : h.open) {
      isolated.add(new Rerun(i, i + 1, 0, h.suspicion + (h.started ? 0 : 1), 0, true));
    }
    return new Settlement(isolated, List.of());
  }

  /** Settles a chunk a live worker gave back without beginning it. */
  Settlement handedBack(Held h) {
    if (h.open.length == 0) {
      return Settlement.NONE;
    }
    int handBacks = h.handBacks + 1;
    if (handBacks >= MAX_HAND_BACKS) {
      List<Failure> failures = new ArrayList<>(h.open.length);
      for (int i : h.open) {
        failures.add(new Failure(i, Cause.STUCK, handBacks));
      }
      return new Settlement(List.of(), failures);
    }
    return new Settlement(runs(h.open, -1, h.deaths, h.suspicion, handBacks, h.isolated), List.of());
  }

  /** Settles a chunk one of whose items ran past its timeout: that item fails, the others run again. */
  Settlement timedOut(Held h, int offset) {
    if (!contains(h.open, offset)) {
      return h.open.length == 0 ? Settlement.NONE
          : new Settlement(runs(h.open, -1, 0, h.suspicion, 0, false), List.of());
    }
    return new Settlement(runs(h.open, offset, 0, h.suspicion, 0, false),
        List.of(new Failure(offset, Cause.TIMED_OUT, 1)));
  }

  /** The decision after a failed start: break the pool, or start again after a delay. */
  record StartDecision(boolean broken, long delayNanos) {}

  /**
   * Decides what follows a worker's failed start.
   *
   * @param kind what kind of failure it was
   * @param everReady whether any worker of the pool was ever ready
   * @param inARow how many starts in a row have failed, this one included
   */
  StartDecision startFailed(StartFailure.Kind kind, boolean everReady, int inARow) {
    boolean systematic = kind == StartFailure.Kind.INITIALIZER
        || (kind == StartFailure.Kind.REFUSED && !everReady)
        || inARow >= MAX_START_FAILURES;
    return new StartDecision(systematic, systematic ? 0 : backoff(inARow));
  }

  /**
   * The delay before starting a worker after {@code inARow} failures in a row (failed starts, or workers
   * that died before they finished a single item): none after one, then doubling, at most
   * {@link #MAX_BACKOFF_NANOS}, so that a crash loop costs little and never spins.
   */
  static long backoff(int inARow) {
    if (inARow <= 1) {
      return 0;
    }
    int doublings = Math.min(inARow - 2, 20);
    return Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << doublings);
  }

  /** Groups open offsets, except {@code skip}, into runs of consecutive items. */
  private static List<Rerun> runs(int[] open, int skip, int deaths, int suspicion, int handBacks, boolean isolated) {
    List<Rerun> out = new ArrayList<>();
    int from = -1;
    int prev = -2;
    for (int i : open) {
      if (i == skip) {
        continue;
      }
      if (i != prev + 1 || isolated) {
        if (from >= 0) {
          out.add(new Rerun(from, prev + 1, deaths, suspicion, handBacks, isolated));
        }
        from = i;
      }
      prev = i;
    }
    if (from >= 0) {
      out.add(new Rerun(from, prev + 1, deaths, suspicion, handBacks, isolated));
    }
    return out;
  }

  private static boolean contains(int[] sorted, int value) {
    return java.util.Arrays.binarySearch(sorted, value) >= 0;
  }
}
