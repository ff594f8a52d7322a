package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.StreamCorruptedException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecTest {
  private static final ClassLoader LOADER = CodecTest.class.getClassLoader();

  private static Object[] roundTrip(Object... values) throws Exception {
    return Codec.decodeValues(ByteBuffer.wrap(Codec.encodeValues(values)), LOADER);
  }

  @Test
  void simpleValuesTravelCompactlyAndExactly() throws Exception {
    Object[] values = {null, true, false, 1, -7L, 2.5, 1.5f, (short) 3, (byte) 4, 'c', "latin é", "snow ☃",
        "unpaired \uD800 surrogate", "", new byte[] {1, 2}, Codec.Marker.SKIPPED, Integer.MIN_VALUE, Double.NaN};
    Object[] back = roundTrip(values);
    assertThat(back).hasSize(values.length);
    for (int i = 0; i < values.length; i++) {
      assertThat(back[i]).as("value %d", i).isEqualTo(values[i]);
      if (values[i] != null) {
        assertThat(back[i]).hasSameClassAs(values[i]);
      }
    }
    // Two values: a type tag and an int each, no Java serialization header or class descriptors.
    assertThat(Codec.encodeValues(new Object[] {1, 2})).hasSize(5 + 2 * 5);
  }

  @Test
  void runsOfIntsTravelWithoutATagEach() throws Exception {
    Object[] values = new Object[1_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 7919 - 500_000;
    }
    values[3] = null; // a short run (3 ints) before it, written value by value
    values[500] = "mid";
    values[998] = 2L; // a run of 497, then a lone int at the end
    Object[] back = roundTrip(values);
    assertThat(back).containsExactly(values);
    Object[] ints = new Object[100];
    java.util.Arrays.fill(ints, Integer.MAX_VALUE);
    assertThat(Codec.encodeValues(ints)).hasSize(5 + 5 + 4 * 100);
    assertThat(roundTrip(ints)).containsExactly(ints);
    // Four ints are cheaper one by one than as a run; five are not.
    assertThat(Codec.encodeValues(new Object[] {1, 2, 3, 4})).hasSize(5 + 4 * 5);
    assertThat(Codec.encodeValues(new Object[] {1, 2, 3, 4, 5})).hasSize(5 + 5 + 5 * 4);
  }

  @Test
  void aRunLongerThanItsValuesOrBytesIsCorrupt() {
    // 2 values, then a run claiming 3 ints
    byte[] tooMany = {1, 0, 0, 0, 2, 14, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3};
    assertThatThrownBy(() -> Codec.decodeValues(ByteBuffer.wrap(tooMany), LOADER))
        .isInstanceOf(StreamCorruptedException.class).hasMessageContaining("run of 3 ints");
    // 2 values, a run of 2 ints with only 4 bytes left
    byte[] cutShort = {1, 0, 0, 0, 2, 14, 0, 0, 0, 2, 0, 0, 0, 1};
    assertThatThrownBy(() -> Codec.decodeValues(ByteBuffer.wrap(cutShort), LOADER))
        .isInstanceOf(StreamCorruptedException.class);
    byte[] empty = {1, 0, 0, 0, 2, 14, 0, 0, 0, 0};
    assertThatThrownBy(() -> Codec.decodeValues(ByteBuffer.wrap(empty), LOADER))
        .isInstanceOf(StreamCorruptedException.class);
  }

  @Test
  void otherValuesFallBackToJavaSerialization() throws Exception {
    List<Integer> list = new ArrayList<>(List.of(1, 2));
    Object[] back = roundTrip(1, list, Map.of("k", "v"));
    assertThat(back).containsExactly(1, list, Map.of("k", "v"));
  }

  @Test
  void whatCannotBeSerializedIsNamed() {
    assertThatThrownBy(() -> Codec.encodeValues(new Object[] {1, new Object()}))
        .isInstanceOf(NotSerializableException.class).hasMessage("java.lang.Object");
  }

  @Test
  void anArrayLongerThanItsMessageIsRejectedBeforeItIsAllocated() throws Exception {
    byte[] bytes = Codec.serialize(new long[] {1, 2, 3});
    // The array length is the int right before the 3 longs at the end of the stream.
    ByteBuffer.wrap(bytes).putInt(bytes.length - 3 * 8 - 4, Integer.MAX_VALUE);
    assertThatThrownBy(() -> Codec.deserialize(bytes, 0, bytes.length, LOADER))
        .isInstanceOf(InvalidClassException.class).hasMessageContaining("REJECTED");
  }

  @Test
  void objectGraphsDeeperThanTheLimitAreRejected() throws Throwable {
    Object[] root = new Object[1];
    Object[] at = root;
    for (int i = 0; i < Codec.MAX_DEPTH + 10; i++) {
      Object[] next = new Object[1];
      at[0] = next;
      at = next;
    }
    // Serializing that deep needs a bigger stack than a test thread's default.
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(null, () -> {
      try {
        byte[] bytes = Codec.serialize(root);
        Codec.deserialize(bytes, 0, bytes.length, LOADER);
      } catch (Throwable e) {
        failure[0] = e;
      }
    }, "deep", 256 << 20);
    t.start();
    t.join();
    assertThat(failure[0]).isInstanceOf(InvalidClassException.class).hasMessageContaining("REJECTED");
  }

  @Test
  void garbageIsReportedAsCorruptOrCutShort() {
    assertThatThrownBy(() -> Codec.decodeValues(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 2, 99}), LOADER))
        .isInstanceOf(StreamCorruptedException.class);
    assertThatThrownBy(() -> Codec.decodeValues(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 4, 0x7f, 0, 0, 0}), LOADER))
        .isInstanceOf(StreamCorruptedException.class);
    // Java serialization cut short: the parent treats an EOF inside a message as a protocol error too.
    assertThatThrownBy(() -> Codec.decodeValues(ByteBuffer.wrap(new byte[] {2, 1, 2, 3}), LOADER))
        .isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> Codec.decodeValues(ByteBuffer.wrap(new byte[] {2, 1, 2, 3, 4, 5}), LOADER))
        .isInstanceOf(StreamCorruptedException.class);
  }
}
