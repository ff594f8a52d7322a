package dev.procpool;

/**
 * Receives the progress of a pool's calls, to feed an application's own UI, metrics or logs; the
 * progress bar ({@link PoolBuilder#progress(Progress)}) is built on the same events.
 *
 * <pre>{@code
 * Pool pool = Pool.builder().threads(4).listener(new PoolListener() {
 *   public void progressed(CallProgress call) {
 *     metrics.gauge("done", call.done());
 *   }
 * }).build();
 * }</pre>
 *
 * <p>Methods are called from the pool's worker and backend threads, possibly several at once: keep
 * them fast and thread-safe. A listener that throws is logged once and the pool goes on. Every method
 * does nothing by default.
 */
public interface PoolListener {

  /**
   * A call started; its items may already be running.
   *
   * @param call the call's progress
   */
  default void callStarted(CallProgress call) {}

  /**
   * Items of the call got their outcome; {@link CallProgress#done()} has grown.
   *
   * @param call the call's progress
   */
  default void progressed(CallProgress call) {}

  /**
   * The call is over: all items done, failed fast, cancelled, closed or terminated. Called once, and
   * before the caller learns it: before {@code map} returns or throws, before an {@code imap} iterator's
   * {@code hasNext()} says there is no more, before {@code close()} returns. So what a listener prints
   * comes before what the caller prints next.
   *
   * @param call the call's progress
   */
  default void callFinished(CallProgress call) {}
}
