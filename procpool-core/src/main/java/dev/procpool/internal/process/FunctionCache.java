package dev.procpool.internal.process;

import dev.procpool.spi.Job;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each job's function, serialized once for all the workers of a pool when the job's call starts (see
 * {@link ProcessBackend#admit}), until the job is over.
 *
 * <p>Thread-safe.
 */
final class FunctionCache {
  private final ConcurrentHashMap<Long, Object> functions = new ConcurrentHashMap<>();

  /**
   * Serializes the job's function and keeps it for the job's chunks.
   *
   * @throws IllegalArgumentException if it cannot be sent to a worker process, saying why and what to do
   */
  void admit(Job job) {
    Object encoded = encode(job);
    if (encoded instanceof RuntimeException e) {
      throw e;
    }
    functions.put(job.id(), encoded);
  }

  /**
   * Returns the job's function serialized, or the IllegalArgumentException explaining why it cannot be. A
   * chunk that is its whole job takes the function with it (it is dropped from the cache); a job the
   * engine did not admit, or that finished meanwhile, has it serialized again.
   */
  Object encoded(Job job, boolean oneShot) {
    Object cached = oneShot ? functions.remove(job.id()) : functions.get(job.id());
    return cached != null ? cached : encode(job);
  }

  /** The job is over: its function is not needed any more. */
  void forget(long jobId) {
    functions.remove(jobId);
  }

  private static Object encode(Job job) {
    try {
      byte[] bytes = LambdaCodec.encode(job.function());
      if (bytes == null) {
        bytes = Codec.serialize(job.function());
      }
      return bytes.length <= Protocol.MAX_PAYLOAD - 64 ? bytes : new IllegalArgumentException("the function"
          + " serializes to " + bytes.length + " bytes, above the limit of " + Protocol.MAX_PAYLOAD + " bytes per message;"
          + " capture less data in it and pass data as items");
    } catch (NotSerializableException e) {
      return notSerializable(job.function(), e);
    } catch (IOException | RuntimeException | StackOverflowError e) {
      return new IllegalArgumentException("the function cannot be serialized for a worker process: " + e, e);
    }
  }

  private static IllegalArgumentException notSerializable(Object function, NotSerializableException e) {
    return new IllegalArgumentException("the function cannot be sent to a worker process: it is or captures "
        + SerializationAdvice.ofFunction(function, e) + ", or use a thread pool", e);
  }
}
