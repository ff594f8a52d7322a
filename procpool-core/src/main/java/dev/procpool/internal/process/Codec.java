package dev.procpool.internal.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.InvalidObjectException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.StreamCorruptedException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns functions, items and results into bytes and back, with bounded deserialization on both sides.
 *
 * <p>Arrays of values are the hot path (a chunk's items, a chunk's results). When every value is a
 * null, a boxed primitive, a String or a byte[], they are written in a compact form that needs no
 * Java serialization (which costs a stream header, class descriptors and a class-loader lookup per
 * message); anything else falls back to Java serialization of the whole array.
 *
 * <p>Java deserialization is bounded by an {@link ObjectInputFilter} sized to the message: no object
 * graph deeper than {@value #MAX_DEPTH}, and no more references, bytes or array elements than the
 * message has bytes (every element of a serialized array takes at least one byte, so a declared array
 * length above that can only be garbage). A JVM-wide filter ({@code jdk.serialFilter}) still applies.
 */
final class Codec {
  private Codec() {}

  static final int MAX_DEPTH = 2_000;

  /** Stands for an item the parent could not send; the worker skips it. */
  enum Marker {
    SKIPPED
  }

  private static final byte COMPACT = 1;
  private static final byte JAVA = 2;

  private static final byte NULL = 0;
  private static final byte INT = 1;
  private static final byte LONG = 2;
  private static final byte DOUBLE = 3;
  private static final byte LATIN1 = 4;
  private static final byte UTF16 = 5;
  private static final byte TRUE = 6;
  private static final byte FALSE = 7;
  private static final byte BYTES = 8;
  private static final byte FLOAT = 9;
  private static final byte SHORT = 10;
  private static final byte BYTE = 11;
  private static final byte CHAR = 12;
  private static final byte SKIPPED = 13;
  /** A run of Integers: a count, then the ints without a tag each (a chunk of ints is the common case). */
  private static final byte INTS = 14;
  /** Runs shorter than this are written value by value: a run's header costs as much as 4 tags. */
  private static final int MIN_RUN = 5;

  // ------------------------------------------------------------------ arrays of values

  /**
   * Encodes values compactly if they are all simple, with Java serialization otherwise.
   *
   * @throws IOException if a value cannot be serialized (its message names the class, as
   *     {@link java.io.NotSerializableException} does)
   */
  static byte[] encodeValues(Object[] values) throws IOException {
    return encodeValues(values, 0);
  }

  /**
   * Like {@link #encodeValues(Object[])}, leaving the first {@code reserve} bytes of the array free for
   * the caller's frame header, so that the frame is built without copying the values again.
   */
  static byte[] encodeValues(Object[] values, int reserve) throws IOException {
    long size = 5 + compactSize(values, 0, values.length);
    if (size < 5) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      out.write(new byte[reserve]);
      out.write(JAVA);
      writeJava(out, values);
      return out.toByteArray();
    }
    if (reserve + size > Integer.MAX_VALUE - 16) {
      throw new IOException("the values take " + size + " bytes, more than an array holds");
    }
    ByteBuffer b = ByteBuffer.allocate(reserve + (int) size);
    b.position(reserve);
    b.put(COMPACT).putInt(values.length);
    putCompact(b, values, 0, values.length);
    return b.array();
  }

  /** The compact size of {@code values[from..to)}, runs of Integers included, or -1 if one is not compact. */
  private static long compactSize(Object[] values, int from, int to) {
    long size = 0;
    for (int i = from; i < to; ) {
      int run = intRun(values, i, to);
      if (run >= MIN_RUN) {
        size += 5 + 4L * run;
        i += run;
        continue;
      }
      int n = compactSize(values[i]);
      if (n < 0) {
        return -1;
      }
      size += n;
      i++;
    }
    return size;
  }

  /** Writes {@code values[from..to)} compactly; they must all be compact. */
  private static void putCompact(ByteBuffer b, Object[] values, int from, int to) {
    for (int i = from; i < to; ) {
      int run = intRun(values, i, to);
      if (run >= MIN_RUN) {
        b.put(INTS).putInt(run);
        for (int k = i; k < i + run; k++) {
          b.putInt((Integer) values[k]);
        }
        i += run;
      } else {
        putCompact(b, values[i]);
        i++;
      }
    }
  }

  /** How many values from {@code from} on are Integers. */
  private static int intRun(Object[] values, int from, int to) {
    int i = from;
    while (i < to && values[i] instanceof Integer) {
      i++;
    }
    return i - from;
  }

  /** A byte[] value at least this long is written from the caller's array, not copied into the frame. */
  static final int LARGE_BYTES = 64 * 1024;

  /**
   * Encodes values exactly as {@link #encodeValues(Object[], int)} does, but as segments to be written
   * one after the other, each large {@code byte[]} value being the caller's own array rather than a
   * copy: for payloads of megabytes, that copy (and zeroing the array it goes to) is most of the
   * sender's work. Returns null unless every value is compact and one is a {@code byte[]} of at least
   * {@link #LARGE_BYTES}.
   */
  static byte[][] encodeSegments(Object[] values, int reserve) {
    boolean large = false;
    for (Object v : values) {
      if (isLarge(v)) {
        large = true;
        break;
      }
    }
    if (!large) {
      return null; // the usual case, found without sizing every value
    }
    for (Object v : values) {
      if (compactSize(v) < 0) {
        return null;
      }
    }
    List<byte[]> segments = new ArrayList<>();
    int i = 0;
    boolean first = true;
    for (;;) {
      int j = i;
      while (j < values.length && !isLarge(values[j])) {
        j++;
      }
      long size = (first ? reserve + 5L : 0) + compactSize(values, i, j);
      if (j < values.length) {
        size += 5; // the large value's tag and length
      }
      if (size > Integer.MAX_VALUE - 16) {
        return null;
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      if (first) {
        b.position(reserve);
        b.put(COMPACT).putInt(values.length);
        first = false;
      }
      putCompact(b, values, i, j);
      if (j == values.length) {
        segments.add(b.array());
        return segments.toArray(new byte[0][]);
      }
      byte[] big = (byte[]) values[j];
      b.put(BYTES).putInt(big.length);
      segments.add(b.array());
      segments.add(big);
      i = j + 1;
    }
  }

  private static boolean isLarge(Object v) {
    return v instanceof byte[] b && b.length >= LARGE_BYTES;
  }

  /**
   * Decodes what {@link #encodeValues} wrote.
   *
   * @param loader where classes of Java-serialized values are looked up first
   * @throws IOException if the bytes are malformed, a class is unknown or the filter rejects them
   */
  static Object[] decodeValues(ByteBuffer in, ClassLoader loader) throws IOException {
    int length = in.remaining();
    try {
      byte mode = in.get();
      if (mode == JAVA) {
        Object o = readJava(in.array(), in.arrayOffset() + in.position(), in.remaining(), loader);
        if (!(o instanceof Object[] values)) {
          throw new StreamCorruptedException("expected an array of values, got " + (o == null ? "null" : o.getClass()));
        }
        return values;
      }
      if (mode != COMPACT) {
        throw new StreamCorruptedException("unknown value encoding " + mode);
      }
      int count = in.getInt();
      if (count < 0 || count > length) {
        throw new StreamCorruptedException(count + " values in " + length + " bytes");
      }
      Object[] values = new Object[count];
      for (int i = 0; i < count; ) {
        if (in.get(in.position()) == INTS) {
          in.get();
          int run = in.getInt();
          if (run < 1 || run > count - i || 4L * run > in.remaining()) {
            throw new StreamCorruptedException("a run of " + run + " ints at value " + i + " of " + count);
          }
          for (int end = i + run; i < end; i++) {
            values[i] = in.getInt();
          }
        } else {
          values[i++] = getCompact(in);
        }
      }
      return values;
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      throw new StreamCorruptedException("values cut short");
    }
  }

  static int compactSize(Object v) {
    if (v == null || v instanceof Boolean) {
      return 1;
    }
    Class<?> c = v.getClass();
    if (c == Integer.class || c == Float.class) {
      return 5;
    }
    if (c == Long.class || c == Double.class) {
      return 9;
    }
    if (c == String.class) {
      String s = (String) v;
      return 5 + (isLatin1(s) ? s.length() : 2 * s.length());
    }
    if (c == byte[].class) {
      return 5 + ((byte[]) v).length;
    }
    if (c == Short.class || c == Character.class) {
      return 3;
    }
    if (c == Byte.class) {
      return 2;
    }
    if (v == Marker.SKIPPED) {
      return 1;
    }
    return -1;
  }

  private static boolean isLatin1(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0xff) {
        return false;
      }
    }
    return true;
  }

  static void putCompact(ByteBuffer b, Object v) {
    if (v == null) {
      b.put(NULL);
    } else if (v instanceof Boolean bool) {
      b.put(bool ? TRUE : FALSE);
    } else if (v instanceof Integer i) {
      b.put(INT).putInt(i);
    } else if (v instanceof Long l) {
      b.put(LONG).putLong(l);
    } else if (v instanceof Double d) {
      b.put(DOUBLE).putDouble(d);
    } else if (v instanceof Float f) {
      b.put(FLOAT).putFloat(f);
    } else if (v instanceof String s) {
      if (isLatin1(s)) {
        b.put(LATIN1).putInt(s.length()).put(s.getBytes(StandardCharsets.ISO_8859_1));
      } else {
        b.put(UTF16).putInt(s.length());
        for (int i = 0; i < s.length(); i++) {
          b.putChar(s.charAt(i));
        }
      }
    } else if (v instanceof byte[] bytes) {
      b.put(BYTES).putInt(bytes.length).put(bytes);
    } else if (v instanceof Short s) {
      b.put(SHORT).putShort(s);
    } else if (v instanceof Character c) {
      b.put(CHAR).putChar(c);
    } else if (v instanceof Byte by) {
      b.put(BYTE).put(by);
    } else {
      b.put(SKIPPED);
    }
  }

  static Object getCompact(ByteBuffer in) throws StreamCorruptedException {
    byte tag = in.get();
    switch (tag) {
      case NULL:
        return null;
      case TRUE:
        return Boolean.TRUE;
      case FALSE:
        return Boolean.FALSE;
      case INT:
        return in.getInt();
      case LONG:
        return in.getLong();
      case DOUBLE:
        return in.getDouble();
      case FLOAT:
        return in.getFloat();
      case SHORT:
        return in.getShort();
      case CHAR:
        return in.getChar();
      case BYTE:
        return in.get();
      case SKIPPED:
        return Marker.SKIPPED;
      case LATIN1: {
        int n = length(in, 1);
        String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.ISO_8859_1);
        in.position(in.position() + n);
        return s;
      }
      case UTF16: {
        int n = length(in, 2);
        char[] chars = new char[n];
        in.asCharBuffer().get(chars);
        in.position(in.position() + 2 * n);
        return new String(chars);
      }
      case BYTES: {
        byte[] bytes = new byte[length(in, 1)];
        in.get(bytes);
        return bytes;
      }
      default:
        throw new StreamCorruptedException("unknown value tag " + tag);
    }
  }

  private static int length(ByteBuffer in, int bytesPerElement) throws StreamCorruptedException {
    int n = in.getInt();
    if (n < 0 || (long) n * bytesPerElement > in.remaining()) {
      throw new StreamCorruptedException("a length of " + n + " with " + in.remaining() + " bytes left");
    }
    return n;
  }

  // ------------------------------------------------------------------ single objects

  /** Java-serializes one object (a function, an initializer, an exception). */
  static byte[] serialize(Object o) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    writeJava(out, o);
    return out.toByteArray();
  }

  /** Reads what {@link #serialize} wrote, bounded by the filter. */
  static Object deserialize(byte[] data, int offset, int length, ClassLoader loader) throws IOException {
    return readJava(data, offset, length, loader);
  }

  private static void writeJava(ByteArrayOutputStream out, Object o) throws IOException {
    try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
      oos.writeObject(o);
    }
  }

  private static Object readJava(byte[] data, int offset, int length, ClassLoader loader) throws IOException {
    try (ObjectInputStream in = new LoaderInputStream(new ByteArrayInputStream(data, offset, length), loader)) {
      in.setObjectInputFilter(filter(length));
      return in.readObject();
    } catch (ClassNotFoundException e) {
      InvalidClassException ice = new InvalidClassException(e.getMessage(), "class not found in this JVM");
      ice.initCause(e);
      throw ice;
    } catch (StackOverflowError e) {
      throw new InvalidObjectException("the object graph nests too deeply to read");
    }
  }

  private static ObjectInputFilter filter(long streamBytes) {
    ObjectInputFilter limits = info -> {
      if (info.depth() > MAX_DEPTH
          || info.references() > streamBytes
          || info.streamBytes() > streamBytes
          || info.arrayLength() > streamBytes) {
        return ObjectInputFilter.Status.REJECTED;
      }
      return ObjectInputFilter.Status.UNDECIDED;
    };
    ObjectInputFilter global = ObjectInputFilter.Config.getSerialFilter();
    return global == null ? limits : ObjectInputFilter.merge(limits, global);
  }

  /**
   * Resolves classes through a given loader first: the parent's user classes may live in a loader
   * below procpool's (an application server, {@code mvn exec:java}), and asking a known loader avoids
   * the stack walk ObjectInputStream otherwise does for every class descriptor.
   */
  private static final class LoaderInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderInputStream(ByteArrayInputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      if (loader != null) {
        try {
          return Class.forName(desc.getName(), false, loader);
        } catch (ClassNotFoundException e) {
          // primitive types and classes only the default lookup finds
        }
      }
      return super.resolveClass(desc);
    }
  }
}
