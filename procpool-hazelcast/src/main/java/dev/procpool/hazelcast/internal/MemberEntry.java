package dev.procpool.hazelcast.internal;

import com.hazelcast.cluster.Member;
import dev.procpool.spi.Exit;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * One data member as a pool sees it: its link to the engine (the member is one worker there), what it
 * holds, its health and its share of the chunks in flight. Mutable state is
 * guarded by the {@link MemberDirectory}'s lock; only the member's {@link MemberSender} thread reports
 * the end of its link, so that an end never races with that link's {@code take()}.
 */
final class MemberEntry implements WorkerControl {

  /** Whether the member gets chunks. */
  enum Health {
    /** It answers: it gets chunks. */
    HEALTHY,
    /** A chunk sent to it failed as if it were gone, or it looked frozen: no chunks until it answers a ping or leaves. */
    SUSPECT,
    /** It is leaving gracefully (it handed a chunk back because it is draining): no more chunks. */
    LEAVING,
    /** It left the cluster; its sender reports the link gone and ends. */
    DEPARTED
  }

  final Member member;
  final UUID uuid;
  final String address;
  final int capacity;
  final CodeShipping.MemberCode code = new CodeShipping.MemberCode();
  private final MemberDirectory directory;

  // guarded by the directory's lock
  WorkerLink link;
  Health health = Health.HEALTHY;
  long suspectSince;
  boolean probing;
  /** Chunks sent through the current link and not yet settled. */
  final Set<Dispatch> held = new LinkedHashSet<>();
  /** Of those, the ones whose answer was lost with the connection: settled when the member's fate is known. */
  final Set<Dispatch> unanswered = new LinkedHashSet<>();
  /** How many chunks it may hold at once. */
  int quota;
  /** Set by its sender while it waits in {@code take()}, so that a departure can interrupt the wait. */
  boolean inTake;
  Thread sender;
  /** How it left, for its sender to report. */
  Exit departure;
  /** When it left (System.nanoTime). */
  long departedAt;
  /**
   * Whether its sender may report its departure: once another member answered after it (the cluster
   * survived it, so the death is its own), or once the pool declared it has no members (its calls failed
   * first, blaming no item).
   */
  boolean mayEnd;
  /** When it last answered anything (System.nanoTime); written without the lock. */
  volatile long lastAnswer;
  /** Its initializer failed, for its sender to report. */
  StartFailure startFailure;

  MemberEntry(MemberDirectory directory, Member member) {
    this.directory = directory;
    this.member = member;
    this.uuid = member.getUuid();
    this.address = String.valueOf(member.getAddress());
    this.capacity = ClusterBackend.capacityOf(member);
  }

  /**
   * The engine found the member silent for longer than a task timeout allows. A member cannot be killed
   * from here, and Hazelcast's failure detection removes a member that is really frozen; so it becomes
   * suspect, gets no more chunks, and is pinged: one that answers was only busy with long chunks.
   */
  @Override
  public void stop(String reason) {
    directory.suspect(this, "it looked frozen: " + reason);
  }

  /**
   * True: the engine counts the pool's {@code maxTasksPerChild} over the whole member too and then
   * replaces this link with a fresh one once its chunks are done, which is what the pool's statistics show
   * as a recycled worker. The member's threads each apply the limit themselves as well, which is what
   * bounds the items any one thread runs.
   */
  @Override
  public boolean recycledAsOne() {
    return true;
  }

  @Override
  public String toString() {
    return "cluster member " + address;
  }
}
