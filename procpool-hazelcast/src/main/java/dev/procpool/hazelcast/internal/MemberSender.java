package dev.procpool.hazelcast.internal;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkerLink;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * The thread that feeds one member: while the member is healthy and has room for another chunk, it takes
 * the next chunk from the member's link (blocking in the engine, which decides what a member may take:
 * an isolated chunk goes only to a member holding nothing) and sends it. It alone reports the end of the
 * link, so that the end never races with the link's {@code take()}: the member left (the engine settles
 * everything it held, once), its initializer failed, the pool is done, or the link reached the pool's
 * {@code maxTasksPerChild} (then, once the member holds nothing, a fresh link takes its place).
 *
 * <p>A departure interrupts the thread while it waits in {@code take()}, and only then (see
 * {@link MemberDirectory#awaitTurn} and {@link MemberDirectory#leftTake}), so no interrupt ever reaches
 * a Hazelcast call.
 */
final class MemberSender implements Runnable {
  private static final System.Logger LOG = System.getLogger("dev.procpool.hazelcast");

  private final ClusterBackend backend;
  private final MemberDirectory directory;
  private final MemberEntry member;

  MemberSender(ClusterBackend backend, MemberDirectory directory, MemberEntry member) {
    this.backend = backend;
    this.directory = directory;
    this.member = member;
  }

  @Override
  public void run() {
    WorkerLink link = null;
    boolean ended = false;
    try {
      for (;;) {
        WorkerLink turn;
        try {
          turn = directory.awaitTurn(member);
        } catch (InterruptedException e) {
          continue; // terminated or left: awaitTurn says so next
        }
        if (turn == null) {
          break;
        }
        link = turn;
        Chunk chunk;
        boolean interrupted = false;
        try {
          chunk = link.take();
        } catch (InterruptedException e) {
          chunk = null;
          interrupted = true;
        } finally {
          directory.leftTake(member);
        }
        if (chunk != null) {
          backend.dispatcher().send(member, link, chunk);
          continue;
        }
        if (interrupted) {
          continue;
        }
        if (backend.isDone()) {
          break;
        }
        // The link must take no more (it reached maxTasksPerChild over the whole member): retire it once the
        // member holds nothing, and start a fresh link for the member if the engine says so.
        boolean drained;
        try {
          drained = directory.awaitDrained(member);
        } catch (InterruptedException e) {
          drained = false;
        }
        if (!drained) {
          continue;
        }
        Verdict v = link.gone(Exit.of(Exit.Kind.EXITED, member + " ran its share of maxTasksPerChild"));
        boolean replace;
        try {
          replace = v.replace() && !backend.isDone()
              && (v.delayNanos() == 0 || directory.awaitReplacement(member, v.delayNanos()));
        } catch (InterruptedException e) {
          replace = false;
        }
        if (!replace) {
          ended = true;
          break;
        }
        WorkerLink fresh = backend.source().enrol(member);
        fresh.ready(member.address);
        directory.relink(member, fresh);
      }
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, "the sender of " + member + " failed", e);
    } finally {
      try {
        if (!ended) {
          end(link != null ? link : member.link);
        }
      } finally {
        directory.senderEnded(member);
      }
    }
  }

  /** Reports how the member's link ended. */
  private void end(WorkerLink link) {
    if (link == null) {
      return;
    }
    List<Dispatch> back = directory.ending(member);
    StartFailure failure = member.startFailure;
    if (failure != null) {
      // Its chunks never ran; back to the queue first, so that the broken pool blames none of them.
      for (Dispatch d : back) {
        link.handBack(d.chunk, member + " could not start the pool's workers");
      }
      link.startFailed(failure);
    } else if (member.departure != null) {
      link.gone(member.departure);
    } else if (backend.isTerminated()) {
      link.gone(Exit.of(Exit.Kind.TERMINATED, ""));
    } else {
      link.gone(Exit.of(Exit.Kind.EXITED, ""));
    }
  }
}
