package dev.procpool.hazelcast.internal;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.List;

/** What a member answers for a {@link ChunkTask}. */
public final class ChunkOutcome implements DataSerializable {

  /** What became of the chunk. */
  enum Kind {
    /** Items {@code 0..ran-1} have an outcome; the rest (if any) were skipped because the job is over. */
    DONE,
    /** Like DONE, but the item at {@code timedOutOffset} ran past the job's timeout and was stopped. */
    TIMED_OUT,
    /** The member is leaving, or the pool closed there: the chunk was not started and goes back to the caller. */
    HANDED_BACK,
    /** The job was already over on the member; nothing ran. */
    SKIPPED,
    /** The member lacks the pool's spec or the job's function (evicted, or overtaken): send them again. */
    NEED_CODE,
    /** A member worker's initializer threw; {@code error} holds it. */
    INIT_FAILED,
    /** A class the chunk needs is not on the member's classpath; {@code missingClass} names it. */
    CLASS_MISSING
  }

  Kind kind;
  int ran;
  /**
   * The results of items {@code 0..ran-1} (null where an item failed), either as they are (when every
   * one is of a JDK value type Hazelcast writes natively, so writing them cannot fail) or, for any other
   * type, already serialized on the member, where a result that cannot be serialized is found and
   * failed on its own instead of breaking the whole answer.
   */
  List<Object> values;
  byte[] results;
  int[] failedOffsets = new int[0];
  byte[][] failures = new byte[0][];
  int timedOutOffset = -1;
  byte[] error;
  String missingClass;
  /** With CLASS_MISSING: no job of the pool can run on the member (its initializer's class is missing). */
  boolean wholePool;
  /** With INIT_FAILED, what failed; with CLASS_MISSING, what needed the class ("the function of this call"). */
  String message;
  String member;
  /** How long the member's worker threads spent on this chunk's items. */
  long busyNanos;

  /** For Hazelcast's deserialization. */
  public ChunkOutcome() {}

  ChunkOutcome(Kind kind, String member) {
    this.kind = kind;
    this.member = member;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeByte(kind.ordinal());
    out.writeInt(ran);
    out.writeBoolean(values != null);
    if (values != null) {
      Values.write(out, values);
    } else {
      out.writeByteArray(results);
    }
    out.writeIntArray(failedOffsets);
    out.writeInt(failures.length);
    for (byte[] f : failures) {
      out.writeByteArray(f);
    }
    out.writeInt(timedOutOffset);
    out.writeByteArray(error);
    out.writeString(missingClass);
    out.writeBoolean(wholePool);
    out.writeString(message);
    out.writeString(member);
    out.writeLong(busyNanos);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    kind = Kind.values()[in.readByte()];
    ran = in.readInt();
    if (in.readBoolean()) {
      values = Values.read(in);
    } else {
      results = in.readByteArray();
    }
    failedOffsets = in.readIntArray();
    failures = new byte[in.readInt()][];
    for (int i = 0; i < failures.length; i++) {
      failures[i] = in.readByteArray();
    }
    timedOutOffset = in.readInt();
    error = in.readByteArray();
    missingClass = in.readString();
    wholePool = in.readBoolean();
    message = in.readString();
    member = in.readString();
    busyNanos = in.readLong();
  }
}
