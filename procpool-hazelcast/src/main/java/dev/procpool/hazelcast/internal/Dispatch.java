package dev.procpool.hazelcast.internal;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.WorkerLink;

/**
 * A chunk sent to one member: which member and link hold it, and what code travelled with it (so that
 * the member's answer can confirm the code as cached there).
 */
final class Dispatch {
  final MemberEntry member;
  final WorkerLink link;
  final Chunk chunk;
  final ChunkTask task;
  final boolean sentSpec;
  final boolean sentFunction;
  /** When it was sent (System.nanoTime): a chunk sent after its member fell under suspicion never reached it. */
  final long sentAt = System.nanoTime();

  Dispatch(MemberEntry member, WorkerLink link, Chunk chunk, ChunkTask task) {
    this.member = member;
    this.link = link;
    this.chunk = chunk;
    this.task = task;
    this.sentSpec = task.spec != null;
    this.sentFunction = task.function != null;
  }

  @Override
  public String toString() {
    return chunk + " on " + member;
  }
}
