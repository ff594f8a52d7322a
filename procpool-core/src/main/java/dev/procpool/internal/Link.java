package dev.procpool.internal;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The engine's ledger of one worker: the chunks it holds, what it said of them, its tasks-per-worker
 * budget and when it last reported anything. Facts pass through to the calls at once; what they mean when
 * the worker is gone is decided by the engine's {@link FailurePolicy}.
 *
 * <p>Lock order: the engine's lock before this link's monitor, never the other way round.
 */
final class Link implements WorkerLink {
  private final Engine engine;
  private final int id;
  final WorkerControl control;
  final long enrolledAt = System.nanoTime();
  /** The pool's tasks-per-worker limit for this worker, or 0 for none. */
  private final int maxTasks;

  // guarded by this
  private final ArrayDeque<WorkChunk> held = new ArrayDeque<>();
  private long assigned;
  private boolean retiring;
  private boolean gone;
  private boolean stopRequested;

  /** How many chunks it holds, and whether one is isolated: read by the engine's queue without this lock. */
  private volatile int holding;
  private volatile boolean holdsIsolated;
  private volatile boolean ready;
  /**
   * Counts its reports, so that the frozen-worker watch can tell whether it said anything since its last
   * look without a clock read per report (a lost increment between two threads still changes the count).
   */
  private volatile long reports;
  /** What the watch saw last, and when the count last changed (guarded by this). */
  private long reportsSeen = -1;
  private long lastReport = System.nanoTime();
  private final StatsRecorder.Row statsRow;
  /** Items it completed or failed since it was ready: a worker that dies before its first is a crash loop. */
  private volatile long outcomes;

  Link(Engine engine, int id, WorkerControl control, int maxTasks) {
    this.engine = engine;
    this.id = id;
    this.control = control;
    this.maxTasks = control.recycledAsOne() ? maxTasks : 0;
    this.statsRow = engine.stats.row(id);
  }

  @Override
  public int id() {
    return id;
  }

  // ------------------------------------------------------------------ start

  @Override
  public void ready(String detail) {
    if (ready) {
      return;
    }
    ready = true;
    engine.verdicts.ready(this, detail == null ? "" : detail);
  }

  boolean isReady() {
    return ready;
  }

  @Override
  public Verdict startFailed(StartFailure failure) {
    List<WorkChunk> left = leave();
    if (left == null) {
      return Verdict.RETIRE;
    }
    return engine.verdicts.startFailed(this, failure, left);
  }

  // ------------------------------------------------------------------ taking work

  @Override
  public Chunk take() throws InterruptedException {
    return engine.take(this, -1);
  }

  @Override
  public Chunk poll(long timeout, TimeUnit unit) throws InterruptedException {
    return engine.take(this, Math.max(0, unit.toNanos(timeout)));
  }

  /** Whether the engine may give this worker {@code chunk} now; called under the engine's lock. */
  boolean mayTake(WorkChunk chunk) {
    if (holdsIsolated) {
      return false;
    }
    return !chunk.isolated || holding == 0;
  }

  /** Whether this worker takes no more work: gone, or its task budget is spent. Called under the engine's lock. */
  synchronized boolean closed() {
    return gone || retiring;
  }

  /** Hands the chunk to this worker; called under the engine's lock. */
  synchronized void assign(WorkChunk chunk) {
    chunk.holder = this;
    chunk.takenAt = System.nanoTime();
    held.addLast(chunk);
    holding = held.size();
    if (chunk.isolated) {
      holdsIsolated = true;
    }
    assigned += chunk.size();
    if (maxTasks > 0 && assigned >= maxTasks) {
      retiring = true;
    }
  }

  // ------------------------------------------------------------------ facts

  @Override
  public void started(Chunk chunk) {
    WorkChunk c = (WorkChunk) chunk;
    c.started = true;
    reports++;
  }

  @Override
  public void running(Chunk chunk, int offset) {
    WorkChunk c = (WorkChunk) chunk;
    c.running = offset;
    c.started = true;
    reports++;
  }

  @Override
  public void completed(Chunk chunk, int offset, List<?> results) {
    WorkChunk c = (WorkChunk) chunk;
    reports++;
    if (results.isEmpty()) {
      return;
    }
    outcomes += results.size();
    c.reported += results.size();
    StatsRecorder.tasks(statsRow, results.size()); // before the results: stats() right after the call counts them
    c.call.onResults(c.firstIndex() + offset, results);
  }

  @Override
  public void failed(Chunk chunk, int offset, Throwable error) {
    WorkChunk c = (WorkChunk) chunk;
    reports++;
    outcomes++;
    c.reported++;
    StatsRecorder.tasks(statsRow, 1);
    c.call.onFailure(c.firstIndex() + offset, error, false);
  }

  @Override
  public void finished(Chunk chunk) {
    finished(chunk, 0);
  }

  @Override
  public void finished(Chunk chunk, long bytes) {
    WorkChunk c = (WorkChunk) chunk;
    reports++;
    if (!release(c)) {
      return;
    }
    if (c.takenAt != 0) {
      c.call.chunkDone(c.size(), System.nanoTime() - c.takenAt, bytes);
    }
    if (c.reported < c.size() && !c.call.isCancelled() && ChunkSettler.hasOpenItems(c)) {
      // It says it is done, yet items of a live job have no outcome: they count as lost with a dead worker
      // (so that they fail rather than loop if this keeps happening).
      engine.settler.lost(c, FailurePolicy.Loss.DIED, "worker " + id + " finished the chunk without running all its"
          + " items", null, false);
    }
  }

  @Override
  public void handBack(Chunk chunk, String why) {
    WorkChunk c = (WorkChunk) chunk;
    reports++;
    if (release(c)) {
      engine.settler.handedBack(c, why);
    }
  }

  @Override
  public void timedOut(Chunk chunk, int offset) {
    WorkChunk c = (WorkChunk) chunk;
    reports++;
    if (release(c)) {
      engine.settler.timedOut(c, offset);
    }
  }

  @Override
  public void activity(long busyNanos, long bytesIn, long bytesOut) {
    engine.stats.activity(id, busyNanos, bytesIn, bytesOut);
  }

  // ------------------------------------------------------------------ end

  @Override
  public Verdict gone(Exit exit) {
    List<WorkChunk> left = leave();
    if (left == null) {
      return Verdict.RETIRE;
    }
    return engine.verdicts.gone(this, exit, left);
  }

  /** Marks the worker gone and takes what it held; null if it was gone already. */
  private List<WorkChunk> leave() {
    List<WorkChunk> left;
    boolean wasIsolated;
    synchronized (this) {
      if (gone) {
        return null;
      }
      gone = true;
      left = new ArrayList<>(held);
      held.clear();
      holding = 0;
      wasIsolated = holdsIsolated;
      holdsIsolated = false;
    }
    engine.forget(this);
    engine.linkReleased(wasIsolated, true);
    return left;
  }

  /** Removes a chunk from the ledger; false if this worker does not hold it (any more). */
  private boolean release(WorkChunk c) {
    boolean empty;
    boolean wasIsolated;
    synchronized (this) {
      if (gone || c.holder != this || !held.remove(c)) {
        return false;
      }
      holding = held.size();
      empty = held.isEmpty();
      wasIsolated = c.isolated;
      if (wasIsolated) {
        holdsIsolated = false;
      }
    }
    engine.linkReleased(wasIsolated, empty);
    return true;
  }

  // ------------------------------------------------------------------ for the engine

  /** Whether it retired because it spent its task budget (not because the pool is done). */
  synchronized boolean recycled() {
    return retiring;
  }

  long outcomes() {
    return outcomes;
  }

  /** Chunks it holds that never began, for shutdownNow(). */
  synchronized List<WorkChunk> unstarted() {
    List<WorkChunk> out = new ArrayList<>();
    for (WorkChunk c : held) {
      if (!c.started) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Returns why this worker must be stopped as frozen, or null: it holds a chunk with a task timeout and
   * has reported nothing since that chunk was taken, for longer than the timeout plus a grace period. The
   * first non-null answer is the only one.
   */
  synchronized String frozen(long now) {
    if (gone || stopRequested) {
      return null;
    }
    long count = reports;
    if (count != reportsSeen) {
      reportsSeen = count;
      lastReport = now; // within one period of the watch: precise enough for a limit of seconds
    }
    for (WorkChunk c : held) {
      java.time.Duration timeout = c.call.taskTimeout();
      if (timeout == null) {
        continue;
      }
      long t = timeout.toNanos();
      long quietSince = Math.max(c.takenAt, lastReport);
      long limit = t + Math.max(t, FrozenWorkerWatch.GRACE_NANOS);
      if (now - quietSince > limit) {
        stopRequested = true;
        return "worker " + id + " holds " + c + ", whose task timeout is " + timeout + ", and has reported nothing for "
            + TimeUnit.NANOSECONDS.toMillis(now - quietSince) + " ms: it is frozen or cut off";
      }
    }
    return null;
  }
}
