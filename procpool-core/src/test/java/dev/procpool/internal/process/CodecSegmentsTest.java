package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Large byte[] values are written from the caller's arrays, in the very bytes encodeValues would make. */
class CodecSegmentsTest {
  private static final int RESERVE = Protocol.CHUNK_PREFIX;

  private static byte[] join(byte[][] segments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] s : segments) {
      out.writeBytes(s);
    }
    return out.toByteArray();
  }

  @Test
  void segmentsAreTheSameBytesAndShareTheLargeArrays() throws Exception {
    byte[] big = new byte[Codec.LARGE_BYTES];
    Arrays.fill(big, (byte) 7);
    byte[] bigger = new byte[3 * Codec.LARGE_BYTES + 1];
    Object[][] cases = {
        {big},
        {1, "two", big, 3L, bigger},
        {big, bigger},
        {null, new byte[] {1}, big, "end"},
    };
    for (Object[] values : cases) {
      byte[][] segments = Codec.encodeSegments(values, RESERVE);
      assertThat(segments).isNotNull();
      byte[] joined = join(segments);
      assertThat(Arrays.copyOfRange(joined, RESERVE, joined.length)).isEqualTo(
          Arrays.copyOfRange(Codec.encodeValues(values, RESERVE), RESERVE, joined.length));
      assertThat(Arrays.stream(segments).anyMatch(s -> s == big || s == bigger)).isTrue();
      Object[] back = Codec.decodeValues(ByteBuffer.wrap(joined, RESERVE, joined.length - RESERVE).slice(), null);
      assertThat(back).hasSize(values.length);
      for (int i = 0; i < values.length; i++) {
        assertThat(back[i]).isEqualTo(values[i]);
      }
    }
  }

  @Test
  void onlyCompactValuesWithALargeByteArrayAreSegmented() {
    assertThat(Codec.encodeSegments(new Object[] {1, new byte[10]}, RESERVE)).isNull();
    assertThat(Codec.encodeSegments(new Object[] {new byte[Codec.LARGE_BYTES], new StringBuilder()}, RESERVE)).isNull();
  }
}
