package dev.procpool.process;

/**
 * A user class with static state, for the warm-path tests: a worker leased by a new pool must load it
 * afresh, so its statics start from zero there.
 */
public final class WarmProbe {
  private static int calls;
  private static String initializedBy;
  private static int initializations;
  /** What the last initializer announced when this class was initialized: that of its own lease. */
  private static final String LEASE_AT_CLASS_INIT = System.getProperty("procpool.test.lease");

  private WarmProbe() {}

  /** The initializer of a pool named {@code pool}. */
  public static Void init(String pool) {
    initializedBy = pool;
    initializations++;
    return null;
  }

  /** Counts this call in the static counter; returns "pid calls initializedBy initializations leaseAtClassInit". */
  public static String call(int ignored) {
    calls++;
    return ProcessHandle.current().pid() + " " + calls + " " + initializedBy + " " + initializations + " "
        + LEASE_AT_CLASS_INIT;
  }
}
