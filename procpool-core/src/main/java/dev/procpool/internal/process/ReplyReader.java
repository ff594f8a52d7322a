package dev.procpool.internal.process;

import dev.procpool.RemoteTaskException;
import dev.procpool.internal.ArraySlice;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.WorkerLink;
import java.io.EOFException;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.StreamCorruptedException;
import java.lang.System.Logger.Level;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One worker's reader thread: turns what the worker sends back (STARTED, RESULTS, RECALLED, FATAL,
 * PARKED) into facts for the engine, keeping the worker's {@link InFlightWindow} up to date. Results that
 * arrive intact but cannot be read in this JVM fail their items; a worker that breaks the protocol is
 * killed. When the connection ends, the worker works out why (see {@link WorkerProcess#readerEnded}).
 */
final class ReplyReader implements Runnable {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  private final WorkerProcess worker;
  private final WorkerLink link;
  private final FrameReader in;
  private final ClassLoader loader;
  private final String poolName;
  /** The worker's lock, which guards its window. */
  private final ReentrantLock lock;
  /** Wakes the worker's dispatcher when the window has room again. */
  private final Condition room;
  private final InFlightWindow window;
  private RemoteTaskException fatal;
  /** Whether the worker's READY is still to come (see {@link WorkerStart.Connection#readyToCome}). */
  private boolean readyToCome;
  private long bytesReadReported;

  ReplyReader(WorkerProcess worker, WorkerLink link, FrameReader in, WorkerContext context, ReentrantLock lock,
      Condition room, InFlightWindow window, boolean readyToCome) {
    this.readyToCome = readyToCome;
    this.worker = worker;
    this.link = link;
    this.in = in;
    this.loader = context.loader();
    this.poolName = context.poolName();
    this.lock = lock;
    this.room = room;
    this.window = window;
  }

  @Override
  public void run() {
    boolean parked = false;
    try {
      while (in.next()) {
        ByteBuffer p = in.payload();
        switch (in.type()) {
          case Protocol.READY -> {
            if (!readyToCome) {
              throw new ProtocolException("a second READY");
            }
            readyToCome = false;
          }
          case Protocol.STARTED -> started(p.getInt(), p.getInt());
          case Protocol.RESULTS -> results(p);
          case Protocol.RECALLED -> recalled(p.getInt());
          case Protocol.FATAL -> fatal = Protocol.readFatal(p);
          case Protocol.PARKED -> {
            if (worker.park()) {
              parked = true;
              return; // the connection is the next pool's now
            }
          }
          default -> throw new ProtocolException("unexpected frame " + Protocol.name(in.type()));
        }
      }
    } catch (ProtocolException | BufferUnderflowException e) {
      String problem = e.getMessage() != null ? e.getMessage() : "a frame was cut short";
      // The engine logs the worker's death with this detail; once is enough at WARNING.
      LOG.log(Level.DEBUG, "{0}: worker {1} broke the protocol ({2}); killing and replacing it", poolName, worker.id,
          problem);
      worker.kill("protocol error: " + problem);
    } catch (IOException e) {
      // the connection ended: the worker died or was killed
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, poolName + ": internal error reading from worker " + worker.id + "; killing it", e);
      worker.kill("internal error in the pool: " + e);
    } finally {
      worker.readerEnded(parked, fatal);
    }
  }

  private void started(int seq, int offset) throws ProtocolException {
    InFlight f;
    boolean first;
    lock.lock();
    try {
      f = window.find(seq);
      first = f.start(offset, System.nanoTime());
    } finally {
      lock.unlock();
    }
    // A timed chunk reports each item's start: a crash then points at one item, not the whole chunk.
    if (f.timed()) {
      link.running(f.chunk, offset);
    } else if (first) {
      link.started(f.chunk);
    }
  }

  private void results(ByteBuffer p) throws IOException {
    int seq = p.getInt();
    int offset = p.getInt();
    boolean last = (p.get() & Protocol.LAST) != 0;
    long elapsed = p.getLong();
    InFlight f;
    lock.lock();
    try {
      f = window.find(seq);
    } finally {
      lock.unlock();
    }
    Chunk chunk = f.chunk;
    Object[] values;
    try {
      values = Codec.decodeValues(p, loader);
    } catch (StreamCorruptedException | EOFException e) {
      throw new ProtocolException("the results of chunk " + seq + " are garbled (" + e.getMessage() + ")");
    } catch (IOException | RuntimeException | LinkageError e) {
      // The bytes are fine but their classes or readObject methods fail here: those items fail, the pool goes on.
      values = unreadable(chunk, offset, last, e);
    }
    if (offset < 0 || offset + values.length > chunk.size()) {
      throw new ProtocolException("chunk " + seq + " of " + chunk.size() + " items has no items " + offset + ".."
          + (offset + values.length - 1));
    }
    report(chunk, offset, values);
    int reported = offset + values.length;
    lock.lock();
    try {
      f.reported = Math.max(f.reported, reported);
      if (last && window.finished(f, elapsed)) {
        room.signalAll();
      }
    } finally {
      lock.unlock();
    }
    if (last) {
      long received = in.bytesRead() - bytesReadReported;
      bytesReadReported += received;
      link.activity(elapsed, f.bytesSent, received);
      link.finished(chunk, f.bytesSent + received); // items it skipped (their job is over) need no outcome
    }
  }

  private static Object[] unreadable(Chunk chunk, int offset, boolean last, Throwable e) {
    int count = last ? chunk.size() - offset : 1;
    boolean missingClass = e instanceof InvalidClassException && e.getCause() instanceof ClassNotFoundException;
    IllegalStateException problem = new IllegalStateException("the results of items " + (chunk.firstIndex() + offset)
        + ".." + (chunk.firstIndex() + offset + count - 1) + " could not be read in the pool's JVM"
        + (missingClass ? ": a class they need is on the workers' classpath but not on the pool's" : "")
        + " (" + e + ")", e);
    Object[] failures = new Object[count];
    Arrays.fill(failures, new LocalFailure(problem));
    return failures;
  }

  /** An outcome that failed in this JVM, as opposed to a result that happens to be an exception. */
  private record LocalFailure(Throwable error) {}

  /** Reports outcomes: runs of results at once, each failure on its own; skipped items were failed already. */
  private void report(Chunk chunk, int offset, Object[] values) {
    int run = -1;
    for (int i = 0; i <= values.length; i++) {
      Object v = i < values.length ? values[i] : null;
      boolean outcome = i < values.length && !(v instanceof RemoteFailure) && !(v instanceof LocalFailure)
          && v != Codec.Marker.SKIPPED;
      if (outcome) {
        if (run < 0) {
          run = i;
        }
        continue;
      }
      if (run >= 0) {
        link.completed(chunk, offset + run, new ArraySlice(values, run, i));
        run = -1;
      }
      if (v instanceof RemoteFailure failure) {
        link.failed(chunk, offset + i, failure.toThrowable(loader));
      } else if (v instanceof LocalFailure failure) {
        link.failed(chunk, offset + i, failure.error());
      }
    }
  }

  private void recalled(int seq) throws ProtocolException {
    InFlight f;
    lock.lock();
    try {
      f = window.recalled(seq);
      room.signalAll();
    } finally {
      lock.unlock();
    }
    link.handBack(f.chunk, "recalled from worker " + worker.id + ", which is busy with a long task");
  }
}
