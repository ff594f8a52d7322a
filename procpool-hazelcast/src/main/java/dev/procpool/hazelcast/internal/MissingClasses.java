package dev.procpool.hazelcast.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which calls each member cannot run for want of a class, and which members wait for another to take a
 * chunk they handed back. A member that lacks a class for a call hands its chunks back; so that such a
 * chunk goes to the others and not straight back to it, the member takes nothing until another member
 * took that chunk, the call is over, or no member that answers can run the call (then the member takes
 * the chunk again and fails its items, naming every member that lacks the class).
 *
 * <p>Thread-safe; never calls out while holding its monitor, so it may be called under the directory's
 * lock.
 */
final class MissingClasses {
  /** Stands for every job of the pool: the member cannot even read the pool's initializer. */
  static final long WHOLE_POOL = -1;

  // guarded by this
  private final Map<MemberEntry, Map<Long, ChunkOutcome>> missing = new HashMap<>();
  /** Member to the chunk it waits for another to take: {job id, first index}. */
  private final Map<MemberEntry, long[]> waiting = new HashMap<>();

  /** Records that the member cannot run the job ({@link #WHOLE_POOL} for every job). */
  synchronized void record(MemberEntry member, long jobId, ChunkOutcome why) {
    missing.computeIfAbsent(member, m -> new HashMap<>()).put(jobId, why);
  }

  /** Why the member cannot run the job, or null if it can. */
  synchronized ChunkOutcome why(MemberEntry member, long jobId) {
    Map<Long, ChunkOutcome> m = missing.get(member);
    if (m == null) {
      return null;
    }
    ChunkOutcome o = m.get(WHOLE_POOL);
    return o != null ? o : m.get(jobId);
  }

  /**
   * Returns why each member cannot run the job if none of {@code up} can, or null if one can.
   *
   * @param up the members that answer or may answer again
   */
  synchronized List<ChunkOutcome> noneCanRun(long jobId, Collection<MemberEntry> up) {
    if (someCanRun(jobId, up)) {
      return null;
    }
    List<ChunkOutcome> why = new ArrayList<>();
    for (MemberEntry m : missing.keySet()) {
      ChunkOutcome o = why(m, jobId);
      if (o != null) {
        why.add(o);
      }
    }
    return why;
  }

  /**
   * Makes the member wait until another takes the chunk it handed back, if one of {@code up} can run it.
   *
   * @return whether it waits
   */
  synchronized boolean await(MemberEntry member, long jobId, long firstIndex, Collection<MemberEntry> up) {
    if (!someCanRun(jobId, up)) {
      return false;
    }
    waiting.put(member, new long[] {jobId, firstIndex});
    return true;
  }

  /** Whether the member waits for another to take a chunk. */
  synchronized boolean isWaiting(MemberEntry member) {
    return waiting.containsKey(member);
  }

  /**
   * A member took a chunk: those that wait for another to take it may go on.
   *
   * @return whether any member may go on
   */
  synchronized boolean taken(long jobId, long firstIndex, MemberEntry by) {
    return waiting.entrySet().removeIf(w -> w.getKey() != by && w.getValue()[0] == jobId
        && w.getValue()[1] == firstIndex);
  }

  /**
   * The job is over: forget it.
   *
   * @return whether a member that waited may go on
   */
  synchronized boolean jobFinished(long jobId) {
    for (Map<Long, ChunkOutcome> m : missing.values()) {
      m.remove(jobId);
    }
    return waiting.values().removeIf(w -> w[0] == jobId);
  }

  /**
   * Members that wait stop waiting once none of {@code up} can run the chunk they handed back.
   *
   * @return whether any member may go on
   */
  synchronized boolean releaseStranded(Collection<MemberEntry> up) {
    boolean any = false;
    for (Iterator<long[]> it = waiting.values().iterator(); it.hasNext(); ) {
      if (!someCanRun(it.next()[0], up)) {
        it.remove();
        any = true;
      }
    }
    return any;
  }

  /** The member left. */
  synchronized void forget(MemberEntry member) {
    missing.remove(member);
    waiting.remove(member);
  }

  private boolean someCanRun(long jobId, Collection<MemberEntry> up) { // under this monitor
    for (MemberEntry m : up) {
      if (why(m, jobId) == null) {
        return true;
      }
    }
    return false;
  }
}
