package dev.procpool.spi;

/**
 * Creates a {@link Backend} for a pool being built; pass one to
 * {@link dev.procpool.PoolBuilder#backend(BackendFactory, int)} to run a pool somewhere new.
 */
@FunctionalInterface
public interface BackendFactory {

  /**
   * Creates the backend; it must not start workers until {@link Backend#start} is called.
   *
   * @param settings the worker settings from the builder
   * @return a new backend
   */
  Backend create(WorkerSettings settings);
}
