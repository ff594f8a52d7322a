package dev.procpool.hazelcast;

/**
 * A cluster member could not load a class that the work needs (the function, an item's class, the
 * initializer): the member was started without the application's classes on its classpath. Every item
 * of the work that reached that member fails with this exception as its cause; the message names the
 * class, the member, and how to fix the member's classpath.
 *
 * <pre>{@code
 * try {
 *   pool.map(Scorer::score, docs);
 * } catch (TaskFailedException e) {
 *   if (e.getCause() instanceof MemberClasspathException m) {
 *     System.err.println("deploy " + m.className() + " to " + m.member());
 *   }
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public class MemberClasspathException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The class the member could not load. */
  private final String className;
  /** The member's address and process id. */
  private final String member;

  /**
   * Creates the exception.
   *
   * @param className the class the member could not load
   * @param member the member's address and process, for the message
   * @param message the full message
   */
  public MemberClasspathException(String className, String member, String message) {
    super(message);
    this.className = className;
    this.member = member;
  }

  /**
   * Returns the class the member could not load.
   *
   * @return a fully qualified class name
   */
  public String className() {
    return className;
  }

  /**
   * Returns the member that could not load it.
   *
   * @return the member's address and process id
   */
  public String member() {
    return member;
  }

  /**
   * Builds the message procpool uses: names the class and member and says how to fix the classpath.
   *
   * @param className the missing class
   * @param member the member's address and process
   * @param what what needed the class (for example "the function of this call")
   * @return the message
   */
  public static String messageFor(String className, String member, String what) {
    return "class " + className + " (needed by " + what + ") is not on the classpath of cluster member "
        + member + ". Every member runs the application's code, so it needs the same classes as the"
        + " caller: restart that member with the jar or classes directory that contains " + className
        + " on its classpath, next to procpool-core, procpool-hazelcast and hazelcast, for example"
        + " `java -cp app.jar:lib/* dev.procpool.hazelcast.NodeLauncher --cluster-name NAME --members HOST`";
  }
}
