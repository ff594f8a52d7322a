package dev.procpool.contract;

import dev.procpool.spi.Backend;
import dev.procpool.spi.BackendFactory;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.Job;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkSource;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import dev.procpool.spi.WorkerSettings;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test kit's fault-injection seam: wraps any backend and, at the boundary where its workers talk to the
 * engine, makes them suffer faults on cue, whatever the backend is (threads cannot be killed, a cluster
 * member in the test's JVM cannot be frozen). To the engine, a worker that "dies" here is gone exactly as a
 * killed process is: it reports {@link Exit.Kind#DIED} and nothing more, and whatever it held must be
 * settled. To the backend, that worker was told to take no more work, and its end is answered with the
 * engine's verdict, so the backend's own replacement logic (delays included) is what runs.
 *
 * <p>Faults are keyed by item value (the contract's items are distinct integers).
 */
public final class FaultInjector implements BackendFactory {

  /** What happens to a worker when it meets an item. */
  public enum Fault {
    /** The worker dies whenever it runs the item: the item is the culprit. */
    DIES,
    /** The worker that first runs the item dies, as if killed from outside: the item is innocent. */
    DIES_ONCE,
    /** The worker dies whenever it receives a chunk holding the item, before it begins it (while decoding it). */
    DIES_DECODING,
    /** The first worker that receives a chunk holding the item freezes before it reports anything. */
    FREEZES_ONCE
  }

  private final BackendFactory inner;
  private final Map<Object, Fault> faults = new ConcurrentHashMap<>();
  private final Set<Object> spent = ConcurrentHashMap.newKeySet();
  private final AtomicInteger startsToFail = new AtomicInteger();
  private final AtomicInteger startsToFailAfterDeath = new AtomicInteger();
  private final AtomicInteger deaths = new AtomicInteger();
  private final AtomicInteger failedStarts = new AtomicInteger();
  private final AtomicInteger freezes = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicReference<Error> nextAdmit = new java.util.concurrent.atomic.AtomicReference<>();

  /**
   * @param inner the backend to inject faults into
   */
  public FaultInjector(BackendFactory inner) {
    this.inner = inner;
  }

  /** Makes workers suffer {@code fault} on meeting {@code item}. */
  public FaultInjector on(Object item, Fault fault) {
    faults.put(item, fault);
    return this;
  }

  /** Makes the next {@code n} worker starts fail as if each worker were killed while starting. */
  public FaultInjector failNextStarts(int n) {
    startsToFail.set(n);
    return this;
  }

  /** Once a worker has died here, makes the next {@code n} starts fail too: its replacements die while starting. */
  public FaultInjector failStartsAfterDeath(int n) {
    startsToFailAfterDeath.set(n);
    return this;
  }

  /** Makes the backend fail to take the next call's job with {@code error}, as a broken class path would. */
  public FaultInjector failNextAdmit(Error error) {
    nextAdmit.set(error);
    return this;
  }

  /** How many workers died here, while running or decoding. */
  public int deaths() {
    return deaths.get();
  }

  /** How many worker starts failed here. */
  public int failedStarts() {
    return failedStarts.get();
  }

  /** How many workers froze here. */
  public int freezes() {
    return freezes.get();
  }

  @Override
  public Backend create(WorkerSettings settings) {
    return new Faulty(inner.create(settings));
  }

  private final class Faulty implements Backend {
    private final Backend backend;

    Faulty(Backend backend) {
      this.backend = backend;
    }

    @Override
    public int workers() {
      return backend.workers();
    }

    @Override
    public void start(WorkSource source) {
      backend.start(new WorkSource() {
        @Override
        public WorkerLink enrol(WorkerControl control) {
          Link link = new Link();
          link.control = control;
          link.real = source.enrol(link);
          return link;
        }

        @Override
        public boolean isFinished() {
          return source.isFinished();
        }

        @Override
        public void noWorkers(String why) {
          source.noWorkers(why);
        }
      });
    }

    @Override
    public void admit(Job job) {
      Error error = nextAdmit.getAndSet(null);
      if (error != null) {
        throw error;
      }
      backend.admit(job);
    }

    @Override
    public void jobFinished(Job job) {
      backend.jobFinished(job);
    }

    @Override
    public void interrupt(Job job) {
      backend.interrupt(job);
    }

    @Override
    public void shutdown() {
      backend.shutdown();
    }

    @Override
    public void terminate() {
      backend.terminate();
    }

    @Override
    public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
      return backend.awaitTermination(timeoutNanos);
    }
  }

  /**
   * A worker's link as the backend sees it. Once the worker has "died" here, it reports nothing more to the
   * engine, takes no more work, and learns the engine's verdict on its death when it reports its own end.
   */
  private final class Link implements WorkerLink, WorkerControl {
    volatile WorkerLink real;
    volatile WorkerControl control;
    private final CountDownLatch thawed = new CountDownLatch(1);
    private volatile boolean frozen;
    private Verdict verdict; // guarded by this; set once the worker is written off here

    private synchronized boolean dead() {
      return verdict != null;
    }

    /** Writes the worker off with what the engine answered; false if it was written off already. */
    private synchronized boolean writeOff(Verdict v) {
      if (verdict != null) {
        return false;
      }
      verdict = v;
      return true;
    }

    private synchronized Verdict verdict() {
      return verdict;
    }

    private void die(String how) {
      synchronized (this) {
        if (verdict != null) {
          return;
        }
        deaths.incrementAndGet();
        int after = startsToFailAfterDeath.getAndSet(0);
        if (after > 0) {
          startsToFail.addAndGet(after);
        }
        verdict = real.gone(Exit.of(Exit.Kind.DIED, "worker " + real.id() + " " + how + " (injected)"));
      }
    }

    @Override
    public int id() {
      return real.id();
    }

    @Override
    public void ready(String detail) {
      if (startsToFail.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        failedStarts.incrementAndGet();
        writeOff(real.startFailed(new StartFailure(StartFailure.Kind.CRASHED,
            "worker " + real.id() + " was killed while starting (injected)", null)));
        return;
      }
      real.ready(detail);
    }

    @Override
    public Verdict startFailed(StartFailure failure) {
      return dead() ? verdict() : real.startFailed(failure);
    }

    @Override
    public Chunk take() throws InterruptedException {
      return dead() ? null : received(real.take());
    }

    @Override
    public Chunk poll(long timeout, TimeUnit unit) throws InterruptedException {
      return dead() ? null : received(real.poll(timeout, unit));
    }

    /** What the worker does with a chunk it receives: null if it died or froze on it. */
    private Chunk received(Chunk chunk) throws InterruptedException {
      if (chunk == null) {
        return null;
      }
      for (Object item : chunk.items()) {
        Fault f = faults.get(item);
        if (f == Fault.DIES_DECODING) {
          die("died while decoding " + chunk);
          return null;
        }
        if (f == Fault.FREEZES_ONCE && spent.add(item)) {
          freezes.incrementAndGet();
          frozen = true;
          thawed.await(); // until the engine stops it (stop() below), or the pool is terminated
          return null;
        }
      }
      return chunk;
    }

    @Override
    public void stop(String reason) {
      if (frozen) {
        writeOff(real.gone(Exit.of(Exit.Kind.STOPPED, reason)));
        thawed.countDown();
      } else {
        control.stop(reason);
      }
    }

    @Override
    public boolean recycledAsOne() {
      return control.recycledAsOne();
    }

    @Override
    public void started(Chunk chunk) {
      if (!dead()) {
        real.started(chunk);
      }
    }

    @Override
    public void running(Chunk chunk, int offset) {
      if (!dead()) {
        real.running(chunk, offset);
      }
    }

    @Override
    public void completed(Chunk chunk, int offset, List<?> results) {
      if (!dead() && !diesOn(chunk, offset, results.size())) {
        real.completed(chunk, offset, results);
      }
    }

    @Override
    public void failed(Chunk chunk, int offset, Throwable error) {
      if (!dead() && !diesOn(chunk, offset, 1)) {
        real.failed(chunk, offset, error);
      }
    }

    /** Whether the worker dies on one of these items, which it just ran: their outcomes are lost with it. */
    private boolean diesOn(Chunk chunk, int offset, int count) {
      for (int i = offset; i < offset + count; i++) {
        Object item = chunk.items().get(i);
        Fault f = faults.get(item);
        if (f == Fault.DIES || (f == Fault.DIES_ONCE && spent.add(item))) {
          die("died running item " + (chunk.firstIndex() + i));
          return true;
        }
      }
      return false;
    }

    @Override
    public void finished(Chunk chunk) {
      if (!dead()) {
        real.finished(chunk);
      }
    }

    @Override
    public void finished(Chunk chunk, long bytes) {
      if (!dead()) {
        real.finished(chunk, bytes);
      }
    }

    @Override
    public void handBack(Chunk chunk, String why) {
      if (!dead()) {
        real.handBack(chunk, why);
      }
    }

    @Override
    public void timedOut(Chunk chunk, int offset) {
      if (!dead()) {
        real.timedOut(chunk, offset);
      }
    }

    @Override
    public void activity(long busyNanos, long bytesIn, long bytesOut) {
      if (!dead()) {
        real.activity(busyNanos, bytesIn, bytesOut);
      }
    }

    @Override
    public Verdict gone(Exit exit) {
      thawed.countDown();
      synchronized (this) {
        if (verdict != null) {
          // Written off here already: the backend learns now what the engine decided then.
          return exit.kind() == Exit.Kind.TERMINATED ? Verdict.RETIRE : verdict;
        }
      }
      return real.gone(exit);
    }
  }
}
