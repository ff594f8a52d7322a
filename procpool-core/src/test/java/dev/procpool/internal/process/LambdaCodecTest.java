package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Fn;
import dev.procpool.Task;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.InvalidObjectException;
import java.io.StreamCorruptedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class LambdaCodecTest {
  private static final ClassLoader LOADER = LambdaCodecTest.class.getClassLoader();

  @SuppressWarnings("unchecked")
  private static Fn<Object, Object> roundTrip(Object fn) throws IOException {
    byte[] bytes = LambdaCodec.encode(fn);
    assertThat(bytes).isNotNull();
    assertThat(bytes[0]).isEqualTo(LambdaCodec.FORM);
    return (Fn<Object, Object>) LambdaCodec.decode(ByteBuffer.wrap(bytes), LOADER);
  }

  private static Fn<Object, Object> wrap(Task<?> task) {
    return ignored -> task.call();
  }

  @Test
  void aLambdaAndWhatItCapturesComeBackWithoutJavaSerialization() throws Exception {
    int k = 7;
    String s = "snow ☃";
    List<Integer> list = List.of(1, 2, 3); // not a simple value: Java-serialized on its own
    Fn<Object, Object> back = roundTrip(wrap(() -> s + (k * k) + list));
    assertThat(back.apply(null)).isEqualTo("snow ☃49[1, 2, 3]");
    assertThat(LambdaCodec.encode(wrap(() -> k)).length).isLessThan(Codec.serialize(wrap(() -> k)).length);
  }

  @Test
  void aMethodReferenceAndALambdaCapturingNothingComeBack() throws Exception {
    Fn<String, Integer> length = String::length;
    assertThat(roundTrip(length).apply("four")).isEqualTo(4);
    Fn<Integer, Integer> square = x -> x * x;
    assertThat(roundTrip(square).apply(9)).isEqualTo(81);
  }

  @Test
  void whatIsNotASerializableLambdaIsLeftToJavaSerialization() {
    Function<Integer, Integer> plain = x -> x; // not Serializable: no writeReplace
    assertThat(LambdaCodec.encode(plain)).isNull();
    assertThat(LambdaCodec.encode(new Named())).isNull();
    Object notSerializable = new Object();
    assertThat(LambdaCodec.encode(wrap(() -> notSerializable))).isNull();
  }

  @Test
  void aMissingCapturingClassIsReportedAsJavaSerializationWould() throws Exception {
    int k = 1;
    byte[] bytes = LambdaCodec.encode(wrap(() -> k));
    String mine = LambdaCodecTest.class.getName().replace('.', '/');
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int at = text.indexOf(mine);
    byte[] renamed = bytes.clone();
    renamed[at + mine.length() - 1] = 'X'; // ...LambdaCodecTesX: a class this JVM does not have
    assertThatThrownBy(() -> LambdaCodec.decode(ByteBuffer.wrap(renamed), LOADER))
        .isInstanceOf(InvalidClassException.class)
        .hasCauseInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void garbageIsAStreamErrorAndALambdaTheClassDoesNotHaveIsRefused() throws Exception {
    byte[] bytes = LambdaCodec.encode(wrap(() -> 1));
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length / 2);
    assertThatThrownBy(() -> LambdaCodec.decode(ByteBuffer.wrap(cut), LOADER))
        .isInstanceOf(StreamCorruptedException.class);
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("lambda$");
    byte[] forged = bytes.clone();
    forged[at] = 'L'; // a method name the capturing class never made a lambda of
    assertThatThrownBy(() -> LambdaCodec.decode(ByteBuffer.wrap(forged), LOADER))
        .isInstanceOf(InvalidObjectException.class);
  }

  private static final class Named implements Fn<Object, Object> {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(Object item) {
      return item;
    }
  }
}
