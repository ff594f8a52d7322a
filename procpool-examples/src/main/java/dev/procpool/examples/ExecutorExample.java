package dev.procpool.examples;

import dev.procpool.Pool;
import dev.procpool.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The article's "concurrent.futures.ProcessPoolExecutor" block. A {@link Pool} is also a
 * {@link java.util.concurrent.ExecutorService}, so the executor style works on it as it is.
 *
 * <pre>{@code
 * from concurrent.futures import ProcessPoolExecutor
 *
 * with ProcessPoolExecutor() as pool:
 *   ret = pool.map(f, range(3))
 *   print(list(ret))
 * }</pre>
 *
 * <p>As the article notes, the executor's {@code map} is not lazy even though it returns a generator.
 * procpool says so in the types: {@link Pool#map} returns a {@code List}, and the lazy form is
 * {@link Pool#imap} (see {@link ImapExample}). {@code with ProcessPoolExecutor()} waits for pending
 * work on exit, and so does a procpool {@code try} block.
 */
public final class ExecutorExample {
  private ExecutorExample() {}

  public static void main(String[] args) throws InterruptedException, ExecutionException {
    try (Pool pool = Pool.builder().build()) { // ProcessPoolExecutor(): one worker per CPU
      run(pool);
    }
  }

  public static List<List<Integer>> run(Pool pool) throws InterruptedException, ExecutionException {
    System.out.println("--- concurrent.futures: submit, invokeAll, map");

    // future = pool.submit(f, 3); future.result(). A lambda passed to submit is a procpool Task,
    // which is serializable without a cast.
    Future<Integer> future = pool.submit(() -> Utils.f(3));
    System.out.println("submit(f, 3).get(): " + future.get()); // 9

    // Several tasks at once; invokeAll waits until every one is done.
    List<Task<Integer>> tasks = List.of(() -> Utils.f(0), () -> Utils.f(1), () -> Utils.f(2));
    List<Integer> all = new ArrayList<>();
    for (Future<Integer> done : pool.invokeAll(tasks)) {
      all.add(done.get());
    }
    System.out.println("invokeAll:          " + all); // [0, 1, 4]

    List<Integer> ret = pool.map(Utils::f, List.of(0, 1, 2)); // pool.map(f, range(3))
    System.out.println("map(f, range(3)):   " + ret); // [0, 1, 4]

    return List.of(List.of(future.get()), all, ret);
  }
}
