package dev.procpool.internal;

import dev.procpool.WorkerStats;
import dev.procpool.spi.Exit;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decides what follows a worker's start or end: records it for statistics and logs, settles what it held,
 * and answers its backend with a {@link Verdict} (replace it, after what delay, or not), breaking the pool
 * when starting fails systematically. It remembers what a single event cannot show: whether any worker was
 * ever ready, how many starts in a row failed and why, how many workers in a row died before doing
 * anything.
 */
final class WorkerVerdicts {
  private static final System.Logger LOG = System.getLogger("dev.procpool");
  /** How many failed starts a broken pool's message shows. */
  private static final int STARTS_SHOWN = 3;

  private final Engine engine;
  private final ChunkSettler settler;
  private final StatsRecorder stats;
  private final String poolName;

  // guarded by this
  private boolean everReady;
  private int startFailuresInARow;
  private int quickDeathsInARow;
  private final ArrayDeque<String> lastStartFailures = new ArrayDeque<>();

  WorkerVerdicts(Engine engine, ChunkSettler settler, StatsRecorder stats, String poolName) {
    this.engine = engine;
    this.settler = settler;
    this.stats = stats;
    this.poolName = poolName;
  }

  void ready(Link link, String detail) {
    synchronized (this) {
      everReady = true;
      startFailuresInARow = 0;
      lastStartFailures.clear();
    }
    stats.started(link.id(), System.nanoTime() - link.enrolledAt);
    LOG.log(Level.DEBUG, "{0}: worker {1} started{2}", poolName, link.id(), detail.isEmpty() ? "" : ": " + detail);
  }

  Verdict startFailed(Link link, StartFailure failure, List<WorkChunk> held) {
    for (WorkChunk c : held) {
      settler.lost(c, FailurePolicy.Loss.DIED, "worker " + link.id() + " failed while starting: " + failure.detail(),
          failure.cause(), held.size() == 1);
    }
    if (engine.isFinished()) {
      return Verdict.RETIRE; // the pool is done, terminated or broken already: nothing to judge
    }
    int inARow;
    boolean ready;
    List<String> last;
    synchronized (this) {
      inARow = ++startFailuresInARow;
      lastStartFailures.addLast(failure.detail());
      while (lastStartFailures.size() > STARTS_SHOWN) {
        lastStartFailures.removeFirst();
      }
      ready = everReady;
      last = new ArrayList<>(lastStartFailures);
    }
    FailurePolicy.StartDecision decision = settler.policy().startFailed(failure.kind(), ready, inARow);
    if (decision.broken()) {
      engine.breakPool(brokenMessage(failure, inARow, last), failure.cause());
      return Verdict.RETIRE;
    }
    LOG.log(Level.DEBUG, "{0}: worker {1} failed to start ({2}); starting another in {3} ms", poolName,
        link.id(), failure.detail(), TimeUnit.NANOSECONDS.toMillis(decision.delayNanos()));
    return new Verdict(true, decision.delayNanos());
  }

  private static String brokenMessage(StartFailure failure, int inARow, List<String> last) {
    if (failure.kind() == StartFailure.Kind.INITIALIZER) {
      return failure.detail() + "; the pool is broken and takes no more work: fix the initializer and create a new pool";
    }
    if (inARow < FailurePolicy.MAX_START_FAILURES) {
      return failure.detail() + "; no worker of this pool could start, so the pool is broken and takes no more work:"
          + " fix the worker settings and create a new pool";
    }
    StringBuilder m = new StringBuilder().append(inARow).append(" worker starts in a row failed; the last ")
        .append(last.size()).append(':');
    for (int i = 0; i < last.size(); i++) {
      m.append(" (").append(i + 1).append(") ").append(last.get(i));
    }
    return m.append("; the pool is broken and takes no more work: find out what kills its workers while they start"
        + " (memory limits, an OOM killer, an operator), fix the worker settings, and create a new pool").toString();
  }

  Verdict gone(Link link, Exit exit, List<WorkChunk> held) {
    // Statistics first: a caller whose call fails with these chunks must find the death in stats().
    boolean recycled = exit.kind() == Exit.Kind.EXITED && link.recycled();
    WorkerStats.Restart end = switch (exit.kind()) {
      case EXITED -> recycled ? WorkerStats.Restart.RECYCLING : WorkerStats.Restart.SHUTDOWN;
      case DIED, STOPPED -> WorkerStats.Restart.CRASH;
      case TIMED_OUT -> WorkerStats.Restart.TIMEOUT;
      case TERMINATED -> WorkerStats.Restart.SHUTDOWN;
    };
    stats.ended(link.id(), end);
    logEnd(link, exit, recycled);
    if (exit.kind() != Exit.Kind.TERMINATED) {
      FailurePolicy.Loss how = switch (exit.kind()) {
        case TIMED_OUT -> FailurePolicy.Loss.INNOCENT;
        case STOPPED -> FailurePolicy.Loss.FROZE;
        default -> FailurePolicy.Loss.DIED;
      };
      String detail = exit.detail().isEmpty() ? "worker " + link.id() + " " + describe(exit.kind()) : exit.detail();
      for (WorkChunk c : held) {
        settler.lost(c, how, detail, exit.cause(), held.size() == 1);
      }
    }
    if (exit.kind() == Exit.Kind.TERMINATED || engine.isFinished()) {
      return Verdict.RETIRE;
    }
    if (exit.kind() == Exit.Kind.EXITED) {
      return Verdict.REPLACE;
    }
    int quick;
    synchronized (this) {
      // A worker that dies holding nothing, before finishing a single item, is not killed by a task: a
      // crash loop (something in the worker kills it) must not spin.
      boolean loop = exit.kind() == Exit.Kind.DIED && held.isEmpty() && link.outcomes() == 0;
      quick = quickDeathsInARow = loop ? quickDeathsInARow + 1 : 0;
    }
    return new Verdict(true, FailurePolicy.backoff(quick));
  }

  private void logEnd(Link link, Exit exit, boolean recycled) {
    Level level = switch (exit.kind()) {
      case DIED, TIMED_OUT, STOPPED -> Level.INFO;
      case EXITED, TERMINATED -> Level.DEBUG;
    };
    String what = recycled ? "recycled" : describe(exit.kind());
    LOG.log(level, "{0}: worker {1} {2}{3}", poolName, link.id(), what, exit.detail().isEmpty() ? "" : ": " + exit.detail());
  }

  private static String describe(Exit.Kind kind) {
    return switch (kind) {
      case EXITED -> "exited";
      case DIED -> "died";
      case TIMED_OUT -> "was stopped for a task timeout";
      case STOPPED -> "was stopped as frozen";
      case TERMINATED -> "was terminated";
    };
  }
}
