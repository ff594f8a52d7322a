package dev.procpool.process;

import dev.procpool.Fn;

/**
 * A class without a static initializer, so that a parked worker links its lambdas in the next lease's
 * classes ahead of that lease (see {@code LambdaCodec}); its state still starts afresh in each lease.
 */
final class QuietLambdas {
  /** Calls in this copy of the class; zero without an initializer. */
  static int calls;

  private QuietLambdas() {}

  /** A lambda capturing a reference and a primitive. */
  static Fn<Integer, String> tagger(String tag, long base) {
    return x -> tag + " " + (base + x) + " " + ++calls + " " + ProcessHandle.current().pid();
  }
}
