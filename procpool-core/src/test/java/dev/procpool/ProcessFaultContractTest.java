package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.contract.FaultContract;
import dev.procpool.internal.process.ProcessBackend;
import dev.procpool.internal.process.ProcessOptions;
import dev.procpool.process.ProcessTests;
import dev.procpool.spi.BackendFactory;
import java.time.Duration;

/** The fault contract on worker processes. */
class ProcessFaultContractTest extends FaultContract {
  @Override
  protected BackendFactory backend() {
    return settings -> new ProcessBackend(settings, ProcessOptions.DEFAULTS);
  }

  @Override
  protected void assertNothingLeft(String poolName) {
    super.assertNothingLeft(poolName);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ProcessTests.workerCount()).isZero());
  }
}
