package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.contract.CapturedLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.logging.Level;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An initializer that returns nothing needs no {@code return null;}, and every shape of initializer
 * that compiled before still compiles, without a cast. Most of this test is checked by the compiler:
 * each {@code initializer(..)} call below would be a compile error (no applicable method, or an
 * ambiguous call) if the overloads regressed; at run time each one is shown to run in every worker.
 */
@Timeout(30)
class ActionInitializerTest {
  /** Initializer runs, per label and worker thread. */
  private static final ConcurrentHashMap<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

  static void init(String label) {
    RUNS.computeIfAbsent(label + "@" + Thread.currentThread().getName(), k -> new AtomicInteger()).incrementAndGet();
  }

  static String initAndReturn(String label) {
    init(label);
    return label;
  }

  /** Overloaded, so that {@code ActionInitializerTest::load} is an inexact method reference. */
  static void load() {
    init("overloaded-reference");
  }

  static void load(String label) {
    init(label);
  }

  static void initOrThrow(String label) throws IOException {
    init(label);
  }

  private static void assertRunsOncePerWorker(String label, PoolBuilder builder) {
    try (Pool pool = builder.threads(2).build()) {
      // chunks of one item on both workers: each worker has run its initializer before its first task
      List<String> workers = pool.map(x -> Thread.currentThread().getName(),
          IntStream.range(0, 20).boxed().collect(Collectors.toList()), 1);
      for (String worker : workers) {
        assertThat(RUNS.get(label + "@" + worker)).as("%s on %s", label, worker).hasValue(1);
      }
    }
  }

  @Test
  void aLambdaCallingAVoidMethodNeedsNoReturn() {
    String label = "void-lambda";
    assertRunsOncePerWorker(label, Pool.builder().initializer(() -> init(label)));
  }

  @Test
  void aBlockThatReturnsNullStillCompilesAsATask() {
    String label = "block-returning-null";
    assertRunsOncePerWorker(label, Pool.builder().initializer(() -> {
      init(label);
      return null;
    }));
  }

  @Test
  void aLambdaReturningAValueHasItDropped() {
    String label = "value-lambda";
    assertRunsOncePerWorker(label, Pool.builder().initializer(() -> initAndReturn(label)));
  }

  @Test
  void voidAndOverloadedMethodReferencesCompile() {
    assertRunsOncePerWorker("overloaded-reference", Pool.builder().initializer(ActionInitializerTest::load));
  }

  @Test
  void aVoidBlockMayThrowCheckedExceptions() {
    String label = "checked";
    assertRunsOncePerWorker(label, Pool.builder().initializer(() -> initOrThrow(label)));
  }

  @Test
  void taskAndActionVariablesBothFit() {
    Task<String> task = () -> initAndReturn("task-variable");
    assertRunsOncePerWorker("task-variable", Pool.builder().initializer(task));
    Action action = () -> init("action-variable");
    assertRunsOncePerWorker("action-variable", Pool.builder().initializer(action));
  }

  @Test
  void aThrowingActionFailsTheWorkWithItsException() {
    try (Pool pool = Pool.builder().threads(1).initializer(() -> {
      throw new IOException("model missing");
    }).build()) {
      assertThatThrownBy(() -> pool.apply(() -> 1))
          .isInstanceOf(WorkerStartException.class)
          .rootCause()
          .isInstanceOf(IOException.class)
          .hasMessage("model missing");
      assertThatThrownBy(() -> pool.apply(() -> 2)).as("the pool is broken").isInstanceOf(WorkerStartException.class);
    }
  }


  @Test
  void anActionIsATaskOfVoidAndIsSerializableAsALambda() throws Exception {
    String label = "serialized";
    Action action = () -> init(label);
    assertThat(action.call()).isNull();
    assertThat(RUNS.get(label + "@" + Thread.currentThread().getName())).hasValue(1);

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(action);
    }
    Object copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = in.readObject();
    }
    assertThat(copy).isInstanceOf(Action.class).isNotSameAs(action);
    ((Action) copy).run();
    assertThat(RUNS.get(label + "@" + Thread.currentThread().getName())).hasValue(2);
  }

  @Test
  void aNullInitializerIsRejected() {
    assertThatThrownBy(() -> Pool.builder().initializer((Action) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("initializer");
    assertThatThrownBy(() -> Pool.builder().initializer(() -> init("x")).initializer(() -> init("y")))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("initializer was already set to");
  }
}
