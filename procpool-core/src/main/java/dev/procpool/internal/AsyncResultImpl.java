package dev.procpool.internal;

import dev.procpool.AsyncResult;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The user's view of a {@link MapCall}: callbacks run and the future completes on the pool's result
 * thread, so user code never runs on a worker's or a backend's thread.
 */
final class AsyncResultImpl<R> implements AsyncResult<R> {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  private final MapCall call;
  private final CompletableFuture<R> future = new CompletableFuture<>();

  AsyncResultImpl(
      MapCall call,
      Function<List<Object>, R> convert,
      Consumer<? super R> callback,
      Consumer<? super Throwable> errorCallback) {
    this.call = call;
    call.done.whenComplete((values, failure) -> onResultThread(() -> {
      if (future.isDone()) {
        return; // cancelled by the user: no callbacks
      }
      if (failure == null) {
        R result = convert.apply(values);
        runCallback(callback, result);
        future.complete(result);
      } else {
        Throwable cause = Failures.forFuture(failure);
        runCallback(errorCallback, cause);
        future.completeExceptionally(cause);
      }
    }));
  }

  private void onResultThread(Runnable settle) {
    try {
      call.engine.results.execute(settle);
    } catch (RejectedExecutionException closing) {
      settle.run(); // the pool was terminated meanwhile; settle here rather than never
    }
  }

  private <V> void runCallback(Consumer<? super V> callback, V value) {
    if (callback == null) {
      return;
    }
    try {
      callback.accept(value);
    } catch (Throwable t) {
      // Python's pool dies of this (gh-83371); we report it and go on.
      LOG.log(Level.WARNING, call.engine.settings.poolName() + ": a callback threw; the pool goes on", t);
    }
  }

  @Override
  public R get() throws InterruptedException, ExecutionException {
    return future.get();
  }

  @Override
  public R get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    return future.get(timeout, unit);
  }

  @Override
  public R get(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
    return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public boolean ready() {
    return future.isDone();
  }

  @Override
  public boolean successful() {
    if (!future.isDone()) {
      throw new IllegalStateException(
          "the result is not ready yet; wait with await(..) or get() before asking successful()");
    }
    return !future.isCompletedExceptionally();
  }

  @Override
  public boolean await(Duration timeout) throws InterruptedException {
    try {
      future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | java.util.concurrent.CancellationException e) {
      // ready, not successful: the caller asks successful()
    } catch (TimeoutException e) {
      return false;
    }
    return true;
  }

  @Override
  public CompletableFuture<R> toCompletableFuture() {
    return future.copy();
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = future.cancel(mayInterruptIfRunning);
    if (cancelled) {
      call.cancel(mayInterruptIfRunning);
    }
    return cancelled;
  }

  @Override
  public boolean isCancelled() {
    return future.isCancelled();
  }

  @Override
  public boolean isDone() {
    return future.isDone();
  }

  @Override
  public String toString() {
    return "AsyncResult[job " + call.id() + (future.isDone() ? ", ready]" : ", pending]");
  }
}
