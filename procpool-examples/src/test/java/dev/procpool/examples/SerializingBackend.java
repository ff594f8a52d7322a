package dev.procpool.examples;

import dev.procpool.Fn;
import dev.procpool.spi.Backend;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.WorkSink;
import dev.procpool.spi.WorkSource;
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

  SerializingBackend(WorkerSettings settings) {
    this.settings = settings;
  }

  @Override
  public int workers() {
    return settings.workers();
  }

  @Override
  public synchronized void start(WorkSource source, WorkSink sink) {
    for (int i = 1; i <= settings.workers(); i++) {
      Thread t = new Thread(() -> work(source, sink), settings.poolName() + "-serializing-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void work(WorkSource source, WorkSink sink) {
    try {
      if (settings.initializer() != null) {
        try {
          roundTrip(settings.initializer()).call();
        } catch (Exception e) {
          sink.workerStartFailed("the initializer failed: " + e, e);
          return;
        }
      }
      Chunk chunk;
      while (!terminated && (chunk = source.take()) != null) {
        Fn<Object, Object> fn;
        List<Object> items;
        try {
          fn = roundTrip(chunk.job().function());
          items = roundTrip(new ArrayList<>(chunk.items()));
        } catch (Exception e) {
          for (int i = 0; i < chunk.size(); i++) {
            sink.failed(chunk, i, e);
          }
          continue;
        }
        for (int i = 0; i < items.size() && !chunk.job().isCancelled(); i++) {
          try {
            sink.completed(chunk, i, java.util.Collections.singletonList(roundTrip(fn.apply(items.get(i)))));
          } catch (Exception e) {
            sink.failed(chunk, i, e);
          }
        }
      }
    } catch (InterruptedException e) {
      // terminated
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
    List<Thread> all;
    synchronized (this) {
      all = new ArrayList<>(threads);
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
    return true;
  }
}
