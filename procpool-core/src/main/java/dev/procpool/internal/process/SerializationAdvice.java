package dev.procpool.internal.process;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;

/**
 * Says what stopped a value from being serialized and what to do about it, fitted to the class at
 * fault. A record needs its own words: it looks serializable (its fields are), works on threads, and
 * fails only on processes because it does not say {@code implements Serializable}.
 * {@link NotSerializableException} gives only a class name, so the value is serialized once more to
 * find the object itself; this runs only after serialization failed, never on the hot path.
 *
 * <p>Stateless and thread-safe.
 */
final class SerializationAdvice {
  private SerializationAdvice() {}

  /**
   * Explains why an item or a result cannot be sent: {@code "<what>, which is not Serializable; <fix>"},
   * to follow "it is or contains ".
   *
   * @param value the value whose serialization failed
   * @param e what serializing it threw
   */
  static String ofValue(Object value, NotSerializableException e) {
    return explain(culprit(value, e), e.getMessage(), false);
  }

  /**
   * Explains why a function or an initializer cannot be sent, the same way, to follow "it is or
   * captures ".
   *
   * @param function the function whose serialization failed
   * @param e what serializing it threw
   */
  static String ofFunction(Object function, NotSerializableException e) {
    return explain(culprit(function, e), e.getMessage(), true);
  }

  static String explain(Class<?> type, String name, boolean captured) {
    String capture = captured
        ? ", or capture only serializable values (copy what the task needs into local variables first)"
        : "";
    if (type == null) {
      return name + ", which is not Serializable; make it Serializable" + capture;
    }
    if (type.isHidden() && type.getName().contains("$$Lambda")) {
      return type.getName() + ", which is not Serializable; it is a lambda or method reference whose type is not"
          + " Serializable: give it a procpool type (Fn, Fn2, Fn3, Task) or another Serializable interface";
    }
    if (type.isRecord()) {
      return "record " + type.getName() + ", which is not Serializable: a record is Serializable only when it says"
          + " so; declare it `record " + type.getSimpleName() + "(...) implements java.io.Serializable`" + capture;
    }
    if (isJdk(type)) {
      return type.getName() + ", which is not Serializable and, being part of the JDK, cannot be made so; send the"
          + " data it holds instead, or build it in the worker (a WorkerLocal)" + capture;
    }
    return type.getName() + ", which is not Serializable; make it implement java.io.Serializable" + capture;
  }

  private static boolean isJdk(Class<?> type) {
    Module module = type.getModule();
    return module.isNamed() && module.getLayer() == ModuleLayer.boot()
        && (module.getName().startsWith("java.") || module.getName().startsWith("jdk."));
  }

  /** The class of the object in {@code root} that {@code e} names, or null if it cannot be found again. */
  private static Class<?> culprit(Object root, NotSerializableException e) {
    try (Probe probe = new Probe()) {
      probe.writeObject(root);
    } catch (Found found) {
      String name = found.type.getName();
      String message = String.valueOf(e.getMessage());
      return message.equals(name) || message.startsWith(name + "\n") ? found.type : null;
    } catch (IOException | RuntimeException | StackOverflowError ignored) {
      // something else failed this time: the culprit stays unknown
    }
    return null;
  }

  /** Ends the probe at the culprit. */
  private static final class Found extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Class<?> type;

    Found(Class<?> type) {
      this.type = type;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // a signal, not an error
    }
  }

  /** Serializes to nowhere and stops at the first object that is not Serializable. */
  private static final class Probe extends ObjectOutputStream {
    Probe() throws IOException {
      super(OutputStream.nullOutputStream());
      enableReplaceObject(true);
    }

    @Override
    protected Object replaceObject(Object obj) throws IOException {
      if (!(obj instanceof Serializable)) {
        throw new Found(obj.getClass());
      }
      return obj;
    }
  }
}
