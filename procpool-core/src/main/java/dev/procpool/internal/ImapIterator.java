package dev.procpool.internal;

import dev.procpool.ResultIterator;
import java.time.Duration;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * What {@code imap} hands out: the caller's handle on a {@link StreamCall}. The engine holds the call
 * but never this handle, so once the caller can no longer reach it (it dropped an iterator it neither
 * read to the end nor closed), a {@link Cleaner} closes the call: otherwise its bounded read-ahead would
 * wait for a consumer that cannot exist, and {@code Pool.close()} with it, forever.
 */
final class ImapIterator<R> implements ResultIterator<R> {
  private final StreamCall call;

  private ImapIterator(StreamCall call) {
    this.call = call;
  }

  static <R> ImapIterator<R> of(StreamCall call) {
    ImapIterator<R> it = new ImapIterator<>(call);
    Engine.CLEANER.register(it, new Abandoned(call));
    return it;
  }

  /** The cleaning action; it must not refer to the handle, or the handle would never become unreachable. */
  private record Abandoned(StreamCall call) implements Runnable {
    @Override
    public void run() {
      call.abandoned();
    }
  }

  @Override
  public boolean hasNext() {
    return call.hasNext();
  }

  @Override
  @SuppressWarnings("unchecked")
  public R next() {
    return (R) call.next();
  }

  @Override
  @SuppressWarnings("unchecked")
  public R next(Duration timeout) throws TimeoutException {
    return (R) call.next(timeout);
  }

  /** Streams over this handle, not the call, so that a caller holding only the stream keeps the call open. */
  @Override
  public Stream<R> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false)
        .onClose(this::close);
  }

  @Override
  public void close() {
    call.close();
  }

  @Override
  public String toString() {
    return call.toString();
  }
}
