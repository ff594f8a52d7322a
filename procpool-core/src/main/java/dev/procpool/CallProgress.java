package dev.procpool;

import java.time.Duration;

/**
 * A live view of one call's progress, handed to a {@link PoolListener}. The figures only grow; read
 * them at any time from any thread.
 */
public interface CallProgress {

  /**
   * Returns the call's id, unique within its pool.
   *
   * @return the id
   */
  long callId();

  /**
   * Returns what kind of call this is: {@code "map"}, {@code "starmap"}, {@code "imap"},
   * {@code "imapUnordered"} or {@code "apply"}.
   *
   * @return the operation's name
   */
  String operation();

  /**
   * Returns how many items the call has, or -1 while unknown (a lazy call over an iterator or stream).
   *
   * @return the number of items, or -1
   */
  long total();

  /**
   * Returns how many items have an outcome, successful or not.
   *
   * @return items done so far
   */
  long done();

  /**
   * Returns how many items have failed so far.
   *
   * @return failures so far
   */
  long failed();

  /**
   * Returns the time since the call started.
   *
   * @return the elapsed time
   */
  Duration elapsed();
}
