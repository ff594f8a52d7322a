package dev.procpool.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import dev.procpool.hazelcast.MemberClasspathException;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import dev.procpool.spi.WorkerLink;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a chunk a member's sender took into a task on exactly that member: skips it if its job is over,
 * gives it back if the member may no longer have it or cannot run its job (fails it if no member can),
 * adds the code the member lacks, and submits it. The member counts as having begun the chunk once it is
 * sent: a member has a free thread for each chunk it is sent unless the user fixed more {@code workers}
 * than the members have threads.
 */
final class Dispatcher {
  private final HazelcastInstance instance;
  private final IExecutorService chunks;
  private final MemberDirectory directory;
  private final CodeShipping code;
  private final OutcomeReporter outcomes;

  Dispatcher(HazelcastInstance instance, IExecutorService chunks, MemberDirectory directory, CodeShipping code,
      OutcomeReporter outcomes) {
    this.instance = instance;
    this.chunks = chunks;
    this.directory = directory;
    this.code = code;
    this.outcomes = outcomes;
  }

  void send(MemberEntry member, WorkerLink link, Chunk chunk) {
    Job job = chunk.job();
    directory.taken(job.id(), chunk.firstIndex(), member);
    if (job.isCancelled()) {
      link.finished(chunk);
      return;
    }
    ChunkOutcome missing = directory.missingFor(member, job.id());
    if (missing != null) {
      List<ChunkOutcome> lacking = directory.noneCanRun(job.id());
      if (lacking != null) {
        failAll(link, chunk, classpathFailure(lacking));
        link.finished(chunk);
        return;
      }
      directory.pause(member, job.id(), chunk.firstIndex());
      link.handBack(chunk, member + " lacks class " + missing.missingClass);
      return;
    }
    byte[] function;
    try {
      function = code.function(job);
    } catch (IllegalArgumentException e) {
      failAll(link, chunk, e);
      link.finished(chunk);
      return;
    }
    Dispatch d = new Dispatch(member, link, chunk, code.task(member, chunk, function));
    if (!directory.hold(d)) {
      link.handBack(chunk, member + " no longer takes chunks");
      return;
    }
    link.started(chunk);
    try {
      chunks.submitToMember(d.task, member.member, outcomes.callback(d));
    } catch (HazelcastSerializationException e) {
      if (directory.release(d)) {
        failAll(link, chunk, unsendable(chunk, e));
        link.finished(chunk);
      }
    } catch (RuntimeException e) {
      outcomes.failed(d, e);
    }
  }

  static void failAll(WorkerLink link, Chunk chunk, Throwable why) {
    for (int i = 0; i < chunk.size(); i++) {
      link.failed(chunk, i, why);
    }
  }

  /** The failure of items no member can run: names every member that lacks a class, and the fix. */
  private static MemberClasspathException classpathFailure(List<ChunkOutcome> lacking) {
    List<String> members = new ArrayList<>();
    for (ChunkOutcome o : lacking) {
      members.add(o.member);
    }
    ChunkOutcome first = lacking.get(0);
    String what = first.message != null ? first.message : "this call";
    return new MemberClasspathException(first.missingClass, String.join(", ", members),
        MemberClasspathException.messageFor(first.missingClass, members, what));
  }

  /** Explains why a chunk's items cannot be serialized, naming the first culprit. */
  private IllegalArgumentException unsendable(Chunk chunk, HazelcastSerializationException e) {
    SerializationService ss = ((SerializationServiceSupport) instance).getSerializationService();
    for (int i = 0; i < chunk.size(); i++) {
      Object item = chunk.items().get(i);
      try {
        ss.toData(item);
      } catch (RuntimeException bad) {
        return new IllegalArgumentException("item " + (chunk.firstIndex() + i) + " (a " + item.getClass().getName()
            + ") cannot be sent to cluster members: " + bad.getMessage() + "; items must be Serializable or plain"
            + " classes Hazelcast can write", bad);
      }
    }
    return new IllegalArgumentException("the items of this chunk cannot be sent to cluster members: " + e, e);
  }
}
