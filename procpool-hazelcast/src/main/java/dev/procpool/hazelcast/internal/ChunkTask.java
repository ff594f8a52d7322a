package dev.procpool.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The task that travels to a member: one chunk of one job. The pool's spec and the job's function ride
 * along only until the member has confirmed that it caches them (see {@link ClusterBackend}), so they
 * cross the network about once per member, not once per chunk. Items are written last with Hazelcast's
 * serialization: if one of their classes is missing on the member, reading stops there and
 * {@link #call()} reports the missing class instead of the chunk failing somewhere inside Hazelcast.
 */
public final class ChunkTask implements Callable<ChunkOutcome>, DataSerializable, HazelcastInstanceAware {
  String poolKey;
  long jobId;
  long firstIndex;
  long timeoutNanos;
  /** Java-serialized {@link PoolSpec}, or null when the member is believed to have it. */
  byte[] spec;
  /** Java-serialized function, or null when the member is believed to have it. */
  byte[] function;
  /** Jobs of this pool that are over: the member drops their functions and skips their queued chunks. */
  long[] finishedJobs = new long[0];
  List<Object> items;

  transient Throwable itemsError;
  /** How many items were sent (items may hold fewer if one could not be read). */
  transient int itemCount;
  private transient HazelcastInstance instance;

  /** For Hazelcast's deserialization. */
  public ChunkTask() {}

  ChunkTask(String poolKey, long jobId, long firstIndex, long timeoutNanos, List<?> items) {
    this.poolKey = poolKey;
    this.jobId = jobId;
    this.firstIndex = firstIndex;
    this.timeoutNanos = timeoutNanos;
    this.items = new ArrayList<>(items);
    this.itemCount = items.size();
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance instance) {
    this.instance = instance;
  }

  @Override
  public ChunkOutcome call() throws InterruptedException {
    return NodeRuntime.of(instance).run(this);
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(poolKey);
    out.writeLong(jobId);
    out.writeLong(firstIndex);
    out.writeLong(timeoutNanos);
    out.writeByteArray(spec);
    out.writeByteArray(function);
    out.writeLongArray(finishedJobs);
    out.writeInt(items.size());
    Values.write(out, items);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    poolKey = in.readString();
    jobId = in.readLong();
    firstIndex = in.readLong();
    timeoutNanos = in.readLong();
    spec = in.readByteArray();
    function = in.readByteArray();
    finishedJobs = in.readLongArray();
    itemCount = in.readInt();
    items = new ArrayList<>(itemCount);
    try {
      Values.read(in, items);
    } catch (RuntimeException | IOException e) {
      // Nothing is read after the items, so the rest of the stream does not matter.
      itemsError = e;
    }
  }
}
