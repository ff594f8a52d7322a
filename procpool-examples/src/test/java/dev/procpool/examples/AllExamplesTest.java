package dev.procpool.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.TaskFailedException;
import dev.procpool.examples.AllExamples.Backend;
import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the examples and checks that they still print what the article prints. */
class AllExamplesTest {

  /** What the article's code blocks print (or would print, where the article's comments are wrong). */
  static final String ARTICLE_OUTPUT = """
      --- pool.map(f, [1,2,3])
      [1, 4, 9]
      --- pool.map(h, [{'a':1, 'b':2}, {'a':3, 'b':4}], chunksize=1)
      [3, 7]
      --- pool.imap(f, [1, 2, 3]) and pool.imap_unordered(f, [1, 2, 3])
      imap:          [1, 4, 9]
      imapUnordered: [1, 4, 9] (sorted)
      imap over 1, 2, 3, ... while below 100: [1, 4, 9, 16, 25, 36, 49, 64, 81]
      --- pool.starmap(g, [(1, 2), (3, 4)])
      [3, 7]
      --- functools.partial
      partial(g, 2):   [2, 3, 4]
      partial(g, b=3): [3, 4, 5]
      partial(sub, a=2) as sub.bindFirst(2): [2, 1, 0]
      --- concurrent.futures: submit, invokeAll, map
      submit(f, 3).get(): 9
      invokeAll:          [0, 1, 4]
      map(f, range(3)):   [0, 1, 4]
      """;

  static final String CPU_BOUND_OUTPUT = """
      --- CPU-bound: 8 tasks of pure arithmetic
      sequential loop: +\\d+\\.\\d\\d s
      pool\\.map \\(\\d+ workers\\): \\d+\\.\\d\\d s
      speed-up: +\\d+\\.\\dx \\(same results: true\\)
      """;

  static final String INSIGHTS_OUTPUT = """
      --- worker state, progress and insights
      sha256\\(document-0\\) starts with 19af7c216ad6
      worker +state +tasks +busy +idle +startup +bytes in +bytes out
      (?s:.*)total: 2000 tasks in .*
      """;

  @Test
  void mainPrintsTheArticlesResultsOnThreads() throws Exception {
    String out = captureOutput(() -> AllExamples.main(new String[] {"threads"}));

    assertThat(out).startsWith("=== backend: threads ===\n" + ARTICLE_OUTPUT);
    assertThat(out.substring(("=== backend: threads ===\n" + ARTICLE_OUTPUT).length()))
        .matches(CPU_BOUND_OUTPUT + INSIGHTS_OUTPUT + "\n");
  }

  @Test
  void examplesOnlyShipSerializableFunctionsAndItems() throws Exception {
    String out;
    try (Pool pool = serializingPool()) {
      out = captureOutput(() -> AllExamples.runArticleExamples(pool));
    }
    assertThat(out).isEqualTo(ARTICLE_OUTPUT);

    try (Pool pool = serializingPool()) {
      assertThat(CpuBoundExample.run(pool, 2).sameResults()).isTrue();
    }
  }

  @Test
  void serializingBackendRejectsAFunctionThatCapturesSomethingNotSerializable() {
    Object notSerializable = new Object();
    Fn<Integer, Integer> fn = x -> x + notSerializable.hashCode();
    try (Pool pool = serializingPool()) {
      assertThatThrownBy(() -> pool.map(fn, List.of(1, 2)))
          .isInstanceOf(TaskFailedException.class)
          .hasCauseInstanceOf(NotSerializableException.class);
    }
  }

  @Test
  void backendsAreChosenByName() {
    assertThat(AllExamples.select(List.of())).isEqualTo(AllExamples.BACKENDS);
    assertThat(AllExamples.select(List.of("threads")))
        .extracting(Backend::name)
        .containsExactly("threads");
    assertThat(AllExamples.select(List.of("threads,threads")))
        .extracting(Backend::name)
        .containsExactly("threads", "threads");
    assertThatThrownBy(() -> AllExamples.select(List.of("nope")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown backend 'nope'; known: threads, processes, cluster");
  }

  private static Pool serializingPool() {
    return Pool.builder().backend(SerializingBackend::new, 2).build();
  }

  interface Body {
    void run() throws Exception;
  }

  /** Runs {@code body} and returns what it printed to {@code System.out}, with {@code \n} line ends. */
  static String captureOutput(Body body) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setOut(original);
    }
    String out = bytes.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
    original.print(out); // still show it in the test log
    return out;
  }
}
