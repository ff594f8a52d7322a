package dev.procpool.hazelcast.internal;

import com.hazelcast.client.HazelcastClientOfflineException;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import dev.procpool.hazelcast.MemberClasspathException;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.WorkerLink;
import java.io.NotSerializableException;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * Turns what comes back for a chunk, its member's answer or the failure of its task, into facts on the
 * member's link: results and failures, a timed-out item, a chunk handed back unstarted. It decides no
 * item's fate. A task that failed because its member is gone makes the member suspect; if the chunk
 * never reached the member it goes back to the queue at once, otherwise it stays with the member's link
 * until the member's fate is known (see {@link MemberDirectory}).
 */
final class OutcomeReporter {
  private static final System.Logger LOG = System.getLogger("dev.procpool.hazelcast");

  private final HazelcastInstance instance;
  private final MemberDirectory directory;
  private final CodeShipping code;
  private final String poolName;
  /** Answers being handled now, and when the last one was done (System.nanoTime): see {@link #awaitQuiet}. */
  private final java.util.concurrent.atomic.AtomicInteger handling = new java.util.concurrent.atomic.AtomicInteger();
  private volatile long lastHandled;

  OutcomeReporter(HazelcastInstance instance, MemberDirectory directory, CodeShipping code, String poolName) {
    this.instance = instance;
    this.directory = directory;
    this.code = code;
    this.poolName = poolName;
  }

  ExecutionCallback<ChunkOutcome> callback(Dispatch d) {
    return new ExecutionCallback<>() {
      @Override
      public void onResponse(ChunkOutcome response) {
        handling.incrementAndGet();
        try {
          answered(d, response);
        } catch (RuntimeException | Error e) {
          failed(d, e);
        } finally {
          handled();
        }
      }

      @Override
      public void onFailure(Throwable t) {
        handling.incrementAndGet();
        try {
          failed(d, t);
        } catch (RuntimeException | Error e) {
          LOG.log(Level.ERROR, poolName + ": could not handle the failure of " + d, e);
        } finally {
          handled();
        }
      }
    };
  }

  private void handled() {
    lastHandled = System.nanoTime();
    handling.decrementAndGet();
  }

  /**
   * Waits, 250 ms at most, until no answer is being handled and Hazelcast is done with the last one. It
   * hands an answer over first and forgets the invocation just after; a client shut down in between (by
   * a pool closed as soon as that answer completed its call) logs a warning about completing the
   * invocation twice.
   */
  void awaitQuiet() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250);
    long settle = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20);
    while (System.nanoTime() < deadline && (handling.get() > 0 || System.nanoTime() - lastHandled < settle)) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }

  // ------------------------------------------------------------------ answers

  private void answered(Dispatch d, ChunkOutcome o) {
    WorkerLink link = d.link;
    Chunk chunk = d.chunk;
    MemberEntry m = d.member;
    directory.answered(m);
    switch (o.kind) {
      case DONE -> {
        code.confirm(d);
        report(d, o);
        link.finished(chunk);
        directory.release(d);
      }
      case TIMED_OUT -> {
        code.confirm(d);
        report(d, o);
        link.timedOut(chunk, o.timedOutOffset);
        directory.release(d);
      }
      case SKIPPED -> {
        code.confirm(d);
        link.finished(chunk);
        directory.release(d);
      }
      case HANDED_BACK -> {
        directory.leaving(m);
        link.handBack(chunk, m + " is leaving the cluster");
        directory.release(d);
      }
      case NEED_CODE -> {
        code.forgotten(d);
        link.handBack(chunk, m + " no longer had this pool's code");
        directory.release(d);
      }
      case CLASS_MISSING -> {
        code.confirmSpec(d);
        directory.missing(m, o.wholePool ? MissingClasses.WHOLE_POOL : chunk.job().id(), o);
        link.handBack(chunk, m + " lacks class " + o.missingClass);
        directory.release(d);
      }
      case INIT_FAILED -> {
        code.confirmSpec(d);
        Throwable error = Codec.deserializeError(o.error, Codec.loader());
        String what = o.message != null ? o.message : "the initializer failed on " + m;
        directory.startFailed(m, new StartFailure(StartFailure.Kind.INITIALIZER, what + ": " + error, error));
      }
      default -> throw new IllegalStateException("unknown answer " + o.kind);
    }
  }

  /** Reports the chunk's first {@code o.ran} outcomes in runs, its busy time first (for statistics). */
  private void report(Dispatch d, ChunkOutcome o) {
    d.link.activity(o.busyNanos, 0, 0);
    if (o.ran == 0) {
      return;
    }
    List<?> values = o.values;
    if (values == null) {
      SerializationService ss = ((SerializationServiceSupport) instance).getSerializationService();
      values = ss.toObject(new HeapData(o.results));
    }
    Map<Integer, byte[]> failures = new HashMap<>();
    for (int k = 0; k < o.failedOffsets.length; k++) {
      failures.put(o.failedOffsets[k], o.failures[k]);
    }
    int runStart = 0;
    for (int i = 0; i < o.ran; i++) {
      byte[] failure = failures.get(i);
      if (failure != null) {
        if (runStart < i) {
          d.link.completed(d.chunk, runStart, values.subList(runStart, i));
        }
        d.link.failed(d.chunk, i, Codec.deserializeError(failure, Codec.loader()));
        runStart = i + 1;
      }
    }
    if (runStart < o.ran) {
      d.link.completed(d.chunk, runStart, values.subList(runStart, o.ran));
    }
  }

  // ------------------------------------------------------------------ failures

  /** What a failed task says about where its chunk went. */
  private enum Fate {
    /** It never reached a running member: back to the queue as it was. */
    NOT_SENT,
    /** Its member may have run some of it before it went away: settled with the member. */
    LOST,
    /** The chunk itself cannot travel or be read. */
    ITS_OWN
  }

  void failed(Dispatch d, Throwable error) {
    MemberEntry m = d.member;
    Throwable cause = unwrap(error);
    if (!instance.getLifecycleService().isRunning()) {
      if (directory.release(d)) {
        d.link.handBack(d.chunk, "the Hazelcast instance of this pool is shutting down");
      }
      return;
    }
    switch (fate(error, m)) {
      case NOT_SENT -> {
        directory.suspect(m, "it did not take a chunk: " + cause);
        if (directory.release(d)) {
          d.link.handBack(d.chunk, m + " did not take the chunk: " + cause);
        }
      }
      case LOST -> {
        directory.suspect(m, "a chunk's task failed: " + cause);
        if (!directory.awaitFate(d) && directory.release(d)) {
          d.link.handBack(d.chunk, m + " was already suspect when the chunk was sent: " + cause);
        }
      }
      case ITS_OWN -> {
        if (directory.release(d)) {
          Dispatcher.failAll(d.link, d.chunk, whyItsOwn(d, cause));
          d.link.finished(d.chunk);
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  private Fate fate(Throwable error, MemberEntry m) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TargetNotMemberException || t instanceof RejectedExecutionException
          || t instanceof HazelcastClientOfflineException || t instanceof HazelcastInstanceNotActiveException) {
        return Fate.NOT_SENT;
      }
      if (t instanceof MemberLeftException || t instanceof TargetDisconnectedException) {
        return Fate.LOST;
      }
    }
    boolean listed = instance.getCluster().getMembers().stream().anyMatch(x -> x.getUuid().equals(m.uuid));
    return listed ? Fate.ITS_OWN : Fate.LOST;
  }

  private RuntimeException whyItsOwn(Dispatch d, Throwable cause) {
    String missing = Codec.missingClass(cause);
    if (missing != null) {
      return new MemberClasspathException(missing, d.member.address,
          MemberClasspathException.messageFor(missing, d.member.address, "the items or results of this call"));
    }
    for (Throwable t = cause; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof NotSerializableException) {
        return new IllegalArgumentException("the items of this chunk cannot be sent to cluster members: " + cause
            + "; items must be Serializable", cause);
      }
    }
    return new IllegalStateException("the cluster could not run this chunk: " + cause, cause);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
