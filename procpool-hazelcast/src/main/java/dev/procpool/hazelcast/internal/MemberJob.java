package dev.procpool.hazelcast.internal;

import dev.procpool.Fn;
import dev.procpool.spi.Job;
import java.time.Duration;

/**
 * One caller job as a member's worker threads see it: its function, decoded once per member, and whether
 * the caller is done with it (then queued chunks are skipped and running items interrupted). The same
 * object for every chunk of the job on this member, so that an interrupt aimed at the job finds them.
 */
final class MemberJob implements Job {
  private final long id;
  private final Fn<Object, Object> function;
  private final Duration taskTimeout;
  private volatile boolean over;

  MemberJob(long id, Fn<Object, Object> function, long timeoutNanos) {
    this.id = id;
    this.function = function;
    this.taskTimeout = timeoutNanos > 0 ? Duration.ofNanos(timeoutNanos) : null;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public Fn<Object, Object> function() {
    return function;
  }

  @Override
  public Duration taskTimeout() {
    return taskTimeout;
  }

  @Override
  public boolean isCancelled() {
    return over;
  }

  /** The caller is done with the job: its remaining items are skipped. */
  void end() {
    over = true;
  }
}
