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
 * The user's view of a {@link MapCall}: callbacks, and the stages of the futures that
 * {@link #toCompletableFuture()} hands out, run on the pool's result thread, so user code never runs on a
 * worker's or a backend's thread. A result nobody attached code to (the common {@code applyAsync(..)}
 * then {@code get()}) is settled where the call completes, without that hand-off: there is nothing
 * to run, only waiters to wake.
 */
final class AsyncResultImpl<R> implements AsyncResult<R> {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  private final MapCall call;
  private final CompletableFuture<R> future = new CompletableFuture<>();
  private final Consumer<? super R> callback;
  private final Consumer<? super Throwable> errorCallback;
  /** The futures {@link #toCompletableFuture()} handed out before the result was settled (guarded by this). */
  private List<CompletableFuture<R>> mirrors;
  /** Whether {@link #future} is settled and the mirrors taken (guarded by this). */
  private boolean settled;

  AsyncResultImpl(
      MapCall call,
      Function<List<Object>, R> convert,
      Consumer<? super R> callback,
      Consumer<? super Throwable> errorCallback) {
    this.call = call;
    this.callback = callback;
    this.errorCallback = errorCallback;
    boolean callbacks = callback != null || errorCallback != null;
    call.done.whenComplete((values, failure) -> {
      if (callbacks) {
        onResultThread(() -> settle(convert, values, failure));
      } else {
        settle(convert, values, failure);
      }
    });
  }

  /** Runs the callback and completes the future (unless the user cancelled it), then the mirrors. */
  private void settle(Function<List<Object>, R> convert, List<Object> values, Throwable failure) {
    if (!future.isDone()) {
      if (failure == null) {
        R result = convert.apply(values);
        runCallback(callback, result);
        future.complete(result);
      } else {
        Throwable cause = Failures.forFuture(failure);
        runCallback(errorCallback, cause);
        future.completeExceptionally(cause);
      }
    } // else cancelled by the user: no callbacks
    settleMirrors();
  }

  /** The future is done: completes the mirrors handed out so far, on the result thread. */
  private void settleMirrors() {
    List<CompletableFuture<R>> waiting;
    synchronized (this) {
      settled = true;
      waiting = mirrors;
      mirrors = null;
    }
    if (waiting != null) {
      Runnable complete = () -> waiting.forEach(this::mirror);
      if (Thread.currentThread() == call.engine.resultThread()) {
        complete.run();
      } else {
        onResultThread(complete);
      }
    }
  }

  /** Completes {@code m} as {@link #future} completed. */
  private void mirror(CompletableFuture<R> m) {
    future.whenComplete((r, t) -> {
      if (t == null) {
        m.complete(r);
      } else {
        m.completeExceptionally(t);
      }
    });
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
    synchronized (this) {
      if (!settled) {
        CompletableFuture<R> m = new CompletableFuture<>();
        if (mirrors == null) {
          mirrors = new java.util.ArrayList<>(1);
        }
        mirrors.add(m);
        return m;
      }
    }
    return future.copy(); // settled: stages attached from now on run on the thread that attaches them
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = future.cancel(mayInterruptIfRunning);
    if (cancelled) {
      settleMirrors();
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
