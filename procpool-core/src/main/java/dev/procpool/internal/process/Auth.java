package dev.procpool.internal.process;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proves that whatever connected to a worker's socket is the worker the pool started: the pool gives
 * each worker a random secret on its stdin (never on a command line, which other users can read, nor
 * in the environment, which children inherit), sends a fresh nonce when the worker connects, and
 * accepts only HMAC-SHA256(secret, nonce) back.
 */
final class Auth {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Auth() {}

  static byte[] randomBytes() {
    byte[] b = new byte[Protocol.SECRET_BYTES];
    RANDOM.nextBytes(b);
    return b;
  }

  static byte[] answer(byte[] secret, byte[] nonce) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(nonce);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /** Compares in constant time, so that the comparison leaks nothing about the expected answer. */
  static boolean verify(byte[] secret, byte[] nonce, byte[] answer) {
    return MessageDigest.isEqual(answer(secret, nonce), answer);
  }
}
