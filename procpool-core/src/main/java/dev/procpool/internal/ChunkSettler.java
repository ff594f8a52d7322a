package dev.procpool.internal;

import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerDiedException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Settles a chunk that left its worker without every outcome: asks {@link FailurePolicy} what the facts
 * mean and carries the decision out, failing items with the exception that says why and queueing the
 * items that run again, first in line, with the budgets they carry.
 */
final class ChunkSettler {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  private final FailurePolicy policy;
  private final EngineSettings settings;
  /** Puts chunks first in the engine's queue, keeping their order. */
  private final Consumer<List<WorkChunk>> requeueFirst;

  ChunkSettler(EngineSettings settings, Consumer<List<WorkChunk>> requeueFirst) {
    this.policy = new FailurePolicy(settings.retries());
    this.settings = settings;
    this.requeueFirst = requeueFirst;
  }

  FailurePolicy policy() {
    return policy;
  }

  /**
   * Settles a chunk held by a worker that is gone.
   *
   * @param alone whether it was the only chunk its worker held
   */
  void lost(WorkChunk c, FailurePolicy.Loss how, String detail, Throwable cause, boolean alone) {
    if (!c.call.isCancelled()) {
      apply(c, policy.lost(held(c, alone), how), detail, cause);
    }
  }

  void handedBack(WorkChunk c, String why) {
    if (!c.call.isCancelled()) {
      apply(c, policy.handedBack(held(c, false)), why, null);
    }
  }

  void timedOut(WorkChunk c, int offset) {
    if (!c.call.isCancelled()) {
      apply(c, policy.timedOut(held(c, false), offset), "timed out", null);
    }
  }

  /** Whether any item of the chunk still lacks an outcome. */
  static boolean hasOpenItems(WorkChunk c) {
    return openOffsets(c).length > 0;
  }

  private static FailurePolicy.Held held(WorkChunk c, boolean alone) {
    return new FailurePolicy.Held(c.size(), openOffsets(c), c.started, c.running, c.deaths, c.suspicion,
        c.handBacks, c.isolated, alone);
  }

  private static int[] openOffsets(WorkChunk c) {
    int[] open = new int[c.size()];
    int n = 0;
    for (int i = 0; i < open.length; i++) {
      if (!c.call.isResolved(c.firstIndex() + i)) {
        open[n++] = i;
      }
    }
    return Arrays.copyOf(open, n);
  }

  private void apply(WorkChunk c, FailurePolicy.Settlement s, String detail, Throwable cause) {
    Call call = c.call;
    for (FailurePolicy.Failure f : s.failures()) {
      long index = c.firstIndex() + f.offset();
      call.onFailure(index, failure(index, f, call, detail, cause), true);
    }
    if (s.reruns().isEmpty()) {
      return;
    }
    List<WorkChunk> again = new ArrayList<>(s.reruns().size());
    for (FailurePolicy.Rerun r : s.reruns()) {
      if (r.deaths() > 0 && r.deaths() > c.deaths) {
        LOG.log(Level.INFO, "{0}: retrying item {1} after its worker died ({2}), retry {3} of {4}",
            settings.poolName(), c.firstIndex() + r.from(), detail, r.deaths(), settings.retries());
      }
      again.add(new WorkChunk(call, c.firstIndex() + r.from(), c.items().subList(r.from(), r.to()), r.deaths(),
          r.suspicion(), r.handBacks(), r.isolated()));
    }
    requeueFirst.accept(again);
  }

  private static RuntimeException failure(long index, FailurePolicy.Failure f, Call call, String detail, Throwable cause) {
    return switch (f.cause()) {
      case TIMED_OUT -> new TaskTimeoutException(index, call.taskTimeout());
      case DIED -> new WorkerDiedException(index, "the worker died while running item " + index + " (" + detail + ")"
          + (f.tries() > 1 ? " on each of " + f.tries() + " tries" : "")
          + "; the task crashes its worker: fix the task, give workers more memory, or allow retries with"
          + " PoolBuilder.retries(n)", cause);
      case STUCK -> new IllegalStateException("item " + index + " was handed back unstarted "
          + FailurePolicy.MAX_HAND_BACKS + " times in a row (last: " + detail + "); its backend keeps refusing it,"
          + " which is a bug of the backend: report it with this message", cause);
    };
  }
}
