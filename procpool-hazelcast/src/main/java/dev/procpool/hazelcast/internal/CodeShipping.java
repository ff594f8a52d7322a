package dev.procpool.hazelcast.internal;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import dev.procpool.spi.WorkerSettings;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a pool ships to members besides items: its spec (name, initializer, maxTasksPerChild) and each
 * job's function, Java-serialized once on this side and sent with a member's chunks only until the member
 * has confirmed that it caches them, so that they cross the network about once per member, not once per
 * chunk; and the notices of jobs that are over, so that members drop their functions.
 */
final class CodeShipping {
  private static final int MAX_FINISHED_NOTICES = 1024;

  private final String poolKey;
  private final byte[] spec;
  private final ConcurrentHashMap<Long, byte[]> functions = new ConcurrentHashMap<>();

  /** What one member has of this pool's code; guarded by itself. */
  static final class MemberCode {
    private boolean specConfirmed;
    private final Set<Long> confirmedJobs = new HashSet<>();
    private final Set<Long> sentJobs = new HashSet<>();
    private final ArrayDeque<Long> finished = new ArrayDeque<>();
  }

  /**
   * @throws IllegalArgumentException if the initializer cannot be serialized
   */
  CodeShipping(String poolKey, WorkerSettings settings) {
    this.poolKey = poolKey;
    try {
      this.spec = Codec.serialize(new PoolSpec(settings.poolName(), settings.initializer(), settings.maxTasksPerWorker()));
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException("the initializer cannot be sent to cluster members: it is or captures "
          + e.getMessage() + ", which is not Serializable; an initializer must be Serializable and capture only"
          + " serializable values", e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the initializer cannot be serialized for cluster members: " + e, e);
    }
  }

  /**
   * Serializes the job's function when its call starts, once for all members.
   *
   * @throws IllegalArgumentException if it cannot be serialized, saying why and what to do: the call fails
   *     once, before any item is read, instead of each item failing
   */
  void admit(Job job) {
    functions.put(job.id(), encode(job));
  }

  /** Returns the job's function, serialized at admission (or now, for a job the engine did not admit). */
  byte[] function(Job job) {
    byte[] f = functions.get(job.id());
    return f != null ? f : encode(job);
  }

  private static byte[] encode(Job job) {
    try {
      return Codec.serialize(job.function());
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException("the function cannot be sent to cluster members: it is or captures "
          + e.getMessage() + ", which is not Serializable; capture only serializable values (copy what the task"
          + " needs into local variables first), or use a thread pool", e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the function cannot be sent to cluster members: " + e
          + "; use a lambda or method reference that captures only serializable values", e);
    }
  }

  /** The task that carries {@code chunk} to {@code member}, with the code the member is not known to have. */
  ChunkTask task(MemberEntry member, Chunk chunk, byte[] function) {
    Job job = chunk.job();
    ChunkTask task = new ChunkTask(poolKey, job.id(), chunk.firstIndex(),
        job.taskTimeout() == null ? 0 : Math.max(1, job.taskTimeout().toNanos()), chunk.items());
    MemberCode code = member.code;
    synchronized (code) {
      if (!code.specConfirmed) {
        task.spec = spec;
      }
      if (!code.confirmedJobs.contains(job.id())) {
        task.function = function;
      }
      code.sentJobs.add(job.id());
      if (!code.finished.isEmpty()) {
        task.finishedJobs = code.finished.stream().mapToLong(Long::longValue).toArray();
        code.finished.clear();
      }
    }
    return task;
  }

  /** The member answered a chunk it ran: it caches what was sent with it. */
  void confirm(Dispatch d) {
    MemberCode code = d.member.code;
    synchronized (code) {
      if (d.sentSpec) {
        code.specConfirmed = true;
      }
      if (d.sentFunction) {
        code.confirmedJobs.add(d.chunk.job().id());
      }
    }
  }

  /** The member read the spec (its initializer failed, or a class is missing for one job). */
  void confirmSpec(Dispatch d) {
    MemberCode code = d.member.code;
    synchronized (code) {
      if (d.sentSpec) {
        code.specConfirmed = true;
      }
    }
  }

  /** The member lacks the code after all (it closed the pool for idleness, or restarted): send it again. */
  void forgotten(Dispatch d) {
    MemberCode code = d.member.code;
    synchronized (code) {
      code.specConfirmed = false;
      code.confirmedJobs.remove(d.chunk.job().id());
    }
  }

  /** The job is over: drop its function here, and tell the members that had it with their next chunk. */
  void jobFinished(Job job, Iterable<MemberEntry> members) {
    long id = job.id();
    functions.remove(id);
    for (MemberEntry m : members) {
      MemberCode code = m.code;
      synchronized (code) {
        code.confirmedJobs.remove(id);
        if (code.sentJobs.remove(id)) {
          code.finished.add(id);
          if (code.finished.size() > MAX_FINISHED_NOTICES) {
            code.finished.poll();
          }
        }
      }
    }
  }
}
