package dev.procpool;

import dev.procpool.contract.PoolContract;

/** The Pool contract on worker processes. */
class ProcessPoolContractTest extends PoolContract {
  @Override
  protected PoolBuilder backend(PoolBuilder builder, int workers) {
    return builder.processes(workers);
  }
}
