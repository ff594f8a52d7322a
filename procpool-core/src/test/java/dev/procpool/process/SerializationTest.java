package dev.procpool.process;

import static dev.procpool.contract.Outcomes.outcomes;
import static dev.procpool.process.ProcessTests.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.TaskFailedException;
import dev.procpool.contract.Probe;
import dev.procpool.RemoteTaskException;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What crosses the process boundary: what cannot be serialized fails clearly, naming the class, and
 * before anything is sent; exceptions come back as themselves with the worker's stack trace, or as a
 * stand-in that keeps their class name, message and stack; what tasks print reaches this JVM's output.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SerializationTest {
  private static Pool pool;

  @TempDir Path tmp;

  @BeforeAll
  static void startPool() {
    pool = Pool.builder().processes(2).name("ser").build();
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    ProcessTests.stop(pool);
  }

  /** Not Serializable, on purpose. */
  static final class Connection {
    int port() {
      return 5432;
    }
  }

  @Test
  void aFunctionCapturingSomethingNotSerializableFailsTheCallOnceBeforeAnythingRuns() {
    String dir = tmp.toString();
    Connection connection = new Connection();
    Fn<Integer, Integer> f = x -> {
      Probe.mark(dir, "ran");
      return x + connection.port();
    };
    assertThatThrownBy(() -> pool.map(f, range(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the function cannot be sent to a worker process")
        .hasMessageContaining(Connection.class.getName() + ", which is not Serializable");
    // One mistake, one error: not a failure per item, even for a lazy call over a thousand of them.
    assertThatThrownBy(() -> pool.imap(f, range(1_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the function cannot be sent to a worker process");
    assertThat(Probe.marked(dir, "ran")).isFalse();
    assertThat(pool.map(x -> x + 1, range(3))).containsExactly(1, 2, 3);
  }

  @Test
  void aPlainRunnableNamesTheLambdaAndTheFix() {
    Runnable notSerializable = () -> { };
    assertThatThrownBy(() -> pool.submit(notSerializable))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("$$Lambda")
        .hasMessageContaining("give it a procpool type (Fn, Fn2, Fn3, Task)");
  }

  @Test
  void anItemThatCannotBeSerializedFailsOnlyThatItem() {
    List<Object> items = Arrays.asList(1, new Connection(), 3, "four");
    List<Object> out = outcomes(pool, (Object x) -> String.valueOf(x).length(), items, 4);
    assertThat(out.get(0)).isEqualTo(1);
    assertThat(out.get(1)).isInstanceOf(TaskFailedException.class);
    assertThat(((Throwable) out.get(1)).getCause())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item 1 cannot be sent to a worker process")
        .hasMessageContaining(Connection.class.getName());
    assertThat(out.subList(2, 4)).containsExactly(1, 4);
  }

  @Test
  void aResultThatCannotBeSerializedFailsOnlyThatItem() {
    List<Object> out = outcomes(pool, (Integer x) -> x == 1 ? new Connection() : x, range(4), 4);
    assertThat(out.get(1)).isInstanceOf(TaskFailedException.class);
    assertThat(((Throwable) out.get(1)).getCause())
        .hasMessageContaining("the result of item 1 cannot be sent back from the worker process")
        .hasMessageContaining(Connection.class.getName());
    assertThat(out).element(0).isEqualTo(0);
    assertThat(out.subList(2, 4)).containsExactly(2, 3);
  }

  /** An exception of the application's own. */
  static final class InventoryException extends Exception {
    InventoryException(String message) {
      super(message);
    }
  }

  @Test
  void aRemoteExceptionArrivesAsItsOwnClassWithTheWorkersStackTrace() {
    assertThatThrownBy(() -> pool.map(SerializationTest::countStock, List.of("apples", "pears")))
        .isInstanceOf(TaskFailedException.class)
        .cause()
        .isExactlyInstanceOf(InventoryException.class)
        .hasMessage("no pears in stock")
        .satisfies(e -> assertThat(e.getStackTrace())
            .anyMatch(s -> s.getMethodName().equals("countStock"))
            .anyMatch(s -> s.getClassName().equals("dev.procpool.internal.process.TaskRunner")));
  }

  private static int countStock(String fruit) throws InventoryException {
    if (fruit.equals("pears")) {
      throw new InventoryException("no pears in stock");
    }
    return 3;
  }

  /** An exception that cannot travel: it holds something not serializable. */
  static final class LeakyException extends RuntimeException {
    final transient Object fine = new Object();
    final Connection connection = new Connection();

    LeakyException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  @Test
  void anExceptionThatCannotTravelArrivesAsAStandInWithItsClassMessageAndStack() {
    assertThatThrownBy(() -> pool.apply(() -> {
      throw new LeakyException("pool exhausted", new IllegalStateException("root cause"));
    }))
        .isInstanceOf(TaskFailedException.class)
        .cause()
        .isInstanceOf(RemoteTaskException.class)
        .hasMessage(LeakyException.class.getName() + ": pool exhausted")
        .satisfies(e -> {
          assertThat(((RemoteTaskException) e).remoteClassName()).isEqualTo(LeakyException.class.getName());
          assertThat(e.getStackTrace()).anyMatch(s -> s.getClassName().startsWith(SerializationTest.class.getName()));
          assertThat(e.getCause()).hasMessage("java.lang.IllegalStateException: root cause");
        });
  }

  /** Serializable, but cannot be read in any process other than the one that made it. */
  static final class OnlyHere extends RuntimeException {
    private final long origin = ProcessHandle.current().pid();

    OnlyHere(String message) {
      super(message);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
      in.defaultReadObject();
      if (origin != ProcessHandle.current().pid()) {
        throw new java.io.InvalidObjectException("made in process " + origin + ", cannot be read elsewhere");
      }
    }
  }

  @Test
  void itemsTheWorkerCannotReadFailTheirChunkWithAClearError() {
    List<Object> items = Arrays.asList(1, new OnlyHere("item"), 3);
    List<Object> out = outcomes(pool, (Object x) -> 0, items, 3);
    assertThat(out).hasSize(3).allSatisfy(o -> assertThat(o).isInstanceOf(TaskFailedException.class));
    assertThat(((Throwable) out.get(0)).getCause())
        .hasMessageContaining("the worker process could not read the items")
        .hasMessageContaining("cannot be read elsewhere");
    assertThat(pool.map(x -> x + 1, range(3))).containsExactly(1, 2, 3);
  }

  @Test
  void resultsThisJvmCannotReadFailWithAClearError() {
    List<Object> out = outcomes(pool, (Integer x) -> x == 1 ? new OnlyHere("result") : x, range(3), 1);
    assertThat(out.get(0)).isEqualTo(0);
    assertThat(((Throwable) out.get(1)).getCause())
        .hasMessageContaining("the results of items 1..1 could not be read in the pool's JVM")
        .hasMessageContaining("cannot be read elsewhere");
    assertThat(out.get(2)).isEqualTo(2);
  }

  @Test
  void anExceptionThisJvmCannotReadArrivesAsAStandIn() {
    assertThatThrownBy(() -> pool.apply(() -> {
      throw new OnlyHere("thrown in the worker");
    }))
        .cause()
        .isInstanceOf(RemoteTaskException.class)
        .hasMessage(OnlyHere.class.getName() + ": thrown in the worker");
  }

  @Test
  void whatTasksPrintArrivesAsWholePrefixedLinesAndCannotCorruptThePool() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      List<Integer> out = pool.map(x -> {
        System.out.println("line from item " + x);
        // Bytes that look like a frame, written straight to the process's stdout.
        FileOutputStream raw = new FileOutputStream(FileDescriptor.out);
        raw.write(new byte[] {0, 0, 0, 5, 24, 'x', '\n'});
        raw.flush();
        System.out.print("no newline at the end");
        System.out.println(" until now " + x);
        return x;
      }, range(4), 1);
      assertThat(out).containsExactly(0, 1, 2, 3);
      await().atMost(Duration.ofSeconds(10)).until(() -> count(captured, "until now") == 4);
    } finally {
      System.setOut(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    for (int x = 0; x < 4; x++) {
      assertThat(text).containsPattern("(?m)^\\[ser w\\d+\\] line from item " + x + "$");
      assertThat(text).containsPattern("(?m)^\\[ser w\\d+\\] no newline at the end until now " + x + "$");
    }
    assertThat(pool.map(x -> x * 2, range(3))).containsExactly(0, 2, 4);
  }

  private static int count(ByteArrayOutputStream out, String needle) {
    String s = out.toString(StandardCharsets.UTF_8);
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
