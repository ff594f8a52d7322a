package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.procpool.Fn;
import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The advice for a value that cannot be serialized fits the class at fault, records above all. */
class SerializationAdviceTest {

  record Point(int x, int y) {}

  record Labelled(String label, Point point) implements Serializable {}

  static final class Connection {}

  /** What Java serialization really throws for {@code value}. */
  private static NotSerializableException failure(Object value) {
    return catchThrowableOfType(NotSerializableException.class, () -> {
      try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
        out.writeObject(value);
      }
    });
  }

  private static String ofValue(Object value) {
    return SerializationAdvice.ofValue(value, failure(value));
  }

  @Test
  void aRecordIsToldToDeclareSerializable() {
    assertThat(ofValue(new Point(1, 2))).isEqualTo("record " + Point.class.getName() + ", which is not Serializable:"
        + " a record is Serializable only when it says so; declare it `record Point(...) implements java.io.Serializable`");
  }

  @Test
  void theRecordIsFoundWhereverItSitsInTheValue() {
    assertThat(ofValue(List.of("a", Map.of("k", new Point(1, 2)))))
        .startsWith("record " + Point.class.getName() + ", which is not Serializable");
    // A serializable record is fine; its component that is not is the one named.
    assertThat(ofValue(new Labelled("origin", new Point(0, 0))))
        .startsWith("record " + Point.class.getName() + ", which is not Serializable")
        .contains("`record Point(...) implements java.io.Serializable`");
  }

  @Test
  void aClassOfTheApplicationIsToldToImplementSerializable() {
    assertThat(ofValue(List.of(new Connection())))
        .isEqualTo(Connection.class.getName() + ", which is not Serializable; make it implement java.io.Serializable");
  }

  @Test
  void aJdkClassIsNotToldToBecomeSerializable() {
    assertThat(ofValue(List.of(new Object())))
        .startsWith("java.lang.Object, which is not Serializable and, being part of the JDK, cannot be made so;")
        .doesNotContain("make it implement");
  }

  @Test
  void aFunctionIsAlsoToldToCaptureOnlySerializableValues() {
    Point origin = new Point(0, 0);
    Fn<Integer, Integer> f = x -> x + origin.x();
    assertThat(SerializationAdvice.ofFunction(f, failure(f)))
        .startsWith("record " + Point.class.getName() + ", which is not Serializable")
        .endsWith(", or capture only serializable values (copy what the task needs into local variables first)");
  }

  @Test
  void aLambdaOfANonSerializableTypeIsToldToUseAProcpoolType() {
    Runnable r = () -> { };
    assertThat(SerializationAdvice.ofFunction(r, failure(r)))
        .contains("$$Lambda")
        .contains("give it a procpool type (Fn, Fn2, Fn3, Task) or another Serializable interface");
  }

  @Test
  void anExceptionThatNamesSomethingElseKeepsItsName() {
    NotSerializableException custom = new NotSerializableException("com.example.Elsewhere");
    assertThat(SerializationAdvice.ofValue(new Point(1, 2), custom))
        .isEqualTo("com.example.Elsewhere, which is not Serializable; make it Serializable");
  }
}
