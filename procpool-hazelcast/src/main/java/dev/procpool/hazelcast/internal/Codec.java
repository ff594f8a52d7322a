package dev.procpool.hazelcast.internal;

import dev.procpool.hazelcast.RemoteTaskException;
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
   * Serializes what a task threw so that the caller gets a faithful copy; an exception that cannot be
   * serialized (it holds a non-serializable field) travels as a {@link RemoteTaskException} with the
   * same class name, message and stack trace.
   */
  static byte[] serializeError(Throwable error) {
    try {
      return serialize(error);
    } catch (IOException | RuntimeException e) {
      try {
        return serialize(RemoteTaskException.copyOf(error));
      } catch (IOException impossible) {
        throw new IllegalStateException("cannot serialize a RemoteTaskException", impossible);
      }
    }
  }

  /** Reads an error written by {@link #serializeError}; a class unknown here becomes a RemoteTaskException. */
  static Throwable deserializeError(byte[] data, ClassLoader loader) {
    try {
      return (Throwable) deserialize(data, loader);
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return new RemoteTaskException("a cluster member reported an error that cannot be read here: " + e, e);
    }
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
