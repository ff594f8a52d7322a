package dev.procpool.hazelcast.internal;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkerLink;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The link of one member worker thread to its {@link MemberPool}: the thread backend's worker takes its
 * chunks here and reports here, exactly as it would to the engine, and the reports become the chunk's
 * answer to the caller. It counts the thread's items at chunk boundaries, as the engine counts a worker's,
 * so that {@code maxTasksPerChild} holds per member thread.
 */
final class MemberLink implements WorkerLink {
  private final MemberPool pool;
  private final int id;
  private final int maxTasks;
  // guarded by the pool's lock
  private long assigned;
  private boolean retiring;
  /** The chunk the thread runs now: a thread runs one at a time. */
  volatile MemberChunk current;

  MemberLink(MemberPool pool, int id, int maxTasks) {
    this.pool = pool;
    this.id = id;
    this.maxTasks = maxTasks;
  }

  @Override
  public int id() {
    return id;
  }

  /** Counts a chunk the thread takes; called under the pool's lock. */
  void assign(MemberChunk chunk) {
    current = chunk;
    assigned += chunk.size();
    if (maxTasks > 0 && assigned >= maxTasks) {
      retiring = true;
    }
  }

  /** Whether the thread takes no more chunks (it reached maxTasksPerChild); called under the pool's lock. */
  boolean retiring() {
    return retiring;
  }

  @Override
  public void ready(String detail) {
    // A member thread's start-up is its own business: the caller's statistics have a row per member.
  }

  @Override
  public Verdict startFailed(StartFailure failure) {
    return pool.startFailed(failure);
  }

  @Override
  public Chunk take() throws InterruptedException {
    return pool.next(this, -1);
  }

  @Override
  public Chunk poll(long timeout, TimeUnit unit) throws InterruptedException {
    return pool.next(this, Math.max(0, unit.toNanos(timeout)));
  }

  @Override
  public void started(Chunk chunk) {
    // The caller counts a chunk as begun once it is sent: a member runs what it is sent at once.
  }

  @Override
  public void running(Chunk chunk, int offset) {
    // See started().
  }

  @Override
  public void completed(Chunk chunk, int offset, List<?> results) {
    ((MemberChunk) chunk).completed(offset, results);
  }

  @Override
  public void failed(Chunk chunk, int offset, Throwable error) {
    ((MemberChunk) chunk).failed(offset, error);
  }

  @Override
  public void finished(Chunk chunk) {
    pool.answer(this, (MemberChunk) chunk, ChunkOutcome.Kind.DONE, -1);
  }

  @Override
  public void handBack(Chunk chunk, String why) {
    pool.answer(this, (MemberChunk) chunk, ChunkOutcome.Kind.HANDED_BACK, -1);
  }

  @Override
  public void timedOut(Chunk chunk, int offset) {
    pool.answer(this, (MemberChunk) chunk, ChunkOutcome.Kind.TIMED_OUT, offset);
  }

  @Override
  public void activity(long busyNanos, long bytesIn, long bytesOut) {
    MemberChunk c = current;
    if (c != null) {
      c.busy(busyNanos);
    }
  }

  @Override
  public Verdict gone(Exit exit) {
    MemberChunk c = current;
    if (c != null) {
      // The thread failed outside a task, or the pool closed under it: the caller gets what ran, and the
      // engine there decides about the rest.
      pool.answer(this, c, ChunkOutcome.Kind.DONE, -1);
    }
    return pool.threadGone();
  }
}
