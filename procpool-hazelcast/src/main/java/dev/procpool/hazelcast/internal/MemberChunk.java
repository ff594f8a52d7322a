package dev.procpool.hazelcast.internal;

import com.hazelcast.internal.serialization.SerializationService;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A chunk on a member: what the member's worker threads run, and the answer that goes back to the caller
 * once they are done with it. Outcomes are recorded as the threads report them (a prefix of the chunk:
 * worker threads run items in order), and sent back all at once.
 */
final class MemberChunk implements Chunk {
  private static final Set<Class<?>> NATIVE = Set.of(String.class, Integer.class, Long.class, Double.class,
      Float.class, Short.class, Byte.class, Character.class, Boolean.class, java.math.BigInteger.class,
      java.math.BigDecimal.class, java.util.UUID.class, byte[].class, int[].class, long[].class, double[].class,
      float[].class, short[].class, char[].class, boolean[].class);

  final ChunkTask task;
  final MemberJob job;
  private final NodeRuntime node;
  final CompletableFuture<ChunkOutcome> answer = new CompletableFuture<>();
  // guarded by this
  private final Object[] values;
  private final List<Integer> failedOffsets = new ArrayList<>();
  private final List<Throwable> failures = new ArrayList<>();
  private int ran;
  private long busyNanos;

  MemberChunk(NodeRuntime node, ChunkTask task, MemberJob job) {
    this.node = node;
    this.task = task;
    this.job = job;
    this.values = new Object[task.items.size()];
  }

  @Override
  public Job job() {
    return job;
  }

  @Override
  public long firstIndex() {
    return task.firstIndex;
  }

  @Override
  public List<?> items() {
    return task.items;
  }

  synchronized void completed(int offset, List<?> results) {
    for (int i = 0; i < results.size(); i++) {
      values[offset + i] = results.get(i);
    }
    ran = Math.max(ran, offset + results.size());
  }

  synchronized void failed(int offset, Throwable error) {
    values[offset] = null;
    failedOffsets.add(offset);
    failures.add(error);
    ran = Math.max(ran, offset + 1);
  }

  synchronized void busy(long nanos) {
    busyNanos += nanos;
  }

  boolean isAnswered() {
    return answer.isDone();
  }

  /**
   * Sends the answer: the outcomes so far, with {@code timedOut} the offset of an item stopped for its
   * timeout (or -1). Only the first call counts.
   *
   * @return true if this call sent it
   */
  synchronized boolean finish(ChunkOutcome.Kind kind, int timedOut) {
    if (answer.isDone()) {
      return false;
    }
    if (kind != ChunkOutcome.Kind.DONE && kind != ChunkOutcome.Kind.TIMED_OUT) {
      return answer.complete(node.outcome(kind));
    }
    ChunkOutcome o = node.outcome(kind);
    o.timedOutOffset = timedOut;
    o.ran = ran;
    o.busyNanos = busyNanos;
    List<Object> done = new ArrayList<>(Arrays.asList(values).subList(0, ran));
    if (done.stream().allMatch(v -> v == null || NATIVE.contains(v.getClass()))) {
      o.values = done;
    } else {
      o.results = serialize(done);
    }
    o.failedOffsets = failedOffsets.stream().mapToInt(Integer::intValue).toArray();
    o.failures = failures.stream().map(Codec::serializeError).toArray(byte[][]::new);
    return answer.complete(o);
  }

  /** Serializes the results; a result that cannot be serialized fails its item instead. */
  private byte[] serialize(List<Object> done) {
    SerializationService ss = node.serialization();
    try {
      return ss.toData(done).toByteArray();
    } catch (RuntimeException e) {
      for (int i = 0; i < done.size(); i++) {
        try {
          ss.toData(done.get(i));
        } catch (RuntimeException bad) {
          Object v = done.set(i, null);
          failedOffsets.add(i);
          NotSerializableException why = new NotSerializableException("the result of item "
              + (task.firstIndex + i) + " (a " + v.getClass().getName() + ") cannot be sent back from"
              + " cluster member " + node.name() + ": make it Serializable or return a serializable copy");
          why.initCause(bad);
          failures.add(why);
        }
      }
      return ss.toData(done).toByteArray();
    }
  }
}
