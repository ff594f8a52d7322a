package dev.procpool.process;

import static dev.procpool.contract.Outcomes.outcomes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.TaskFailedException;
import dev.procpool.WorkerStartException;
import dev.procpool.contract.CapturedLog;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A record is Serializable only when it says so. Code with a record that does not passes on threads;
 * on processes, the error says exactly that and how to fix it, for an item, a result and a captured value.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordsTest {
  private static final String FIX = "declare it `record Point(...) implements java.io.Serializable`";
  private static Pool pool;

  record Point(int x, int y) {}

  record SerializablePoint(int x, int y) implements Serializable {}

  @BeforeAll
  static void startPool() {
    pool = Pool.builder().processes(1).name("records").build();
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    ProcessTests.stop(pool);
  }

  @Test
  void aRecordThatSaysSerializableTravels() {
    assertThat(pool.map(p -> p.x() + p.y(), List.of(new SerializablePoint(1, 2)))).containsExactly(3);
    assertThat(pool.map(x -> new SerializablePoint(x, x), List.of(4))).containsExactly(new SerializablePoint(4, 4));
  }

  @Test
  void aRecordItemThatDoesNotSayItFailsWithTheFix() {
    try (Pool threads = Pool.threads(1)) {
      assertThat(threads.map(p -> p.x() + p.y(), List.of(new Point(1, 2)))).containsExactly(3);
    }
    List<Object> out = outcomes(pool, (Object p) -> p.toString().length(), List.of(new Point(1, 2), "ok"), 2);
    assertThat(out.get(0)).isInstanceOf(TaskFailedException.class);
    assertThat(((Throwable) out.get(0)).getCause())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("item 0 cannot be sent to a worker process: it is or contains record " + Point.class.getName()
            + ", which is not Serializable: a record is Serializable only when it says so; " + FIX
            + ", or use a thread pool");
    assertThat(out.get(1)).isEqualTo(2);
  }

  @Test
  void aRecordResultThatDoesNotSayItFailsWithTheFix() {
    List<Object> out = outcomes(pool, (Integer x) -> new Point(x, x), List.of(7), 1);
    assertThat(((Throwable) out.get(0)).getCause())
        .hasMessageStartingWith("the result of item 0 cannot be sent back from the worker process: it is or contains"
            + " record " + Point.class.getName() + ", which is not Serializable")
        .hasMessageContaining(FIX);
  }

  @Test
  void aCapturedRecordThatDoesNotSayItFailsTheFunctionWithTheFix() {
    Point origin = new Point(10, 20);
    Fn<Integer, Integer> shift = x -> x + origin.x();
    assertThatThrownBy(() -> pool.map(shift, List.of(1, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the function cannot be sent to a worker process: it is or captures record "
            + Point.class.getName() + ", which is not Serializable")
        .hasMessageContaining(FIX);
  }

  @Test
  void anInitializerCapturingSuchARecordIsRefusedByBuildWithTheFix() {
    Point origin = new Point(10, 20);
    assertThatThrownBy(() -> Pool.builder().processes(1).initializer(() -> origin.hashCode()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the initializer cannot be sent to worker processes: it is or captures record "
            + Point.class.getName() + ", which is not Serializable")
        .hasMessageContaining(FIX);
  }
}
