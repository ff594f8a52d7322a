package dev.procpool;

import dev.procpool.contract.PoolContract;

/** The Pool contract on the thread backend. */
class ThreadPoolContractTest extends PoolContract {
  @Override
  protected PoolBuilder backend(PoolBuilder builder, int workers) {
    return builder.threads(workers);
  }
}
