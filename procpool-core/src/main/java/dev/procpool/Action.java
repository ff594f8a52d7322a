package dev.procpool;

/**
 * Work that returns nothing, such as a worker {@linkplain PoolBuilder#initializer(Action)
 * initializer}: a {@link Task} whose lambda needs no {@code return null;}.
 *
 * <pre>{@code
 * Pool pool = Pool.builder().processes(4).initializer(() -> NativeLib.load(modelDir)).build();
 * }</pre>
 *
 * <p>Like every procpool function type it is {@link java.io.Serializable} (so a lambda assigned to it
 * can travel to a worker process without a cast, when what it captures is serializable) and may throw
 * checked exceptions. It is a {@code Task<Void>} whose {@link #call()} runs {@link #run()} and returns
 * null, so it fits wherever a task does. A lambda that returns a value also fits here; its value is
 * dropped.
 *
 * <p>Thread-safety is the implementation's: an initializer runs once in each worker, so on a thread
 * pool several run at once.
 */
@FunctionalInterface
public interface Action extends Task<Void> {

  /**
   * Does the work.
   *
   * @throws Exception anything; for an initializer, the pool fails its work with
   *     {@link WorkerStartException} whose cause is this exception
   */
  void run() throws Exception;

  /**
   * Runs {@link #run()}.
   *
   * @return null
   * @throws Exception what {@link #run()} throws
   */
  @Override
  default Void call() throws Exception {
    run();
    return null;
  }
}
