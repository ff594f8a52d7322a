package dev.procpool.examples;

import dev.procpool.contract.FaultContract;
import dev.procpool.spi.BackendFactory;

/** The fault contract on the example backend that serializes everything. */
class SerializingFaultContractTest extends FaultContract {
  @Override
  protected BackendFactory backend() {
    return SerializingBackend::new;
  }
}
