package dev.procpool.hazelcast;

/**
 * No cluster member could load a class that the work needs (the function, an item's class, the
 * initializer): the members were started without the application's classes on their classpath. A pool
 * takes a member that lacks a class out of rotation for that call and runs the call's items on the other
 * members; only when none is left does each remaining item fail with this exception as its cause. The
 * message names the class, every member that lacks it, and how to fix their classpath.
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
  /** The member's address and process id (several, comma-separated, when no member has the class). */
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
   * Returns the member that could not load it; when no member of the cluster could, all of them.
   *
   * @return the member's address and process id, or several, comma-separated
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

  /**
   * Builds the message of work that no member can run: names the class and every member that lacks it
   * (a pool takes a member that lacks a class out of rotation for that call, and fails the items only
   * once none is left), and says how to fix the members' classpath.
   *
   * @param className the missing class
   * @param members the members that lack it, each with its address and process
   * @param what what needed the class (for example "the function of this call")
   * @return the message
   */
  public static String messageFor(String className, java.util.List<String> members, String what) {
    if (members.size() == 1) {
      return messageFor(className, members.get(0), what);
    }
    return "class " + className + " (needed by " + what + ") is on the classpath of none of the cluster members"
        + " that could run it: " + String.join(", ", members) + ". Every member runs the application's code, so"
        + " it needs the same classes as the caller: restart the members with the jar or classes directory that"
        + " contains " + className + " on their classpath, next to procpool-core, procpool-hazelcast and"
        + " hazelcast, for example"
        + " `java -cp app.jar:lib/* dev.procpool.hazelcast.NodeLauncher --cluster-name NAME --members HOST`";
  }
}
