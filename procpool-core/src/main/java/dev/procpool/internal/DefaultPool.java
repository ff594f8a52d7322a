package dev.procpool.internal;

import dev.procpool.Args2;
import dev.procpool.Args3;
import dev.procpool.AsyncResult;
import dev.procpool.Fn;
import dev.procpool.Fn2;
import dev.procpool.Fn3;
import dev.procpool.Pool;
import dev.procpool.PoolStats;
import dev.procpool.PoolTerminatedException;
import dev.procpool.Progress;
import dev.procpool.ResultIterator;
import dev.procpool.Task;
import dev.procpool.spi.Backend;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * The {@link Pool} every backend shares: checks arguments at the boundary, adapts each call to the
 * engine's one shape (a function over chunks of items) and waits for or wraps the outcome.
 */
public final class DefaultPool implements Pool {
  private static final System.Logger LOG = System.getLogger("dev.procpool");
  /** Chunk size not given: map uses Python's rule, imap adapts it to the measured task time. */
  private static final int AUTO = 0;

  private final Engine engine;
  private final Duration timeout;
  private final Progress progress;
  /**
   * Shared by this pool and its views ({@link #withTimeout}, {@link #withProgress}); the engine never
   * refers to it, so once the caller can reach none of them a {@link java.lang.ref.Cleaner} shuts the pool
   * down (Python's executor does so when it is collected), instead of leaving its workers running until the
   * JVM exits.
   */
  private final Object owner;

  private DefaultPool(Engine engine, Duration timeout, Progress progress, Object owner) {
    this.engine = engine;
    this.timeout = timeout;
    this.progress = progress;
    this.owner = owner;
  }

  /** Starts a pool on the given backend. */
  public static Pool start(Backend backend, EngineSettings settings) {
    Engine engine = new Engine(backend, settings);
    engine.start();
    Object owner = new Object();
    Engine.CLEANER.register(owner, new Unreachable(engine));
    return new DefaultPool(engine, settings.taskTimeout(), settings.progress(), owner);
  }

  /** The cleaning action; it must not refer to the pool or its owner, or they would never become unreachable. */
  private record Unreachable(Engine engine) implements Runnable {
    @Override
    public void run() {
      if (!engine.isShutdown()) {
        LOG.log(Level.WARNING, "procpool: pool {0} was never shut down and is no longer reachable, so it is shut"
            + " down now (work it accepted still finishes); close every pool, with try-with-resources or"
            + " shutdown()", engine.settings.poolName());
        engine.shutdown(false);
      }
    }
  }

  @Override
  public int workers() {
    return engine.backend.workers();
  }

  /**
   * Returns per-worker figures: tasks, busy and idle time, start-up time, bytes, and how workers ended.
   *
   * @return a snapshot
   */
  @Override
  public PoolStats stats() {
    return engine.stats();
  }

  @Override
  public Pool withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    return new DefaultPool(engine, timeout, progress, owner);
  }

  /**
   * Returns a view whose calls show (or hide) a progress bar; see {@link Progress}.
   *
   * @param progress when to show the bar
   * @return the view, sharing this pool's workers and lifecycle
   */
  @Override
  public Pool withProgress(Progress progress) {
    return new DefaultPool(engine, timeout, Objects.requireNonNull(progress, "progress"), owner);
  }

  // ---------------------------------------------------------------- map

  @Override
  public <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterable<? extends T> items) {
    return await(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO));
  }

  @Override
  public <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize) {
    return await(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)));
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(Fn<? super T, ? extends R> fn, Iterable<? extends T> items) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO), null, null);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)), null, null);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterable<? extends T> items,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO), callback, errorCallback);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterable<? extends T> items,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)), callback, errorCallback);
  }

  // ---------------------------------------------------------------- starmap

  @Override
  public <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterable<? extends Args2<A, B>> args) {
    return await(startMap("starmap", fn, Adapters.star2(fn), args, () -> AUTO));
  }

  @Override
  public <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterable<? extends Args2<A, B>> args, int chunksize) {
    return await(startMap("starmap", fn, Adapters.star2(fn), args, () -> checkChunksize(chunksize)));
  }

  @Override
  public <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn, Iterable<? extends Args3<A, B, C>> args) {
    return await(startMap("starmap", fn, Adapters.star3(fn), args, () -> AUTO));
  }

  @Override
  public <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterable<? extends Args3<A, B, C>> args,
      int chunksize) {
    return await(startMap("starmap", fn, Adapters.star3(fn), args, () -> checkChunksize(chunksize)));
  }

  @Override
  public <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn, Iterable<? extends Args2<A, B>> args) {
    return async(startMap("starmap", fn, Adapters.star2(fn), args, () -> AUTO), null, null);
  }

  @Override
  public <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn,
      Iterable<? extends Args2<A, B>> args,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("starmap", fn, Adapters.star2(fn), args, () -> checkChunksize(chunksize)), callback, errorCallback);
  }

  @Override
  public <A, B, C, R> AsyncResult<List<R>> starmapAsync(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn, Iterable<? extends Args3<A, B, C>> args) {
    return async(startMap("starmap", fn, Adapters.star3(fn), args, () -> AUTO), null, null);
  }

  // ---------------------------------------------------------------- map and starmap over an Iterator or a Stream

  @Override
  public <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterator<? extends T> items) {
    return await(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO));
  }

  @Override
  public <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize) {
    return await(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)));
  }

  @Override
  public <T, R> List<R> map(Fn<? super T, ? extends R> fn, Stream<? extends T> items) {
    return await(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO));
  }

  @Override
  public <T, R> List<R> map(Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize) {
    return await(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)));
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(Fn<? super T, ? extends R> fn, Iterator<? extends T> items) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO), null, null);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)), null, null);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterator<? extends T> items,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO), callback, errorCallback);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterator<? extends T> items,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)), callback, errorCallback);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(Fn<? super T, ? extends R> fn, Stream<? extends T> items) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO), null, null);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)), null, null);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Stream<? extends T> items,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> AUTO), callback, errorCallback);
  }

  @Override
  public <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Stream<? extends T> items,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("map", fn, Adapters.fn(fn), items, () -> checkChunksize(chunksize)), callback, errorCallback);
  }

  @Override
  public <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterator<? extends Args2<A, B>> args) {
    return await(startMap("starmap", fn, Adapters.star2(fn), args, () -> AUTO));
  }

  @Override
  public <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterator<? extends Args2<A, B>> args, int chunksize) {
    return await(startMap("starmap", fn, Adapters.star2(fn), args, () -> checkChunksize(chunksize)));
  }

  @Override
  public <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn, Iterator<? extends Args3<A, B, C>> args) {
    return await(startMap("starmap", fn, Adapters.star3(fn), args, () -> AUTO));
  }

  @Override
  public <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterator<? extends Args3<A, B, C>> args,
      int chunksize) {
    return await(startMap("starmap", fn, Adapters.star3(fn), args, () -> checkChunksize(chunksize)));
  }

  @Override
  public <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Stream<? extends Args2<A, B>> args) {
    return await(startMap("starmap", fn, Adapters.star2(fn), args, () -> AUTO));
  }

  @Override
  public <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Stream<? extends Args2<A, B>> args, int chunksize) {
    return await(startMap("starmap", fn, Adapters.star2(fn), args, () -> checkChunksize(chunksize)));
  }

  @Override
  public <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn, Stream<? extends Args3<A, B, C>> args) {
    return await(startMap("starmap", fn, Adapters.star3(fn), args, () -> AUTO));
  }

  @Override
  public <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Stream<? extends Args3<A, B, C>> args,
      int chunksize) {
    return await(startMap("starmap", fn, Adapters.star3(fn), args, () -> checkChunksize(chunksize)));
  }

  @Override
  public <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn, Iterator<? extends Args2<A, B>> args) {
    return async(startMap("starmap", fn, Adapters.star2(fn), args, () -> AUTO), null, null);
  }

  @Override
  public <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn,
      Iterator<? extends Args2<A, B>> args,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("starmap", fn, Adapters.star2(fn), args, () -> checkChunksize(chunksize)), callback, errorCallback);
  }

  @Override
  public <A, B, C, R> AsyncResult<List<R>> starmapAsync(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn, Iterator<? extends Args3<A, B, C>> args) {
    return async(startMap("starmap", fn, Adapters.star3(fn), args, () -> AUTO), null, null);
  }

  @Override
  public <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn, Stream<? extends Args2<A, B>> args) {
    return async(startMap("starmap", fn, Adapters.star2(fn), args, () -> AUTO), null, null);
  }

  @Override
  public <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn,
      Stream<? extends Args2<A, B>> args,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback) {
    return async(startMap("starmap", fn, Adapters.star2(fn), args, () -> checkChunksize(chunksize)), callback, errorCallback);
  }

  @Override
  public <A, B, C, R> AsyncResult<List<R>> starmapAsync(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn, Stream<? extends Args3<A, B, C>> args) {
    return async(startMap("starmap", fn, Adapters.star3(fn), args, () -> AUTO), null, null);
  }

  // ---------------------------------------------------------------- imap

  @Override
  public <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Iterable<? extends T> items) {
    return startStream(fn, iterator(items), null, AUTO, true, sizeOf(items));
  }

  @Override
  public <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize) {
    return startStream(fn, iterator(items), null, checkChunksize(chunksize), true, sizeOf(items));
  }

  @Override
  public <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Iterator<? extends T> items) {
    return startStream(fn, Objects.requireNonNull(items, "items"), null, AUTO, true, -1);
  }

  @Override
  public <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize) {
    return startStream(fn, Objects.requireNonNull(items, "items"), null, checkChunksize(chunksize), true, -1);
  }

  @Override
  public <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Stream<? extends T> items) {
    return startStream(fn, items, () -> AUTO, true);
  }

  @Override
  public <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize) {
    return startStream(fn, items, () -> checkChunksize(chunksize), true);
  }

  @Override
  public <T, R> ResultIterator<R> imapUnordered(Fn<? super T, ? extends R> fn, Iterable<? extends T> items) {
    return startStream(fn, iterator(items), null, AUTO, false, sizeOf(items));
  }

  @Override
  public <T, R> ResultIterator<R> imapUnordered(
      Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize) {
    return startStream(fn, iterator(items), null, checkChunksize(chunksize), false, sizeOf(items));
  }

  @Override
  public <T, R> ResultIterator<R> imapUnordered(Fn<? super T, ? extends R> fn, Iterator<? extends T> items) {
    return startStream(fn, Objects.requireNonNull(items, "items"), null, AUTO, false, -1);
  }

  @Override
  public <T, R> ResultIterator<R> imapUnordered(
      Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize) {
    return startStream(fn, Objects.requireNonNull(items, "items"), null, checkChunksize(chunksize), false, -1);
  }

  @Override
  public <T, R> ResultIterator<R> imapUnordered(Fn<? super T, ? extends R> fn, Stream<? extends T> items) {
    return startStream(fn, items, () -> AUTO, false);
  }

  @Override
  public <T, R> ResultIterator<R> imapUnordered(
      Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize) {
    return startStream(fn, items, () -> checkChunksize(chunksize), false);
  }

  // ---------------------------------------------------------------- apply / submit

  @Override
  public <R> R apply(Task<R> task) {
    return first(await(startOne(Adapters.callable(notNull(task)), null)));
  }

  @Override
  public <R> AsyncResult<R> applyAsync(Task<R> task) {
    return one(startOne(Adapters.callable(notNull(task)), null), null, null);
  }

  @Override
  public <R> AsyncResult<R> applyAsync(
      Task<R> task, Consumer<? super R> callback, Consumer<? super Throwable> errorCallback) {
    return one(startOne(Adapters.callable(notNull(task)), null), callback, errorCallback);
  }

  @Override
  public <R> AsyncResult<R> submit(Task<R> task) {
    return applyAsync(task);
  }

  @Override
  public <R> AsyncResult<R> submit(Callable<R> task) {
    return one(startOne(Adapters.callable(notNull(task)), null), null, null);
  }

  @Override
  public <R> AsyncResult<R> submit(Runnable task, R result) {
    return one(startOne(Adapters.runnable(notNull(task), result), task), null, null);
  }

  @Override
  public AsyncResult<?> submit(Runnable task) {
    return submit(task, null);
  }

  @Override
  public void execute(Runnable command) {
    one(startOne(Adapters.runnable(notNull(command), null), command), null, error -> {
      if (!(error instanceof PoolTerminatedException)) { // shutdownNow() hands those back instead
        LOG.log(Level.WARNING, "a task given to execute() threw; use submit() to handle its exception", error);
      }
    });
  }

  @Override
  public <R> List<Future<R>> invokeAll(Collection<? extends Callable<R>> tasks) throws InterruptedException {
    List<Future<R>> futures = submitAll(tasks);
    try {
      for (Future<R> f : futures) {
        awaitQuietly(f, Long.MAX_VALUE);
      }
    } catch (InterruptedException e) {
      futures.forEach(f -> f.cancel(true));
      throw e;
    }
    return futures;
  }

  @Override
  public <R> List<Future<R>> invokeAll(Collection<? extends Callable<R>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException {
    Objects.requireNonNull(unit, "unit");
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    List<Future<R>> futures = submitAll(tasks);
    try {
      for (Future<R> f : futures) {
        if (!awaitQuietly(f, deadline - System.nanoTime())) {
          break;
        }
      }
    } finally {
      futures.forEach(f -> f.cancel(true));
    }
    return futures;
  }

  @Override
  public <R> R invokeAny(Collection<? extends Callable<R>> tasks) throws InterruptedException, ExecutionException {
    try {
      return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("cannot time out", e);
    }
  }

  @Override
  public <R> R invokeAny(Collection<? extends Callable<R>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    Objects.requireNonNull(tasks, "tasks");
    Objects.requireNonNull(unit, "unit");
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("invokeAny needs at least one task");
    }
    LinkedBlockingQueue<AsyncResult<R>> done = new LinkedBlockingQueue<>();
    List<AsyncResult<R>> futures = new ArrayList<>(tasks.size());
    try {
      for (Callable<R> task : tasks) {
        AsyncResult<R> r = submit(task);
        futures.add(r);
        r.toCompletableFuture().whenComplete((v, e) -> done.add(r));
      }
      long deadline = System.nanoTime() + Math.min(unit.toNanos(timeout), Long.MAX_VALUE / 2);
      ExecutionException last = null;
      for (int finished = 0; finished < futures.size(); finished++) {
        AsyncResult<R> r = done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (r == null) {
          throw new TimeoutException("no task succeeded within " + timeout + " " + unit);
        }
        try {
          return r.get();
        } catch (ExecutionException e) {
          last = e;
        } catch (CancellationException e) {
          last = new ExecutionException(e);
        }
      }
      throw last;
    } finally {
      futures.forEach(f -> f.cancel(true));
    }
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void shutdown() {
    engine.shutdown(true);
  }

  @Override
  public void terminate() {
    engine.terminate();
  }

  @Override
  public List<Runnable> shutdownNow() {
    return engine.terminate();
  }

  @Override
  public boolean isShutdown() {
    return engine.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return engine.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    engine.checkNotResultThread("awaitTermination(..)");
    return engine.awaitTermination(unit.toNanos(timeout));
  }

  @Override
  public void join() throws InterruptedException {
    engine.checkNotResultThread("join()");
    if (!engine.isShutdown()) {
      throw new IllegalStateException("join() requires shutdown() or terminate() first; the pool is still running");
    }
    engine.awaitTermination(Long.MAX_VALUE);
  }

  @Override
  public void close() {
    engine.checkNotResultThread("close()");
    engine.shutdown(true);
    boolean interrupted = false;
    for (;;) {
      try {
        engine.awaitTermination(Long.MAX_VALUE);
        break;
      } catch (InterruptedException e) {
        if (!interrupted) {
          interrupted = true;
          engine.terminate();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "Pool[" + engine.settings.poolName() + ", " + workers() + " workers"
        + (timeout != null ? ", timeout " + timeout : "") + (engine.isShutdown() ? ", shut down]" : "]");
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Starts a map-like call: checks the arguments, then reads the whole input on the calling thread and
   * queues the work. A stream was handed over by the caller, so it is closed whatever happens; its
   * chunk size comes as a supplier so that even a wrong one is found with the stream in hand.
   */
  private MapCall startMap(String operation, Object fn, Fn<Object, Object> adapted, Object items, IntSupplier chunksize) {
    Objects.requireNonNull(items, "items");
    Object[] all;
    int size;
    try (Stream<?> owned = items instanceof Stream<?> stream ? stream : null) {
      notNull(fn);
      size = chunksize.getAsInt();
      engine.checkAccepting();
      all = owned != null ? owned.toArray()
          : items instanceof Collection<?> c ? c.toArray()
          : items instanceof Iterable<?> i ? drain(i.iterator())
          : drain((Iterator<?>) items);
    }
    if (all.length == 0) {
      return null;
    }
    return MapCall.start(engine, adapted, all, size != AUTO ? size : defaultChunksize(all.length),
        new CallSpec(operation, timeout, progress, null));
  }

  /** Python's rule: {@code ceil(n / (4 * workers))}. */
  private int defaultChunksize(int n) {
    long per = 4L * workers();
    return (int) ((n + per - 1) / per);
  }

  private MapCall startOne(Fn<Object, Object> fn, Runnable origin) {
    return MapCall.start(engine, fn, new Object[] {null}, 1, new CallSpec("apply", timeout, Progress.OFF, origin));
  }

  /**
   * Starts an imap over a stream the caller handed over: a call refused for a wrong argument closes it
   * too, as a started call does once it has read it or is closed (and as map does).
   */
  private <R> ResultIterator<R> startStream(Fn<?, ?> fn, Stream<?> items, IntSupplier chunksize, boolean ordered) {
    Objects.requireNonNull(items, "items");
    int size;
    try {
      notNull(fn);
      size = chunksize.getAsInt();
    } catch (RuntimeException e) {
      try {
        items.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return startStream(fn, items.iterator(), items, size, ordered, -1);
  }

  private <R> ResultIterator<R> startStream(
      Fn<?, ?> fn, Iterator<?> items, AutoCloseable resource, int chunksize, boolean ordered, long total) {
    Fn<Object, Object> f = Adapters.fn(notNull(fn));
    CallSpec spec = new CallSpec(ordered ? "imap" : "imapUnordered", timeout, progress, null);
    return ImapIterator.of(StreamCall.start(engine, f, items, resource, chunksize, ordered, spec, total));
  }

  private static long sizeOf(Iterable<?> items) {
    return items instanceof Collection<?> c ? c.size() : -1;
  }

  @SuppressWarnings("unchecked")
  private static <R> List<R> await(MapCall call) {
    if (call == null) {
      return new ArrayList<>();
    }
    try {
      return (List<R>) call.done.get();
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for the results; the call was cancelled");
    } catch (ExecutionException e) {
      throw Failures.forCaller(e.getCause());
    }
  }

  @SuppressWarnings("unchecked")
  private <R> AsyncResult<List<R>> async(
      MapCall call, Consumer<? super List<R>> callback, Consumer<? super Throwable> errorCallback) {
    if (call == null) {
      call = MapCall.empty(engine);
    }
    return new AsyncResultImpl<>(call, values -> (List<R>) values, callback, errorCallback);
  }

  @SuppressWarnings("unchecked")
  private <R> AsyncResult<R> one(
      MapCall call, Consumer<? super R> callback, Consumer<? super Throwable> errorCallback) {
    return new AsyncResultImpl<>(call, values -> (R) values.get(0), callback, errorCallback);
  }

  private static <R> R first(List<R> values) {
    return values.get(0);
  }

  private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
    Objects.requireNonNull(tasks, "tasks");
    List<Future<T>> futures = new ArrayList<>(tasks.size());
    for (Callable<T> task : tasks) {
      futures.add(submit(task));
    }
    return futures;
  }

  private static boolean awaitQuietly(Future<?> f, long nanos) throws InterruptedException {
    try {
      f.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | CancellationException e) {
      // the caller inspects the future
    } catch (TimeoutException e) {
      return false;
    }
    return true;
  }

  private static Object[] drain(Iterator<?> it) {
    List<Object> list = new ArrayList<>();
    it.forEachRemaining(list::add);
    return list.toArray();
  }

  private static Iterator<?> iterator(Iterable<?> items) {
    return Objects.requireNonNull(items, "items").iterator();
  }

  private static <F> F notNull(F fn) {
    return Objects.requireNonNull(fn, "the function or task must not be null");
  }

  private static int checkChunksize(int chunksize) {
    if (chunksize < 1) {
      throw new IllegalArgumentException(
          "chunksize must be at least 1, got " + chunksize + "; omit it to let the pool choose");
    }
    return chunksize;
  }
}
