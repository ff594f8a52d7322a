package dev.procpool.internal.process;

import dev.procpool.Fn;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Job;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Jobs and chunks as the engine hands them to a backend, for tests of the process backend's parts. */
final class TestChunks {
  private TestChunks() {}

  /** A job of {@code size} items (-1: not known), never cancelled. */
  record TestJob(long id, Fn<Object, Object> function, Duration taskTimeout, long size) implements Job {
    @Override
    public boolean isCancelled() {
      return false;
    }
  }

  record TestChunk(Job job, long firstIndex, List<?> items) implements Chunk {}

  /** A job of unknown size whose function returns its argument. */
  static Job job(long id, Duration taskTimeout) {
    return new TestJob(id, x -> x, taskTimeout, -1);
  }

  static Chunk chunk(Job job, long firstIndex, Object... items) {
    return new TestChunk(job, firstIndex, Arrays.asList(items));
  }
}
