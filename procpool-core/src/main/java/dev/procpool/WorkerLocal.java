package dev.procpool;

import dev.procpool.spi.WorkerScope;
import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

/**
 * An expensive object built once per worker and shared by every task that worker runs: a model, a
 * parser, a connection. mpire calls it worker state; in Python it is the initializer-with-a-global
 * idiom. Capture the handle in a task and call {@link #get()} there:
 *
 * <pre>{@code
 * WorkerLocal<Tokenizer> tokenizer = WorkerLocal.of(() -> Tokenizer.load("en.model"));
 * List<Integer> counts = pool.map(text -> tokenizer.get().count(text), documents);
 * }</pre>
 *
 * <p>The first {@code get()} in a worker builds the object with the factory; later calls in the same
 * worker return the same object. A worker is a thread of a thread pool, a worker JVM of a process
 * pool, or a member JVM of a cluster pool. A replaced worker (crash, timeout, recycling) builds a
 * fresh one. When a thread worker exits, an object that is {@link AutoCloseable} is closed.
 *
 * <p>The handle is serializable when the factory is; it is thread-safe. If the factory throws,
 * {@code get()} throws {@link IllegalStateException} with the factory's exception as cause (the task
 * fails with it), and the next {@code get()} tries again.
 *
 * @param <S> the state's type
 */
public final class WorkerLocal<S> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Names this state in every worker's scope. */
  private final String id = UUID.randomUUID().toString();
  /** Builds the state, once per worker. */
  private final Task<? extends S> factory;

  private WorkerLocal(Task<? extends S> factory) {
    this.factory = factory;
  }

  /**
   * Creates a handle whose state is built by {@code factory}, once per worker, on first use.
   *
   * @param factory builds the state; runs in the worker
   * @param <S> the state's type
   * @return the handle
   * @throws NullPointerException if {@code factory} is null
   */
  public static <S> WorkerLocal<S> of(Task<? extends S> factory) {
    return new WorkerLocal<>(Objects.requireNonNull(factory, "factory"));
  }

  /**
   * Returns this worker's state, building it on first use.
   *
   * @return the state, never rebuilt within one worker
   * @throws IllegalStateException if the factory threw
   */
  @SuppressWarnings("unchecked")
  public S get() {
    return (S) WorkerScope.current().computeIfAbsent(id, key -> {
      try {
        return factory.call();
      } catch (Exception e) {
        throw new IllegalStateException("building the worker state failed: " + e, e);
      }
    });
  }

  @Override
  public String toString() {
    return "WorkerLocal[" + id + "]";
  }
}
