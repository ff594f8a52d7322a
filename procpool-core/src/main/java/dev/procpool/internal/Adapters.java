package dev.procpool.internal;

import dev.procpool.Args2;
import dev.procpool.Args3;
import dev.procpool.Fn;
import dev.procpool.Fn2;
import dev.procpool.Fn3;
import java.util.concurrent.Callable;

/**
 * Adapts every kind of work to the one-argument function the engine ships. The lambdas are made here,
 * in static methods, so they capture only the user's function and stay serializable.
 */
final class Adapters {
  private Adapters() {}

  @SuppressWarnings("unchecked")
  static Fn<Object, Object> fn(Fn<?, ?> fn) {
    return (Fn<Object, Object>) fn;
  }

  @SuppressWarnings("unchecked")
  static Fn<Object, Object> star2(Fn2<?, ?, ?> fn) {
    Fn2<Object, Object, Object> f = (Fn2<Object, Object, Object>) fn;
    return args -> {
      Args2<?, ?> a = (Args2<?, ?>) args;
      return f.apply(a.first(), a.second());
    };
  }

  @SuppressWarnings("unchecked")
  static Fn<Object, Object> star3(Fn3<?, ?, ?, ?> fn) {
    Fn3<Object, Object, Object, Object> f = (Fn3<Object, Object, Object, Object>) fn;
    return args -> {
      Args3<?, ?, ?> a = (Args3<?, ?, ?>) args;
      return f.apply(a.first(), a.second(), a.third());
    };
  }

  /** A task or callable as a function of its (ignored) single item. */
  static Fn<Object, Object> callable(Callable<?> task) {
    return ignored -> task.call();
  }

  static Fn<Object, Object> runnable(Runnable task, Object result) {
    return ignored -> {
      task.run();
      return result;
    };
  }
}
