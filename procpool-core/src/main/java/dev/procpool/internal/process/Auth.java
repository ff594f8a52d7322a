package dev.procpool.internal.process;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Proves that whatever connected to a worker's socket is the worker the pool started: the pool gives
 * each worker a random secret on its stdin (never on a command line, which other users can read, nor
 * in the environment, which children inherit), sends a fresh nonce when the worker connects, and
 * accepts only HMAC-SHA256(secret, nonce) back.
 *
 * <p>The HMAC is computed over {@link MessageDigest} (RFC 2104) rather than with
 * {@code javax.crypto.Mac}: looking up a Mac makes a worker load and initialize every security
 * provider, some 70 classes on its way to its first task.
 */
final class Auth {
  private static final int BLOCK = 64;

  private Auth() {}

  /** Lazily, where there is no /dev/urandom: creating the first SecureRandom loads the providers. */
  private static final class Random {
    static final SecureRandom INSTANCE = new SecureRandom();
  }

  private static final Path URANDOM = Path.of("/dev/urandom");
  /** Enough for a few dozen pools' secrets, nonces and directory names per read of /dev/urandom. */
  private static final int BLOCK_BYTES = 1024;
  /** Random bytes read ahead, handed out once each; the next unused one at {@link #next} (guarded by the class). */
  private static final byte[] ahead = new byte[BLOCK_BYTES];
  private static int next = BLOCK_BYTES;

  /**
   * Returns {@link Protocol#SECRET_BYTES} random bytes from the kernel's generator, which is what a
   * {@link SecureRandom} reads on Unix too; but a JVM's first SecureRandom loads the security providers,
   * 50 to 80 ms before a pool could start its first worker. They come from a block read ahead, so that a
   * pool that leases parked workers (a secret and a nonce per worker) opens no file on its way to its
   * first task: each read of /dev/urandom cost 0.1 to 0.3 ms there, with the code still interpreted. No
   * byte is handed out twice, and the block is overwritten as it is used.
   */
  static synchronized byte[] randomBytes() {
    byte[] b = new byte[Protocol.SECRET_BYTES];
    if (next + b.length > BLOCK_BYTES) {
      fill();
    }
    System.arraycopy(ahead, next, b, 0, b.length);
    Arrays.fill(ahead, next, next + b.length, (byte) 0);
    next += b.length;
    return b;
  }

  private static void fill() {
    if (Files.isReadable(URANDOM)) {
      try (InputStream in = Files.newInputStream(URANDOM)) {
        if (in.readNBytes(ahead, 0, BLOCK_BYTES) == BLOCK_BYTES) {
          next = 0;
          return;
        }
      } catch (IOException e) {
        // fall back to the JDK's generator
      }
    }
    Random.INSTANCE.nextBytes(ahead);
    next = 0;
  }

  /**
   * A SHA-256 digest that is only ever cloned: a clone is a fresh digest without the provider look-up and
   * reflective construction of {@code getInstance}, which took 7% of a lease thread's processor time in
   * the first warm pools (one answer per lease).
   */
  private static final class Sha256 {
    static final MessageDigest PROTOTYPE = create();

    private static MessageDigest create() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    static MessageDigest fresh() {
      try {
        return (MessageDigest) PROTOTYPE.clone();
      } catch (CloneNotSupportedException e) {
        return create(); // a provider whose digests cannot be cloned
      }
    }
  }

  static byte[] answer(byte[] secret, byte[] nonce) {
    MessageDigest sha = Sha256.fresh();
    byte[] key = secret.length > BLOCK ? sha.digest(secret) : secret;
    byte[] inner = new byte[BLOCK];
    byte[] outer = new byte[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
      byte k = i < key.length ? key[i] : 0;
      inner[i] = (byte) (k ^ 0x36);
      outer[i] = (byte) (k ^ 0x5c);
    }
    sha.update(inner);
    byte[] innerHash = sha.digest(nonce);
    sha.update(outer);
    return sha.digest(innerHash);
  }

  /** Compares in constant time, so that the comparison leaks nothing about the expected answer. */
  static boolean verify(byte[] secret, byte[] nonce, byte[] answer) {
    return MessageDigest.isEqual(answer(secret, nonce), answer);
  }
}
