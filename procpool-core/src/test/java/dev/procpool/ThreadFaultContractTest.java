package dev.procpool;

import dev.procpool.contract.FaultContract;
import dev.procpool.internal.threads.ThreadBackend;
import dev.procpool.spi.BackendFactory;

/** The fault contract on threads. */
class ThreadFaultContractTest extends FaultContract {
  @Override
  protected BackendFactory backend() {
    return ThreadBackend::new;
  }
}
