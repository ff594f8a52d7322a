package dev.procpool;

import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A pool of workers that applies functions to many items in parallel: Python's
 * {@code multiprocessing.Pool} and {@code concurrent.futures} executors, with one API whatever runs the
 * work (threads in this JVM, worker JVMs, or a cluster).
 *
 * <pre>{@code
 * try (Pool pool = Pool.threads(2)) {
 *   List<Integer> squares = pool.map(x -> x * x, List.of(1, 2, 3));            // [1, 4, 9]
 *   List<Integer> sums = pool.starmap((a, b) -> a + b,
 *       List.of(Args.of(1, 2), Args.of(3, 4)));                                  // [3, 7]
 *   try (ResultIterator<Integer> it = pool.imap(x -> x * x, List.of(1, 2, 3))) {
 *     it.forEachRemaining(System.out::println);
 *   }
 *   AsyncResult<String> r = pool.applyAsync(() -> "done");
 *   System.out.println(r.get());
 * }
 * }</pre>
 *
 * <h2>How work is split</h2>
 * Items travel in chunks; the function travels once per call. {@code map}, {@code starmap} and their
 * async forms take an {@link Iterable}, an {@link Iterator} or a {@link Stream}, read the whole input on
 * the calling thread before the work starts (closing a stream as soon as it is read, or at once if the
 * call is refused) and, unless told, use Python's chunk size
 * {@code ceil(n / (4 * workers))}. {@code imap} and {@code imapUnordered} are lazy: unless told, their
 * chunks start at 1 item and adapt to the measured task time (joblib's {@code batch_size='auto'}:
 * they grow while a chunk holds less than about 0.2 s of work, up to 1024 items, and shrink when tasks
 * slow down), and they read the input at most {@linkplain PoolBuilder#readAhead(int) a bounded
 * distance} ahead of the consumer (Python reads it all ahead).
 *
 * <h2>Failures</h2>
 * Synchronous calls throw {@link TaskFailedException} (cause: the task's exception; message: the item's
 * index) and fail fast: the first failure ends the call and cancels the work that has not started.
 * {@link Future}-style results throw {@link ExecutionException} with the task's exception as cause.
 * Callbacks run on a pool-owned thread, one at a time; a callback that throws is logged and the pool
 * goes on.
 *
 * <h2>Lifecycle</h2>
 * {@link #shutdown()} is Python's {@code close()}: no new work, submitted work finishes.
 * {@link #join()} waits for the workers to exit and, like Python, requires {@code shutdown()} or
 * {@code terminate()} first. {@link #terminate()} stops at once and fails what has not completed with
 * {@link PoolTerminatedException}. {@link #close()}, used by try-with-resources, is {@code shutdown()}
 * then {@code join()}: it <b>waits for submitted work</b>, like {@code ProcessPoolExecutor}'s
 * {@code with} block and Java 19's {@code ExecutorService.close()}. This is deliberately not what
 * Python's {@code with Pool() as p:} does: its {@code __exit__} calls {@code terminate()} and silently
 * drops pending work (CPython gh-74140).
 *
 * <h2>Misuse</h2>
 * A null function or input throws {@link NullPointerException}; a chunk size below 1 throws
 * {@link IllegalArgumentException}; any call after {@code shutdown()} or {@code terminate()} throws
 * {@link java.util.concurrent.RejectedExecutionException} ("pool is not running"). These are checked
 * before any of the input is read. An exception the input itself throws while {@code map} or
 * {@code starmap} reads it reaches the caller unchanged.
 *
 * <p>Pools are thread-safe: any number of threads may call any method at once.
 */
public interface Pool extends ExecutorService, AutoCloseable {

  /**
   * Creates a pool of one thread per CPU in this JVM ({@link Runtime#availableProcessors()}, which
   * honours a container's CPU limit), for work that is safe to share a JVM. The same as
   * {@code Pool.builder().build()}.
   *
   * @return a running pool
   */
  static Pool threads() {
    return builder().threads().build();
  }

  /**
   * Creates a pool of {@code workers} threads in this JVM, for work that is safe to share a JVM.
   *
   * @param workers the number of worker threads, at least 1
   * @return a running pool
   * @throws IllegalArgumentException if {@code workers < 1}
   */
  static Pool threads(int workers) {
    return builder().threads(workers).build();
  }

  /**
   * Creates a pool of one worker JVM per CPU ({@link Runtime#availableProcessors()}, which honours a
   * container's CPU limit, as Python 3.13's {@code os.process_cpu_count()} does): Python's
   * {@code Pool()}. Everything {@link #processes(int)} says applies.
   *
   * @return a running pool; its workers are still starting
   */
  static Pool processes() {
    return builder().processes().build();
  }

  /**
   * Creates a pool of {@code workers} worker JVMs, Python's {@code Pool(processes=n)}: for work that
   * may crash, leak, hang, exhaust memory or use libraries that are not thread-safe. Each worker is a
   * separate process started with this JVM's {@code java} and what it needs to load the application's
   * classes; a worker that dies or runs past a timeout is replaced, and only the item that was running
   * on it fails. Functions, items and
   * results must be {@link java.io.Serializable} ({@link Fn}, {@link Task} and the other procpool
   * function types are, when what they capture is). See {@link PoolBuilder#processes(int)} for the
   * settings.
   *
   * @param workers the number of worker processes, at least 1
   * @return a running pool; its workers are still starting
   * @throws IllegalArgumentException if {@code workers < 1}
   * @throws IllegalStateException if this JVM runs a program from its source file
   *     ({@code java Hello.java}), whose classes no worker JVM can load
   */
  static Pool processes(int workers) {
    return builder().processes(workers).build();
  }

  /**
   * Returns a builder for a pool with more settings than {@link #threads(int)} offers.
   *
   * @return a new builder
   */
  static PoolBuilder builder() {
    return new PoolBuilder();
  }

  /**
   * Returns the number of workers, {@code Runtime.availableProcessors()} unless the builder said
   * otherwise.
   *
   * @return at least 1
   */
  int workers();

  /**
   * Returns a view of this pool whose calls stop any single item that runs longer than
   * {@code timeout}; the item fails with {@link TaskTimeoutException} like any failed item
   * ({@code map} and {@code apply} fail fast with it, {@code imap} throws it at the item's position
   * and goes on). The view shares this pool's workers and lifecycle: shutting the view down shuts
   * this pool down.
   *
   * @param timeout the per-item limit, positive
   * @return a view with that timeout
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   */
  Pool withTimeout(Duration timeout);

  /**
   * Returns a view of this pool whose calls show a progress bar as {@code progress} says (see
   * {@link PoolBuilder#progress(Progress)}). The view shares this pool's workers and lifecycle.
   *
   * <pre>{@code
   * List<Report> reports = pool.withProgress(Progress.AUTO).map(Reports::build, customers);
   * }</pre>
   *
   * @param progress when to show the bar
   * @return a view with that setting
   */
  Pool withProgress(Progress progress);

  /**
   * Returns where the pool's time went so far, per worker: tasks, busy and idle time, start-up
   * time, bytes in and out (processes), and how replaced workers ended (crash, timeout, recycling).
   * Its {@code toString()} is a readable table, like mpire's insights.
   *
   * @return a snapshot; cheap enough to call after every call
   */
  PoolStats stats();

  // ---------------------------------------------------------------- map

  /**
   * Applies {@code fn} to every item in parallel and returns the results in input order, Python's
   * {@code pool.map(fn, items)}. Uses chunks of {@code ceil(n / (4 * workers))} items.
   *
   * @param fn the function
   * @param items the input, read completely before work starts
   * @param <T> the item type
   * @param <R> the result type
   * @return the results, one per item, in input order (a new mutable list)
   * @throws TaskFailedException on the first failed item; work not started is cancelled
   */
  <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterable<? extends T> items);

  /**
   * Like {@link #map(Fn, Iterable)} with an explicit chunk size.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order
   * @throws IllegalArgumentException if {@code chunksize < 1}
   * @throws TaskFailedException on the first failed item
   */
  <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize);

  /**
   * Python's {@code map_async}: like {@link #map(Fn, Iterable)} without waiting.
   *
   * @param fn the function
   * @param items the input, read completely before this method returns
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   */
  <T, R> AsyncResult<List<R>> mapAsync(Fn<? super T, ? extends R> fn, Iterable<? extends T> items);

  /**
   * Python's {@code map_async} with a chunk size.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize);

  /**
   * Python's {@code map_async} with callbacks, which run on the pool's result thread before the result
   * becomes ready.
   *
   * @param fn the function
   * @param items the input
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure (the task's own exception) otherwise, may be
   *     null
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterable<? extends T> items,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code map_async} with a chunk size and callbacks.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure otherwise, may be null
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterable<? extends T> items,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  // ---------------------------------------------------------------- starmap

  /**
   * Python's {@code starmap}: applies a two-argument function to every pair.
   *
   * @param fn the function
   * @param args the argument pairs, built with {@link Args#of(Object, Object)}
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the results in input order
   * @throws TaskFailedException on the first failed item
   */
  <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterable<? extends Args2<A, B>> args);

  /**
   * Python's {@code starmap} with a chunk size.
   *
   * @param fn the function
   * @param args the argument pairs
   * @param chunksize items per chunk, at least 1
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the results in input order
   */
  <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterable<? extends Args2<A, B>> args, int chunksize);

  /**
   * Python's {@code starmap} for three arguments.
   *
   * @param fn the function
   * @param args the argument triples, built with {@link Args#of(Object, Object, Object)}
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the results in input order
   */
  <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterable<? extends Args3<A, B, C>> args);

  /**
   * Python's {@code starmap} for three arguments, with a chunk size.
   *
   * @param fn the function
   * @param args the argument triples
   * @param chunksize items per chunk, at least 1
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the results in input order
   */
  <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterable<? extends Args3<A, B, C>> args,
      int chunksize);

  /**
   * Python's {@code starmap_async}.
   *
   * @param fn the function
   * @param args the argument pairs
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the pending results
   */
  <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn, Iterable<? extends Args2<A, B>> args);

  /**
   * Python's {@code starmap_async} with a chunk size and callbacks.
   *
   * @param fn the function
   * @param args the argument pairs
   * @param chunksize items per chunk, at least 1
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure otherwise, may be null
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the pending results
   */
  <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn,
      Iterable<? extends Args2<A, B>> args,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code starmap_async} for three arguments.
   *
   * @param fn the function
   * @param args the argument triples
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the pending results
   */
  <A, B, C, R> AsyncResult<List<R>> starmapAsync(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterable<? extends Args3<A, B, C>> args);

  // ---------------------------------------------------------------- map and starmap over an Iterator or a Stream

  /**
   * Like {@link #map(Fn, Iterable)} over an iterator: reads it to its end on the calling thread before
   * the work starts, so it must be finite (for an infinite one, use {@link #imap(Fn, Iterator)}). Uses
   * chunks of {@code ceil(n / (4 * workers))} items.
   *
   * @param fn the function
   * @param items the input, read completely before work starts
   * @param <T> the item type
   * @param <R> the result type
   * @return the results, one per item, in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item; work not started is cancelled
   */
  <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterator<? extends T> items);

  /**
   * Like {@link #map(Fn, Iterator)} with an explicit chunk size.
   *
   * @param fn the function
   * @param items the input, read completely before work starts
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws IllegalArgumentException if {@code chunksize < 1} (nothing is read)
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <T, R> List<R> map(Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize);

  /**
   * Like {@link #map(Fn, Iterable)} over a stream: reads it to its end on the calling thread and closes
   * it before the work starts, so it must be finite (for an infinite one, use
   * {@link #imap(Fn, Stream)}). The stream is closed whatever happens: also when the arguments are
   * wrong or the pool is not running (then nothing is read), and when the stream throws while it is
   * read (its exception reaches the caller). Uses chunks of {@code ceil(n / (4 * workers))} items.
   *
   * <pre>{@code
   * try (Stream<String> lines = Files.lines(log)) {       // the try is optional: map closes it
   *   List<Entry> entries = pool.map(Entry::parse, lines);
   * }
   * }</pre>
   *
   * @param fn the function
   * @param items the input, read completely and closed before work starts
   * @param <T> the item type
   * @param <R> the result type
   * @return the results, one per item, in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item; work not started is cancelled
   */
  <T, R> List<R> map(Fn<? super T, ? extends R> fn, Stream<? extends T> items);

  /**
   * Like {@link #map(Fn, Stream)} with an explicit chunk size.
   *
   * @param fn the function
   * @param items the input, read completely and closed before work starts
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws IllegalArgumentException if {@code chunksize < 1} (the stream is closed unread)
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <T, R> List<R> map(Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize);

  /**
   * Python's {@code map_async} over an iterator: like {@link #map(Fn, Iterator)} without waiting for
   * the results. The iterator is read to its end before this method returns.
   *
   * @param fn the function
   * @param items the input, read completely before this method returns
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(Fn<? super T, ? extends R> fn, Iterator<? extends T> items);

  /**
   * Python's {@code map_async} over an iterator, with a chunk size.
   *
   * @param fn the function
   * @param items the input, read completely before this method returns
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws IllegalArgumentException if {@code chunksize < 1}
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize);

  /**
   * Python's {@code map_async} over an iterator, with callbacks, which run on the pool's result thread
   * before the result becomes ready.
   *
   * @param fn the function
   * @param items the input, read completely before this method returns
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure (the task's own exception) otherwise, may be
   *     null
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterator<? extends T> items,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code map_async} over an iterator, with a chunk size and callbacks.
   *
   * @param fn the function
   * @param items the input, read completely before this method returns
   * @param chunksize items per chunk, at least 1
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure otherwise, may be null
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws IllegalArgumentException if {@code chunksize < 1}
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Iterator<? extends T> items,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code map_async} over a stream: like {@link #map(Fn, Stream)} without waiting for the
   * results. The stream is read to its end and closed before this method returns, whatever happens.
   *
   * @param fn the function
   * @param items the input, read completely and closed before this method returns
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(Fn<? super T, ? extends R> fn, Stream<? extends T> items);

  /**
   * Python's {@code map_async} over a stream, with a chunk size.
   *
   * @param fn the function
   * @param items the input, read completely and closed before this method returns
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws IllegalArgumentException if {@code chunksize < 1} (the stream is closed unread)
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize);

  /**
   * Python's {@code map_async} over a stream, with callbacks, which run on the pool's result thread
   * before the result becomes ready.
   *
   * @param fn the function
   * @param items the input, read completely and closed before this method returns
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure (the task's own exception) otherwise, may be
   *     null
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Stream<? extends T> items,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code map_async} over a stream, with a chunk size and callbacks.
   *
   * @param fn the function
   * @param items the input, read completely and closed before this method returns
   * @param chunksize items per chunk, at least 1
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure otherwise, may be null
   * @param <T> the item type
   * @param <R> the result type
   * @return the pending list of results
   * @throws NullPointerException if {@code fn} or {@code items} is null
   * @throws IllegalArgumentException if {@code chunksize < 1} (the stream is closed unread)
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <T, R> AsyncResult<List<R>> mapAsync(
      Fn<? super T, ? extends R> fn,
      Stream<? extends T> items,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code starmap} over an iterator of pairs, read to its end before the work starts (see
   * {@link #map(Fn, Iterator)}).
   *
   * @param fn the function
   * @param args the argument pairs, built with {@link Args#of(Object, Object)}
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterator<? extends Args2<A, B>> args);

  /**
   * Python's {@code starmap} over an iterator of pairs, with a chunk size.
   *
   * @param fn the function
   * @param args the argument pairs, read completely before work starts
   * @param chunksize items per chunk, at least 1
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws IllegalArgumentException if {@code chunksize < 1}
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Iterator<? extends Args2<A, B>> args, int chunksize);

  /**
   * Python's {@code starmap} over an iterator of triples, read to its end before the work starts.
   *
   * @param fn the function
   * @param args the argument triples, built with {@link Args#of(Object, Object, Object)}
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterator<? extends Args3<A, B, C>> args);

  /**
   * Python's {@code starmap} over an iterator of triples, with a chunk size.
   *
   * @param fn the function
   * @param args the argument triples, read completely before work starts
   * @param chunksize items per chunk, at least 1
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws IllegalArgumentException if {@code chunksize < 1}
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterator<? extends Args3<A, B, C>> args,
      int chunksize);

  /**
   * Python's {@code starmap} over a stream of pairs, read to its end and closed before the work starts,
   * and closed whatever happens (see {@link #map(Fn, Stream)}).
   *
   * @param fn the function
   * @param args the argument pairs, built with {@link Args#of(Object, Object)}
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Stream<? extends Args2<A, B>> args);

  /**
   * Python's {@code starmap} over a stream of pairs, with a chunk size.
   *
   * @param fn the function
   * @param args the argument pairs, read completely and closed before work starts
   * @param chunksize items per chunk, at least 1
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws IllegalArgumentException if {@code chunksize < 1} (the stream is closed unread)
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, R> List<R> starmap(
      Fn2<? super A, ? super B, ? extends R> fn, Stream<? extends Args2<A, B>> args, int chunksize);

  /**
   * Python's {@code starmap} over a stream of triples, read to its end and closed before the work
   * starts, and closed whatever happens.
   *
   * @param fn the function
   * @param args the argument triples, built with {@link Args#of(Object, Object, Object)}
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Stream<? extends Args3<A, B, C>> args);

  /**
   * Python's {@code starmap} over a stream of triples, with a chunk size.
   *
   * @param fn the function
   * @param args the argument triples, read completely and closed before work starts
   * @param chunksize items per chunk, at least 1
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the results in input order (a new mutable list)
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws IllegalArgumentException if {@code chunksize < 1} (the stream is closed unread)
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   * @throws TaskFailedException on the first failed item
   */
  <A, B, C, R> List<R> starmap(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Stream<? extends Args3<A, B, C>> args,
      int chunksize);

  /**
   * Python's {@code starmap_async} over an iterator of pairs, read to its end before this method
   * returns.
   *
   * @param fn the function
   * @param args the argument pairs
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the pending results
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn, Iterator<? extends Args2<A, B>> args);

  /**
   * Python's {@code starmap_async} over an iterator of pairs, with a chunk size and callbacks.
   *
   * @param fn the function
   * @param args the argument pairs, read completely before this method returns
   * @param chunksize items per chunk, at least 1
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure otherwise, may be null
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the pending results
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws IllegalArgumentException if {@code chunksize < 1}
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn,
      Iterator<? extends Args2<A, B>> args,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code starmap_async} over an iterator of triples, read to its end before this method
   * returns.
   *
   * @param fn the function
   * @param args the argument triples
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the pending results
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <A, B, C, R> AsyncResult<List<R>> starmapAsync(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Iterator<? extends Args3<A, B, C>> args);

  /**
   * Python's {@code starmap_async} over a stream of pairs, read to its end and closed before this
   * method returns, whatever happens.
   *
   * @param fn the function
   * @param args the argument pairs
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the pending results
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn, Stream<? extends Args2<A, B>> args);

  /**
   * Python's {@code starmap_async} over a stream of pairs, with a chunk size and callbacks.
   *
   * @param fn the function
   * @param args the argument pairs, read completely and closed before this method returns
   * @param chunksize items per chunk, at least 1
   * @param callback called with the whole list on success, may be null
   * @param errorCallback called with the first failure otherwise, may be null
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <R> the result type
   * @return the pending results
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws IllegalArgumentException if {@code chunksize < 1} (the stream is closed unread)
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <A, B, R> AsyncResult<List<R>> starmapAsync(
      Fn2<? super A, ? super B, ? extends R> fn,
      Stream<? extends Args2<A, B>> args,
      int chunksize,
      Consumer<? super List<R>> callback,
      Consumer<? super Throwable> errorCallback);

  /**
   * Python's {@code starmap_async} over a stream of triples, read to its end and closed before this
   * method returns, whatever happens.
   *
   * @param fn the function
   * @param args the argument triples
   * @param <A> the first argument type
   * @param <B> the second argument type
   * @param <C> the third argument type
   * @param <R> the result type
   * @return the pending results
   * @throws NullPointerException if {@code fn} or {@code args} is null
   * @throws java.util.concurrent.RejectedExecutionException if the pool is not running
   */
  <A, B, C, R> AsyncResult<List<R>> starmapAsync(
      Fn3<? super A, ? super B, ? super C, ? extends R> fn,
      Stream<? extends Args3<A, B, C>> args);

  // ---------------------------------------------------------------- imap

  /**
   * Python's {@code imap}: lazy results in input order. Chunks start at one item and grow while tasks
   * are short (see "How work is split" above); pass a chunk size to fix it.
   *
   * @param fn the function
   * @param items the input, read lazily
   * @param <T> the item type
   * @param <R> the result type
   * @return the results as they come, in input order; close it to cancel the rest
   */
  <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Iterable<? extends T> items);

  /**
   * Python's {@code imap} with a chunk size.
   *
   * @param fn the function
   * @param items the input, read lazily
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order
   */
  <T, R> ResultIterator<R> imap(
      Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize);

  /**
   * Python's {@code imap} over an iterator, which may be infinite.
   *
   * @param fn the function
   * @param items the input, read lazily from the pool's feeder thread
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order
   */
  <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Iterator<? extends T> items);

  /**
   * Python's {@code imap} over an iterator, with a chunk size.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order
   */
  <T, R> ResultIterator<R> imap(
      Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize);

  /**
   * Python's {@code imap} over a stream, which may be infinite. The stream is closed once it is read
   * to its end or the iterator is closed, and at once if the call is refused (a wrong argument, a pool
   * that is not running).
   *
   * @param fn the function
   * @param items the input
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order
   */
  <T, R> ResultIterator<R> imap(Fn<? super T, ? extends R> fn, Stream<? extends T> items);

  /**
   * Python's {@code imap} over a stream, with a chunk size.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results in input order
   */
  <T, R> ResultIterator<R> imap(
      Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize);

  /**
   * Python's {@code imap_unordered}: lazy results in the order they complete.
   *
   * @param fn the function
   * @param items the input, read lazily
   * @param <T> the item type
   * @param <R> the result type
   * @return the results as they complete
   */
  <T, R> ResultIterator<R> imapUnordered(Fn<? super T, ? extends R> fn, Iterable<? extends T> items);

  /**
   * Python's {@code imap_unordered} with a chunk size.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results as they complete
   */
  <T, R> ResultIterator<R> imapUnordered(
      Fn<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize);

  /**
   * Python's {@code imap_unordered} over an iterator, which may be infinite.
   *
   * @param fn the function
   * @param items the input
   * @param <T> the item type
   * @param <R> the result type
   * @return the results as they complete
   */
  <T, R> ResultIterator<R> imapUnordered(Fn<? super T, ? extends R> fn, Iterator<? extends T> items);

  /**
   * Python's {@code imap_unordered} over an iterator, with a chunk size.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results as they complete
   */
  <T, R> ResultIterator<R> imapUnordered(
      Fn<? super T, ? extends R> fn, Iterator<? extends T> items, int chunksize);

  /**
   * Python's {@code imap_unordered} over a stream, which may be infinite; closed as
   * {@link #imap(Fn, Stream)} closes it.
   *
   * @param fn the function
   * @param items the input
   * @param <T> the item type
   * @param <R> the result type
   * @return the results as they complete
   */
  <T, R> ResultIterator<R> imapUnordered(Fn<? super T, ? extends R> fn, Stream<? extends T> items);

  /**
   * Python's {@code imap_unordered} over a stream, with a chunk size.
   *
   * @param fn the function
   * @param items the input
   * @param chunksize items per chunk, at least 1
   * @param <T> the item type
   * @param <R> the result type
   * @return the results as they complete
   */
  <T, R> ResultIterator<R> imapUnordered(
      Fn<? super T, ? extends R> fn, Stream<? extends T> items, int chunksize);

  // ---------------------------------------------------------------- apply

  /**
   * Python's {@code apply}: runs one task on a worker and waits for it.
   *
   * @param task the task
   * @param <R> the result type
   * @return its result
   * @throws TaskFailedException if the task failed (item index 0)
   */
  <R> R apply(Task<R> task);

  /**
   * Python's {@code apply_async}.
   *
   * @param task the task
   * @param <R> the result type
   * @return its pending result
   */
  <R> AsyncResult<R> applyAsync(Task<R> task);

  /**
   * Python's {@code apply_async} with callbacks, which run on the pool's result thread before the
   * result becomes ready.
   *
   * @param task the task
   * @param callback called with the result on success, may be null
   * @param errorCallback called with the task's exception on failure, may be null
   * @param <R> the result type
   * @return its pending result
   */
  <R> AsyncResult<R> applyAsync(
      Task<R> task, Consumer<? super R> callback, Consumer<? super Throwable> errorCallback);

  // ---------------------------------------------------------------- ExecutorService

  /**
   * Submits a task, {@code concurrent.futures}' {@code submit}. Lambdas resolve to this overload, so
   * they are serializable without a cast.
   *
   * @param task the task
   * @param <R> the result type
   * @return its pending result
   */
  <R> AsyncResult<R> submit(Task<R> task);

  /**
   * {@inheritDoc}
   *
   * <p>For a pool whose workers are other processes the callable must be serializable; prefer
   * {@link #submit(Task)}.
   */
  @Override
  <R> AsyncResult<R> submit(Callable<R> task);

  /** {@inheritDoc} */
  @Override
  <R> AsyncResult<R> submit(Runnable task, R result);

  /** {@inheritDoc} */
  @Override
  AsyncResult<?> submit(Runnable task);

  /**
   * {@inheritDoc}
   *
   * <p>A task that throws is logged as a warning through {@link System.Logger}; use
   * {@link #submit(Runnable)} to see the exception.
   */
  @Override
  void execute(Runnable command);

  /**
   * Runs every task and waits for all of them.
   *
   * @param tasks the tasks
   * @param <R> the result type
   * @return their completed futures, in the order given
   * @throws InterruptedException if interrupted while waiting; unfinished tasks are cancelled
   */
  @Override
  <R> List<Future<R>> invokeAll(Collection<? extends Callable<R>> tasks)
      throws InterruptedException;

  /**
   * Runs every task and waits for all of them or the timeout; tasks unfinished by then are cancelled.
   *
   * @param tasks the tasks
   * @param timeout the longest to wait
   * @param unit the unit of {@code timeout}
   * @param <R> the result type
   * @return their futures, in the order given
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  <R> List<Future<R>> invokeAll(Collection<? extends Callable<R>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException;

  /**
   * Runs the tasks and returns the result of the first that succeeds; the others are cancelled.
   *
   * @param tasks the tasks, at least one
   * @param <R> the result type
   * @return the first successful result
   * @throws ExecutionException if every task failed (the cause is the last failure)
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code tasks} is empty
   */
  @Override
  <R> R invokeAny(Collection<? extends Callable<R>> tasks)
      throws InterruptedException, ExecutionException;

  /**
   * Like {@link #invokeAny(Collection)} with a time limit.
   *
   * @param tasks the tasks, at least one
   * @param timeout the longest to wait
   * @param unit the unit of {@code timeout}
   * @param <R> the result type
   * @return the first successful result
   * @throws TimeoutException if none succeeded in time (all are cancelled)
   * @throws ExecutionException if every task failed
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  <R> R invokeAny(Collection<? extends Callable<R>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException;

  // ---------------------------------------------------------------- lifecycle

  /**
   * Python's {@code close()}: accepts no new work; everything already submitted (including lazy
   * {@code imap} calls still reading their input) finishes. Does not wait; see {@link #join()}.
   * Idempotent.
   */
  @Override
  void shutdown();

  /**
   * Python's {@code terminate()}: stops every worker now. Work not yet completed fails with
   * {@link PoolTerminatedException}. Does not wait; see {@link #join()}. Idempotent.
   */
  void terminate();

  /**
   * {@link #terminate()}, returning the {@link Runnable}s given to {@link #execute} or
   * {@link #submit(Runnable)} that never started.
   *
   * @return the runnables that never started
   */
  @Override
  List<Runnable> shutdownNow();

  /**
   * Python's {@code join()}: waits until every worker has exited and every callback has run.
   *
   * @throws IllegalStateException if neither {@link #shutdown()} nor {@link #terminate()} was called
   * @throws InterruptedException if interrupted while waiting
   */
  void join() throws InterruptedException;

  /**
   * {@link #shutdown()} then {@link #join()}: waits for submitted work to finish and the workers to
   * exit. This is not Python's {@code Pool.__exit__}, which terminates and drops pending work. If
   * interrupted while waiting, terminates the pool, waits for the workers to exit, and returns with
   * the interrupt flag set. Idempotent.
   *
   * <p>An {@code imap} iterator that is neither read to its end nor closed is submitted work that
   * waits for its consumer, so {@code close()} waits for it too while you hold it: open iterators in
   * try-with-resources. One you dropped cannot be read any more: once the garbage collector finds it
   * unreachable, its remaining work is cancelled (with a warning in the log), so it never keeps
   * {@code close()} waiting forever.
   *
   * @throws IllegalStateException if called from a callback (the pool's result thread would wait for
   *     itself)
   */
  @Override
  void close();
}
