package dev.procpool.hazelcast.internal;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the items and results of a chunk. A chunk of only {@code Integer}s, {@code Long}s,
 * {@code Double}s or {@code String}s (the common case of {@code map}) travels as one primitive array or
 * as bare strings, without a type header per item; anything else item by item through Hazelcast's
 * serialization.
 */
final class Values {
  private static final byte OBJECTS = 0;
  private static final byte INTS = 1;
  private static final byte LONGS = 2;
  private static final byte DOUBLES = 3;
  private static final byte STRINGS = 4;

  private Values() {}

  static void write(ObjectDataOutput out, List<?> values) throws IOException {
    int n = values.size();
    byte kind = kindOf(values);
    out.writeByte(kind);
    out.writeInt(n);
    switch (kind) {
      case INTS -> {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = (Integer) values.get(i);
        }
        out.writeIntArray(a);
      }
      case LONGS -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = (Long) values.get(i);
        }
        out.writeLongArray(a);
      }
      case DOUBLES -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = (Double) values.get(i);
        }
        out.writeDoubleArray(a);
      }
      case STRINGS -> {
        for (Object v : values) {
          out.writeString((String) v);
        }
      }
      default -> {
        for (Object v : values) {
          out.writeObject(v);
        }
      }
    }
  }

  /**
   * Reads values into {@code into}; on a failure (a class missing here) {@code into} holds those read
   * before it and the exception propagates.
   *
   * @return how many values were written
   */
  static int read(ObjectDataInput in, List<Object> into) throws IOException {
    byte kind = in.readByte();
    int n = in.readInt();
    switch (kind) {
      case INTS -> {
        for (int v : in.readIntArray()) {
          into.add(v);
        }
      }
      case LONGS -> {
        for (long v : in.readLongArray()) {
          into.add(v);
        }
      }
      case DOUBLES -> {
        for (double v : in.readDoubleArray()) {
          into.add(v);
        }
      }
      case STRINGS -> {
        for (int i = 0; i < n; i++) {
          into.add(in.readString());
        }
      }
      default -> {
        for (int i = 0; i < n; i++) {
          into.add(in.readObject());
        }
      }
    }
    return n;
  }

  static List<Object> read(ObjectDataInput in) throws IOException {
    List<Object> out = new ArrayList<>();
    read(in, out);
    return out;
  }

  private static byte kindOf(List<?> values) {
    if (values.isEmpty()) {
      return OBJECTS;
    }
    Object first = values.get(0);
    Class<?> type = first == null ? null : first.getClass();
    byte kind = type == Integer.class ? INTS : type == Long.class ? LONGS : type == Double.class ? DOUBLES
        : type == String.class ? STRINGS : OBJECTS;
    if (kind == OBJECTS) {
      return OBJECTS;
    }
    for (Object v : values) {
      if (v == null || v.getClass() != type) {
        return OBJECTS;
      }
    }
    return kind;
  }
}
