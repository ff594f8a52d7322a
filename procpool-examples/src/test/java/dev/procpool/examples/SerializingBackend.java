package dev.procpool.examples;

import dev.procpool.Fn;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerLink;
import dev.procpool.spi.WorkerSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test backend that runs work on threads of this JVM, but only through a serialization round trip
 * of the function, every item and every result, as a worker process would. It makes an example that
 * captures something non-serializable fail now, not once it first runs on worker processes.
 */
final class SerializingBackend implements Backend {
  private final WorkerSettings settings;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean terminated;
  private WorkSource source;

  SerializingBackend(WorkerSettings settings) {
    this.settings = settings;
  }

  @Override
  public int workers() {
    return settings.workers();
  }

  @Override
  public synchronized void start(WorkSource source) {
    this.source = source;
    for (int i = 1; i <= settings.workers(); i++) {
      spawn();
    }
  }

  /** Starts a worker thread; a thread cannot be stopped from outside, so a frozen one is left to its fate. */
  private synchronized void spawn() {
    if (terminated) {
      return;
    }
    WorkerLink link = source.enrol(reason -> { });
    Thread t = new Thread(() -> work(link), settings.poolName() + "-serializing-" + link.id());
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void work(WorkerLink link) {
    Verdict verdict;
    try {
      if (settings.initializer() != null) {
        try {
          roundTrip(settings.initializer()).call();
        } catch (Exception e) {
          verdict = link.startFailed(new StartFailure(StartFailure.Kind.INITIALIZER, "the initializer failed: " + e, e));
          follow(verdict);
          return;
        }
      }
      link.ready("");
      Chunk chunk;
      while (!terminated && (chunk = link.take()) != null) {
        run(link, chunk);
      }
      verdict = link.gone(Exit.of(terminated ? Exit.Kind.TERMINATED : Exit.Kind.EXITED, ""));
    } catch (InterruptedException e) {
      verdict = link.gone(Exit.of(Exit.Kind.TERMINATED, ""));
    }
    follow(verdict);
  }

  private static void run(WorkerLink link, Chunk chunk) {
    link.started(chunk);
    Fn<Object, Object> fn;
    List<Object> items;
    try {
      fn = roundTrip(chunk.job().function());
      items = roundTrip(new ArrayList<>(chunk.items()));
    } catch (Exception e) {
      for (int i = 0; i < chunk.size(); i++) {
        link.failed(chunk, i, e);
      }
      link.finished(chunk);
      return;
    }
    // Results go back in runs when the chunk ends, as a worker process sends an untimed chunk's: a worker
    // that dies mid-chunk has then reported nothing of it, and the engine settles it as a process's.
    List<Object> run = new ArrayList<>();
    int from = 0;
    for (int i = 0; i < items.size() && !chunk.job().isCancelled(); i++) {
      try {
        run.add(roundTrip(fn.apply(items.get(i))));
      } catch (Exception e) {
        if (!run.isEmpty()) {
          link.completed(chunk, from, run);
          run = new ArrayList<>();
        }
        link.failed(chunk, i, e);
        from = i + 1;
      }
    }
    if (!run.isEmpty()) {
      link.completed(chunk, from, run);
    }
    link.finished(chunk);
  }

  /** Replaces a worker when the engine says so (it reached its tasks-per-worker limit). */
  private void follow(Verdict verdict) {
    if (verdict.replace()) {
      spawn(); // no delay: threads that start cannot crash-loop here
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Override
  public void shutdown() {
    // workers exit once the source is finished
  }

  @Override
  public synchronized void terminate() {
    terminated = true;
    threads.forEach(Thread::interrupt);
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 2);
    for (int seen = -1; ; ) {
      List<Thread> all;
      synchronized (this) {
        if (all().size() == seen) {
          return true; // every thread known ended, and none was started meanwhile (a recycled worker's heir)
        }
        all = all();
      }
      for (Thread t : all) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        if (t.isAlive()) {
          return false;
        }
      }
      seen = all.size();
    }
  }

  private List<Thread> all() {
    return new ArrayList<>(threads);
  }
}
