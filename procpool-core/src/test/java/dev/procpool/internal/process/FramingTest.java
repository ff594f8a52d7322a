package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class FramingTest {
  private static FrameReader reader(byte[] bytes, int max) {
    ReadableByteChannel ch = Channels.newChannel(new ByteArrayInputStream(bytes));
    return new FrameReader(ch, max);
  }

  @Test
  void framesRoundTripThroughTheCoalescingWriter() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    FrameWriter w = new FrameWriter(Channels.newChannel(sink));
    byte[] big = new byte[200_000];
    big[199_999] = 7;
    w.write(Protocol.started(3, 4));
    w.write(Protocol.withBytes(Protocol.INIT, big));
    w.write(Protocol.empty(Protocol.READY));
    w.flush();
    FrameReader r = reader(sink.toByteArray(), Protocol.MAX_PAYLOAD);
    assertThat(r.next()).isTrue();
    assertThat(r.type()).isEqualTo(Protocol.STARTED);
    assertThat(r.payload().getInt()).isEqualTo(3);
    assertThat(r.next()).isTrue();
    assertThat(r.payload().remaining()).isEqualTo(200_000);
    assertThat(r.payload().get(199_999)).isEqualTo((byte) 7);
    assertThat(r.next()).isTrue();
    assertThat(r.type()).isEqualTo(Protocol.READY);
    assertThat(r.next()).as("clean end between frames").isFalse();
  }

  @Test
  void aLengthAboveTheLimitIsAProtocolErrorBeforeAnythingIsAllocated() {
    byte[] header = ByteBuffer.allocate(5).putInt(65).put(Protocol.AUTH).array();
    assertThatThrownBy(() -> reader(header, Protocol.MAX_PAYLOAD_BEFORE_AUTH).next())
        .isInstanceOf(ProtocolException.class).hasMessageContaining("claims 65 bytes, above the limit of 64");
    byte[] negative = ByteBuffer.allocate(5).putInt(-1).put(Protocol.RESULTS).array();
    assertThatThrownBy(() -> reader(negative, Protocol.MAX_PAYLOAD).next())
        .isInstanceOf(ProtocolException.class).hasMessageContaining("claims 4294967295 bytes");
  }

  @Test
  void aStreamEndingInsideAFrameIsAProtocolError() {
    assertThatThrownBy(() -> reader(new byte[] {0, 0, 0}, 100).next())
        .isInstanceOf(ProtocolException.class).hasMessageContaining("inside a frame header");
    byte[] cut = ByteBuffer.allocate(8).putInt(10).put(Protocol.RESULTS).put(new byte[3]).array();
    assertThatThrownBy(() -> reader(cut, 100).next())
        .isInstanceOf(ProtocolException.class).hasMessageContaining("after 3 of its 10 bytes");
  }

  @Test
  void theHandshakeAnswerIsHmacSha256() throws Exception {
    for (int i = 0; i < 20; i++) {
      byte[] secret = Auth.randomBytes();
      byte[] nonce = Auth.randomBytes();
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      assertThat(Auth.answer(secret, nonce)).isEqualTo(mac.doFinal(nonce));
      assertThat(Auth.verify(secret, nonce, mac.doFinal(nonce))).isTrue();
      nonce[0] ^= 1;
      assertThat(Auth.verify(secret, nonce, mac.doFinal(nonce.clone()))).isTrue();
      assertThat(Auth.verify(Auth.randomBytes(), nonce, mac.doFinal(nonce))).isFalse();
    }
    // RFC 4231, test case 2.
    byte[] expected = java.util.HexFormat.of().parseHex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assertThat(Auth.answer("Jefe".getBytes(), "what do ya want for nothing?".getBytes())).isEqualTo(expected);
  }
}
