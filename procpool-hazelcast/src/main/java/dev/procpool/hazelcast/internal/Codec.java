package dev.procpool.hazelcast.internal;

import dev.procpool.RemoteTaskException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/**
 * Java serialization of what procpool ships once per job or pool (the function, the initializer) and of
 * what a task throws. Items and results use Hazelcast's own serialization instead, which is faster for
 * the common boxed types.
 */
final class Codec {
  private Codec() {}

  /** Serializes {@code value}; throws {@link java.io.NotSerializableException} naming the culprit. */
  static byte[] serialize(Object value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  /** Deserializes with the given class loader (falling back to the stream's default resolution). */
  static Object deserialize(byte[] data, ClassLoader loader) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(data), loader)) {
      return in.readObject();
    }
  }

  /**
   * What a task threw, on its way to the caller: the exception's own bytes (null if it cannot be
   * serialized), and a stand-in carrying its class name, message, stack trace and causes, which the caller
   * gets when it cannot read the original (its class is unknown there).
   */
  private record Failure(byte[] exception, RemoteTaskException standIn) implements java.io.Serializable {}

  /** Serializes what a task threw, so that the caller gets a faithful copy or, failing that, a stand-in. */
  static byte[] serializeError(Throwable error) {
    byte[] original;
    try {
      original = serialize(error);
    } catch (IOException | RuntimeException | LinkageError | StackOverflowError e) {
      original = null;
    }
    try {
      return serialize(new Failure(original, RemoteTaskException.copyOf(error)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize a RemoteTaskException", e);
    }
  }

  /** Reads an error written by {@link #serializeError}: the original if its classes are known here, else its stand-in. */
  static Throwable deserializeError(byte[] data, ClassLoader loader) {
    Failure f;
    try {
      f = (Failure) deserialize(data, Codec.class.getClassLoader());
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return new RemoteTaskException(e.getClass().getName(), "a cluster member reported an error that cannot be"
          + " read here: " + e.getMessage(), e.getStackTrace(), null);
    }
    if (f.exception() != null) {
      try {
        return (Throwable) deserialize(f.exception(), loader);
      } catch (IOException | ClassNotFoundException | RuntimeException | LinkageError e) {
        // its class is unknown here, or it cannot be read: the stand-in says what it was
      }
    }
    return f.standIn();
  }

  /** Finds the class that could not be loaded in {@code error}'s causes, or null. */
  static String missingClass(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ClassNotFoundException) {
        String message = t.getMessage();
        return message == null ? "(unknown class)" : message.trim();
      }
      if (t instanceof NoClassDefFoundError) {
        String message = t.getMessage();
        return message == null ? "(unknown class)" : message.replace('/', '.').trim();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** The loader to resolve application classes with on this member or caller. */
  static ClassLoader loader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : Codec.class.getClassLoader();
  }

  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc); // primitives and classes visible to the default loader
      }
    }
  }
}
