package dev.procpool.spi;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One worker's link to the engine, from {@link WorkSource#enrol}: the worker takes its chunks here and
 * reports here, as facts, what happened to them and to itself. The engine keeps the ledger of what each
 * worker holds, so a backend never tracks chunks for the engine's sake: when a worker is gone, one call to
 * {@link #gone} settles everything it held.
 *
 * <p>The life of a worker, as a backend drives it:
 *
 * <pre>{@code
 * WorkerLink link = source.enrol(reason -> killIt());
 * ... launch it, run the initializer ...        // failed: replace per link.startFailed(failure)
 * link.ready("pid 1234");
 * for (Chunk c; (c = link.take()) != null; ) {   // null: finish what you hold, then exit
 *   ... send it; the worker runs it ...
 *   link.started(c);                              // or link.running(c, i) before each item
 *   link.completed(c, 0, results);                // runs of results; link.failed(c, i, e) per failure
 *   link.finished(c);
 * }
 * Verdict v = link.gone(Exit.of(Exit.Kind.EXITED, ""));   // or DIED, TIMED_OUT, STOPPED, TERMINATED
 * if (v.replace()) { start another after v.delayNanos() }
 * }</pre>
 *
 * <p>Reports are idempotent where a backend cannot avoid repeating itself: an outcome reported twice for
 * the same item (a duplicate from a cluster, a late answer from a worker already written off) counts once,
 * and facts about a worker after {@link #gone} change nothing but the items' outcomes.
 *
 * <p>Thread-safe: any thread of the backend may report, but never while holding a lock that another
 * caller of {@link #take} may need.
 */
public interface WorkerLink {

  /**
   * Returns the worker's id, unique within the pool and never reused; use it in thread names and logs so
   * that they match the pool's statistics.
   *
   * @return the id, from 1
   */
  int id();

  /**
   * Reports that the worker is ready for work: its initializer has run. The engine measures the start-up
   * time from {@link WorkSource#enrol}.
   *
   * @param detail a short account for logs and statistics (a process id, a member address), may be empty
   */
  void ready(String detail);

  /**
   * Reports that the worker could not be made ready, and asks what to do. A systematic failure (the
   * initializer throws; workers cannot be launched at all; start after start fails) breaks the pool: every
   * pending call fails with a {@link dev.procpool.WorkerStartException} and the verdict says not to replace
   * the worker. An accident is answered with a replacement after a back-off delay.
   *
   * @param failure what happened
   * @return whether and when to start another worker
   */
  Verdict startFailed(StartFailure failure);

  /**
   * Waits for the next chunk for this worker.
   *
   * @return the next chunk, or null when the worker must take no more: it should finish what it holds and
   *     exit, then report {@link Exit.Kind#EXITED} (the pool is done, or the worker reached the pool's
   *     tasks-per-worker limit, in which case the verdict replaces it)
   * @throws InterruptedException if interrupted while waiting
   */
  Chunk take() throws InterruptedException;

  /**
   * Returns the next chunk for this worker if one is ready within the given time: for taking more chunks
   * while the worker has room, or for a backend that routes chunks itself.
   *
   * @param timeout how long to wait, 0 for not at all
   * @param unit the unit of {@code timeout}
   * @return the next chunk, or null if none came in time or this worker must take no more (see
   *     {@link #take()})
   * @throws InterruptedException if interrupted while waiting
   */
  Chunk poll(long timeout, TimeUnit unit) throws InterruptedException;

  /**
   * Reports that the worker began the chunk, without saying which item runs. If the worker then dies,
   * each of the chunk's items without an outcome is a suspect.
   *
   * @param chunk a chunk this worker holds
   */
  void started(Chunk chunk);

  /**
   * Reports that one item of the chunk began and runs until the next report on the chunk. If the worker
   * then dies, only that item is a suspect. Backends that can afford one report per item (those that
   * time items) should use this rather than {@link #started}.
   *
   * @param chunk a chunk this worker holds
   * @param offset the offset of the item that began
   */
  void running(Chunk chunk, int offset);

  /**
   * Reports results of consecutive items of a chunk.
   *
   * @param chunk the chunk
   * @param offset the offset within the chunk of {@code results.get(0)}
   * @param results the results, in item order
   */
  void completed(Chunk chunk, int offset, List<?> results);

  /**
   * Reports that the function threw for one item, or that the item could not be run (it could not be sent
   * or read, its result could not be sent back).
   *
   * @param chunk the chunk
   * @param offset the offset of the item within the chunk
   * @param error what the function threw (for remote workers, a faithful copy), or what went wrong
   */
  void failed(Chunk chunk, int offset, Throwable error);

  /**
   * Reports that the worker is done with the chunk: every item it ran has an outcome reported. Items it
   * skipped because their job was cancelled need none.
   *
   * @param chunk the chunk
   */
  void finished(Chunk chunk);

  /**
   * Reports, like {@link #finished(Chunk)}, that the worker is done with the chunk, and how many bytes the
   * chunk and its results took on their way (encoded, both directions). A backend that knows this should
   * say it: the engine then sizes adaptive chunks by bytes as well as by time, so that chunks of tiny items
   * grow large enough to hide their per-chunk cost while chunks of large items stay small enough to bound
   * what read-ahead keeps in memory. By default the same as {@link #finished(Chunk)}.
   *
   * @param chunk the chunk
   * @param bytes bytes sent and received for this chunk, 0 if unknown
   */
  default void finished(Chunk chunk, long bytes) {
    finished(chunk);
  }

  /**
   * Gives back a chunk the worker never began, while the worker goes on (recalled from behind a long
   * task, refused by a member that is leaving, not sent because the worker is stopping). It runs again
   * elsewhere as it was.
   *
   * @param chunk the chunk
   * @param why a short account for messages
   */
  void handBack(Chunk chunk, String why);

  /**
   * Reports that an item ran past its job's {@link Job#taskTimeout()} and was stopped; the item fails with a
   * {@link dev.procpool.TaskTimeoutException} and the chunk's other items run again. If stopping it ended
   * the worker too, report that next with {@link Exit.Kind#TIMED_OUT}.
   *
   * @param chunk the chunk
   * @param offset the offset of the item that timed out
   */
  void timedOut(Chunk chunk, int offset);

  /**
   * Records what the worker did, for statistics only (items are counted from the outcomes).
   *
   * @param busyNanos time spent running items since the last report
   * @param bytesIn bytes the worker received (chunks) since the last report, 0 if not applicable
   * @param bytesOut bytes the worker sent back (results) since the last report, 0 if not applicable
   */
  void activity(long busyNanos, long bytesIn, long bytesOut);

  /**
   * Reports that the worker, after it had been ready, has ended; the engine settles every chunk it still
   * held (re-runs, isolates, fails or retries items) and says whether to replace it. Call it once, after
   * the worker's last report.
   *
   * @param exit how it ended
   * @return whether and when to start another worker in its place
   */
  Verdict gone(Exit exit);
}
