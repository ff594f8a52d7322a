package dev.procpool.hazelcast.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;

/**
 * A message from a caller's pool to members, on an executor of its own so that it never waits behind
 * chunks: interrupt a cancelled job's running items, close the pool (stop its member threads and forget
 * its cached code), or answer a ping (how a pool confirms that a member it suspects is alive).
 */
public final class ControlTask implements Runnable, DataSerializable, HazelcastInstanceAware {
  static final int INTERRUPT_JOB = 1;
  static final int CLOSE_POOL = 2;
  static final int PING = 3;

  int command;
  String poolKey;
  long jobId;
  private transient HazelcastInstance instance;

  /** For Hazelcast's deserialization. */
  public ControlTask() {}

  ControlTask(int command, String poolKey, long jobId) {
    this.command = command;
    this.poolKey = poolKey;
    this.jobId = jobId;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance instance) {
    this.instance = instance;
  }

  @Override
  public void run() {
    NodeRuntime node = NodeRuntime.of(instance);
    if (command == INTERRUPT_JOB) {
      node.interruptJob(poolKey, jobId);
    } else if (command == CLOSE_POOL) {
      node.closePool(poolKey);
    }
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeInt(command);
    out.writeString(poolKey);
    out.writeLong(jobId);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    command = in.readInt();
    poolKey = in.readString();
    jobId = in.readLong();
  }
}
