package dev.procpool.hazelcast.internal;

import java.util.LinkedHashSet;
import java.util.concurrent.TimeUnit;

/**
 * Decides when a pool has no members: none has been healthy for the failure detection time, or the
 * Hazelcast instance it runs on has shut down. From then until a member is healthy again, every pending
 * call, and every call made meanwhile, fails with a {@link dev.procpool.NoWorkersException} whose
 * message says so and names the members lost last, so that no call waits for members that may never
 * come, and no item is blamed.
 *
 * <p>Not thread-safe: the directory calls it under its lock.
 */
final class NoMembersWatch {
  private static final int ADDRESSES_SHOWN = 8;

  private final long detectionNanos;
  /** The members lost most recently, the last last. */
  private final LinkedHashSet<String> lost = new LinkedHashSet<>();
  private long noneSince = -1;
  private boolean declared;
  private String instanceGone;

  NoMembersWatch(long detectionNanos) {
    this.detectionNanos = detectionNanos;
  }

  /** A member was lost (suspect, leaving, left): one of the last members, for the message. */
  void lost(String address) {
    lost.remove(address);
    lost.add(address);
    while (lost.size() > ADDRESSES_SHOWN) {
      lost.remove(lost.iterator().next());
    }
  }

  /** A member answers again: it is not lost. */
  void back(String address) {
    lost.remove(address);
  }

  /**
   * The Hazelcast instance shut down: the pool has no members from now on, whatever else happens.
   *
   * @return false if it was known already
   */
  boolean instanceGone() {
    if (instanceGone != null) {
      return false;
    }
    instanceGone = "the Hazelcast instance this pool runs on has shut down (a client does so once it could not"
        + " reconnect in time), so no cluster member can run its work; the last members were "
        + (lost.isEmpty() ? "unknown" : String.join(", ", lost)) + ". Create a new pool on a running instance";
    return true;
  }

  /** Why the members are out of reach, once the instance is gone; else null. */
  String instanceGoneWhy() {
    return instanceGone;
  }

  /** Whether the pool declared that it has no members: the calls pending then have failed. */
  boolean declared() {
    return declared;
  }

  /** What a check found. */
  enum State {
    /** A member is healthy. */
    MEMBERS,
    /** Members are back after the pool had declared it had none. */
    BACK,
    /** None is healthy, for less than the failure detection time so far. */
    WAITING,
    /** None is: calls fail. */
    NONE
  }

  /**
   * Checks, at {@code now}, whether the pool has members.
   *
   * @param healthy whether a member is healthy now
   */
  State check(boolean healthy, long now) {
    if (healthy && instanceGone == null) {
      State s = declared ? State.BACK : State.MEMBERS;
      if (declared) {
        lost.clear();
      }
      noneSince = -1;
      declared = false;
      return s;
    }
    if (noneSince < 0) {
      noneSince = now;
    }
    if (instanceGone == null && now - noneSince < detectionNanos) {
      return State.WAITING;
    }
    declared = true;
    return State.NONE;
  }

  /** The message calls fail with, while the pool has no members. */
  String why(long now) {
    if (instanceGone != null) {
      return instanceGone;
    }
    String last = lost.isEmpty() ? "none was ever seen" : "the last were " + String.join(", ", lost);
    return "the cluster has no members that can run this pool's work (" + last + "; none has answered for "
        + TimeUnit.NANOSECONDS.toMillis(now - noneSince) + " ms: they died, left, or cannot be reached). Start"
        + " cluster nodes (NodeLauncher) or restore the network, then submit the work again: the pool takes it as"
        + " soon as a member answers";
  }
}
