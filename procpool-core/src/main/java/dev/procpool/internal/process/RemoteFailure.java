package dev.procpool.internal.process;

import dev.procpool.RemoteTaskException;
import java.io.IOException;
import java.io.Serializable;

/**
 * An exception on its way from a worker to the parent. The exception itself travels as its own
 * serialized bytes, next to a plain description (class name, message, stack, cause chain); the parent
 * rebuilds the real exception when it can and a {@link RemoteTaskException} from the description when
 * it cannot, so one exception that cannot travel never costs the other results of its chunk.
 */
final class RemoteFailure implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int MAX_CAUSES = 16;

  /** The exception, Java-serialized; null if it could not be. */
  private final byte[] exception;
  private final String className;
  private final String message;
  private final StackTraceElement[] trace;
  private final RemoteFailure cause;

  private RemoteFailure(byte[] exception, String className, String message, StackTraceElement[] trace,
      RemoteFailure cause) {
    this.exception = exception;
    this.className = className;
    this.message = message;
    this.trace = trace;
    this.cause = cause;
  }

  /** Captures an exception thrown in the worker. */
  static RemoteFailure of(Throwable t) {
    return of(t, true, 0);
  }

  private static RemoteFailure of(Throwable t, boolean serialize, int depth) {
    byte[] bytes = null;
    if (serialize) {
      try {
        bytes = Codec.serialize(t);
      } catch (IOException | RuntimeException | LinkageError | StackOverflowError e) {
        // the description below still travels
      }
    }
    Throwable c = t.getCause();
    RemoteFailure cause = c == null || c == t || depth >= MAX_CAUSES ? null : of(c, false, depth + 1);
    return new RemoteFailure(bytes, t.getClass().getName(), messageOf(t), t.getStackTrace(), cause);
  }

  private static String messageOf(Throwable t) {
    try {
      return t.getMessage();
    } catch (RuntimeException e) {
      return "(getMessage() threw " + e + ")";
    }
  }

  /**
   * Returns the exception as thrown in the worker if it can be read in this JVM, a stand-in otherwise.
   *
   * @param loader where the exception's classes are looked up first
   */
  Throwable toThrowable(ClassLoader loader) {
    if (exception != null) {
      try {
        Object o = Codec.deserialize(exception, 0, exception.length, loader);
        if (o instanceof Throwable t) {
          return t;
        }
      } catch (IOException | RuntimeException | LinkageError e) {
        // fall back to the description
      }
    }
    return standIn();
  }

  RemoteTaskException standIn() {
    return new RemoteTaskException(className, message, trace, cause == null ? null : cause.standIn());
  }
}
