package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.Job;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkerLink;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a chunk becomes on the wire: the frames the worker needs before it, the CHUNK frame itself, and
 * the items or chunks failed in this JVM because they cannot be sent.
 */
@Timeout(10)
class ChunkEncoderTest {
  private final RecordingLink link = new RecordingLink();
  private final ChunkEncoder encoder = new ChunkEncoder(link, new FunctionCache());
  private final List<Object> frames = new ArrayList<>();

  /** A frame's type; a frame in segments (a FUNCTION frame, large items) has its header in the first. */
  private static byte type(Object frame) {
    byte[] first = frame instanceof byte[][] segments ? segments[0] : (byte[]) frame;
    return first[Protocol.HEADER_BYTES - 1];
  }

  private List<Byte> types() {
    return frames.stream().map(ChunkEncoderTest::type).toList();
  }

  private static ByteBuffer chunkFields(Object frame) {
    return ByteBuffer.wrap((byte[]) frame, Protocol.HEADER_BYTES, Protocol.CHUNK_PREFIX - Protocol.HEADER_BYTES);
  }

  private static int seq(Object frame) {
    return chunkFields(frame).getInt();
  }

  private static byte flags(Object frame) {
    return ((byte[]) frame)[Protocol.CHUNK_PREFIX - 1];
  }

  private static Object[] items(Object frame) throws Exception {
    byte[] b = (byte[]) frame;
    return Codec.decodeValues(ByteBuffer.wrap(b, Protocol.CHUNK_PREFIX, b.length - Protocol.CHUNK_PREFIX),
        ChunkEncoderTest.class.getClassLoader());
  }

  private Object last() {
    return frames.get(frames.size() - 1);
  }

  @Test
  void aJobsFunctionGoesOnceBeforeItsFirstChunkAndChunksAreNumbered() throws Exception {
    Job job = TestChunks.job(7, null);
    Chunk first = TestChunks.chunk(job, 0, 1, 2, 3);
    InFlight f = encoder.encode(first, false, frames);
    assertThat(types()).containsExactly(Protocol.FUNCTION, Protocol.CHUNK);
    assertThat(f.chunk).isSameAs(first);
    assertThat(f.seq).isEqualTo(seq(last())).isZero();
    assertThat(f.bytesSent).isEqualTo(((byte[]) last()).length - Protocol.CHUNK_PREFIX);
    ByteBuffer fields = chunkFields(last());
    fields.getInt();
    assertThat(fields.getLong()).as("job id").isEqualTo(7);
    assertThat(fields.getLong()).as("first index").isZero();
    assertThat(fields.getInt()).as("count").isEqualTo(3);
    assertThat(items(last())).containsExactly(1, 2, 3);

    frames.clear();
    InFlight g = encoder.encode(TestChunks.chunk(job, 3, 4, 5), false, frames);
    assertThat(types()).containsExactly(Protocol.CHUNK);
    assertThat(g.seq).isEqualTo(seq(last())).isEqualTo(1);
    assertThat(link.events).isEmpty();
  }

  @Test
  void theFlagsSayWhetherTheChunkIsTimedAnnouncedOrTheJobsOnlyOne() {
    Job timed = TestChunks.job(1, Duration.ofMillis(250));
    InFlight f = encoder.encode(TestChunks.chunk(timed, 0, 1), false, frames);
    assertThat(f.timeoutNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
    assertThat(flags(last())).as("a job's first chunk announces its start")
        .isEqualTo((byte) (Protocol.TIMED | Protocol.ANNOUNCE));

    Job untimed = TestChunks.job(2, null);
    assertThat(encoder.encode(TestChunks.chunk(untimed, 5, 1), false, frames).timed()).isFalse();
    assertThat(flags(last())).isZero();
    encoder.encode(TestChunks.chunk(untimed, 6, 1), true, frames);
    assertThat(flags(last())).as("every chunk once a worker died").isEqualTo(Protocol.ANNOUNCE);

    frames.clear();
    Job oneChunk = new TestChunks.TestJob(3, x -> x, null, 2);
    encoder.encode(TestChunks.chunk(oneChunk, 0, 1, 2), false, frames);
    encoder.encode(TestChunks.chunk(oneChunk, 0, 1, 2), false, frames); // run again: it went back
    assertThat(types()).as("a one-shot job's function goes with its chunk every time")
        .containsExactly(Protocol.FUNCTION, Protocol.CHUNK, Protocol.FUNCTION, Protocol.CHUNK);
    assertThat(flags(last())).isEqualTo((byte) (Protocol.ANNOUNCE | Protocol.ONE_SHOT));
  }

  @Test
  void anItemThatCannotBeSentFailsAloneAndTheOthersGo() throws Exception {
    Job job = TestChunks.job(1, null);
    Chunk chunk = TestChunks.chunk(job, 10, 1, new Object(), 3);
    InFlight f = encoder.encode(chunk, false, frames);
    assertThat(f).isNotNull();
    assertThat(items(last())).containsExactly(1, Codec.Marker.SKIPPED, 3);
    assertThat(link.events).singleElement().asString().startsWith("failed 1: java.lang.IllegalArgumentException:"
        + " item 11 cannot be sent to a worker process: it is or contains java.lang.Object");
  }

  @Test
  void aChunkWhoseItemsAllFailIsFinishedAndNotSent() {
    Job job = TestChunks.job(1, null);
    Chunk chunk = TestChunks.chunk(job, 0, new Object(), new Object());
    assertThat(encoder.encode(chunk, false, frames)).isNull();
    assertThat(frames).isEmpty();
    assertThat(link.events).hasSize(3).endsWith("finished");
  }

  @Test
  void aFunctionThatCannotBeSentFailsTheWholeChunk() {
    Object notSerializable = new Object();
    Job job = new TestChunks.TestJob(1, x -> notSerializable, null, -1);
    assertThat(encoder.encode(TestChunks.chunk(job, 0, 1, 2), false, frames)).isNull();
    assertThat(frames).isEmpty();
    assertThat(link.events).hasSize(3).endsWith("finished");
    assertThat(link.events.get(0)).startsWith("failed 0: java.lang.IllegalArgumentException: the function cannot be"
        + " sent to a worker process");
    assertThat(link.events.get(1)).startsWith("failed 1: ");
  }

  @Test
  void aJobThatEndedIsForgottenWithTheNextChunk() {
    Job done = TestChunks.job(1, null);
    encoder.encode(TestChunks.chunk(done, 0, 1), false, frames);
    assertThat(encoder.unship(2)).as("never shipped").isFalse();
    assertThat(encoder.unship(1)).isTrue();
    assertThat(encoder.unship(1)).as("once").isFalse();
    encoder.forgetLater(1);

    frames.clear();
    encoder.encode(TestChunks.chunk(TestChunks.job(2, null), 0, 1), false, frames);
    assertThat(types()).containsExactly(Protocol.FORGET, Protocol.FUNCTION, Protocol.CHUNK);
    assertThat(ByteBuffer.wrap((byte[]) frames.get(0), Protocol.HEADER_BYTES, 8).getLong()).isEqualTo(1);

    frames.clear();
    encoder.encode(TestChunks.chunk(done, 1, 2), false, frames);
    assertThat(types()).as("its function goes again if it has chunks after all")
        .containsExactly(Protocol.FUNCTION, Protocol.CHUNK);
  }

  /** Records the facts the encoder reports; it reports nothing else. */
  private static final class RecordingLink implements WorkerLink {
    final List<String> events = new ArrayList<>();

    @Override
    public void failed(Chunk chunk, int offset, Throwable error) {
      events.add("failed " + offset + ": " + error);
    }

    @Override
    public void finished(Chunk chunk) {
      events.add("finished");
    }

    @Override
    public int id() {
      return 1;
    }

    @Override
    public void ready(String detail) {
      throw new AssertionError();
    }

    @Override
    public Verdict startFailed(StartFailure failure) {
      throw new AssertionError();
    }

    @Override
    public Chunk take() {
      throw new AssertionError();
    }

    @Override
    public Chunk poll(long timeout, TimeUnit unit) {
      throw new AssertionError();
    }

    @Override
    public void started(Chunk chunk) {
      throw new AssertionError();
    }

    @Override
    public void running(Chunk chunk, int offset) {
      throw new AssertionError();
    }

    @Override
    public void completed(Chunk chunk, int offset, List<?> results) {
      throw new AssertionError();
    }

    @Override
    public void handBack(Chunk chunk, String why) {
      throw new AssertionError();
    }

    @Override
    public void timedOut(Chunk chunk, int offset) {
      throw new AssertionError();
    }

    @Override
    public void activity(long busyNanos, long bytesIn, long bytesOut) {
      throw new AssertionError();
    }

    @Override
    public Verdict gone(Exit exit) {
      throw new AssertionError();
    }
  }
}
