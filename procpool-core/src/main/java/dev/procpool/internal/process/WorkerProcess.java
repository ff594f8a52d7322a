package dev.procpool.internal.process;

import dev.procpool.RemoteTaskException;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.Job;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One worker JVM as the pool sees it, and the state it is in. Three threads serve it (from {@link Carriers}):
 * the control thread makes it ready ({@link WorkerStart}), then pulls chunks from the engine, encodes them
 * ({@link ChunkEncoder}) and puts them in the worker's {@link InFlightWindow}; the writer sends what is
 * queued ({@link Outbox}); the reader reports what comes back ({@link ReplyReader}) and, when the
 * connection ends, this class works out why and reports the worker gone, which settles every chunk it
 * still held.
 *
 * <p>The state, in one direction only: the worker takes chunks (no intent); then the pool decides to end
 * it, for one of the reasons of {@link Intent}, and it takes no more; then it is gone: its connection
 * ended, and {@link #finish} reports how from the intent and from how the process ended (or it never
 * became ready, which {@link WorkerStart} reports). Gone without an intent, it died. One lock guards the
 * state and the window, so that a chunk enters the window only while the worker takes chunks.
 */
final class WorkerProcess implements WorkerControl {
  private static final System.Logger LOG = System.getLogger("dev.procpool");
  private static final long EXIT_GRACE_MILLIS = 5_000;
  /**
   * How long a worker JVM still starting when its pool finished may go on starting to be parked (see
   * {@link #sweep}); a JVM that is not up by then is stuck, and the pool's close() does not wait for it.
   */
  private static final long PARKING_START_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * Why the pool ends this worker (PARK: it is done with it, and the worker waits in {@link WarmWorkers}
   * for another pool); the first reason wins, except that terminate() overrides a request to exit or park.
   */
  private enum Intent { SHUTDOWN, PARK, RECYCLE, TIMED_OUT, STOPPED, KILLED, TERMINATED }

  final int id;
  private final ProcessBackend pool;
  private final WorkerContext context;
  /** The engine's ledger of this worker: chunks are taken and every fact reported through it. */
  private final WorkerLink link;
  private final Carriers.Job control;
  private final ChunkEncoder encoder;
  private final Outbox outbox = new Outbox();
  /** The threads that must end before the pool may consider this worker gone. */
  private final AtomicInteger parts = new AtomicInteger(1);

  /** Set as soon as the worker's JVM is launched or leased. */
  private volatile Process process;
  /** Set once the worker is ready for chunks. */
  private volatile WorkerStart.Connection connection;
  /** What the worker must answer when a later pool leases it: HMAC of the nonce sent with PARK; null until then. */
  private volatile byte[] leaseAnswer;
  /** When the sweep first saw the pool finished while this worker was not ready, or 0 (used by the sweep only). */
  private long finishedSeen;
  /** Whether the writer thread was started (used by the control thread only). */
  private boolean writerStarted;
  /** The lease the pool requested for this worker as it started, or null; taken by the control thread. */
  private WorkerStart.Lease requested;

  private final ReentrantLock lock = new ReentrantLock();
  /** Wakes the dispatcher: the window has room, or the worker's state changed. */
  private final Condition room = lock.newCondition();
  // guarded by lock
  private final InFlightWindow window = new InFlightWindow();
  private Intent intent;
  private String intentDetail;
  private InFlight timedOut;
  private int timedOutOffset;
  private boolean gone;

  WorkerProcess(ProcessBackend pool, WorkerContext context, WorkerStart.Lease requested) {
    this.requested = requested;
    this.pool = pool;
    this.context = context;
    this.link = context.source().enrol(this);
    this.id = link.id();
    this.encoder = new ChunkEncoder(link, context.functions());
    this.control = new Carriers.Job(context.threadName(id, ""), context.loader(), this::control);
  }

  void start() {
    control.start();
  }

  // ------------------------------------------------------------------ control thread

  private void control() {
    WorkerStart start = new WorkerStart(this, link, context, pool, requested);
    requested = null;
    try {
      WorkerStart.Connection c = start.connect();
      if (c == null) {
        return;
      }
      connection = c;
      parts.incrementAndGet();
      link.ready("pid " + c.process().pid() + (c.reused() ? ", reused" : ""));
      // What waits already goes out from this thread, before the reader and writer threads start: their
      // start is then not on the way to the first result. If nothing waits (a leased worker is often ready
      // before the pool's first call), the first chunks to come go out from here too, and the writer starts
      // after them (see dispatch).
      int sent = sendWaiting(c.out());
      ReplyReader replies = new ReplyReader(this, link, c.in(), context, lock, room, window, c.readyToCome());
      Carriers.start(context.threadName(id, "-reader"), context.loader(), replies);
      if (sent != 0) {
        startWriter(c.out());
      }
      if (sent < 0) {
        writeFailed();
      }
      dispatch(c.out());
    } catch (InterruptedException e) {
      // the worker is gone or the pool terminated
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, context.poolName() + ": internal error in worker " + id + "; killing it", e);
      if (connection != null) {
        kill(Intent.KILLED, "internal error in the pool: " + e);
      } else {
        start.failedInternally(e);
      }
    } finally {
      partDone();
    }
  }

  /**
   * Pulls chunks for this worker while it has room; asks it to exit when the source is finished. What
   * is there to take when the worker has room goes out as one write: with short chunks, the worker's
   * results free room a few at a time (see {@link InFlightWindow#finished}), so chunks go out in batches.
   */
  private void dispatch(FrameWriter out) throws InterruptedException {
    List<Object> frames = new ArrayList<>();
    for (;;) {
      int room;
      lock.lockInterruptibly();
      try {
        while (!gone && intent == null && window.full()) {
          this.room.await();
        }
        if (gone || intent != null) {
          return;
        }
        room = window.room();
      } finally {
        lock.unlock();
      }
      Chunk chunk = link.take();
      if (chunk == null) {
        startWriter(out);
        // Nothing more for this worker: the pool is done with it, or it reached the pool's tasks-per-worker limit.
        requestExit(!context.source().isFinished() ? Intent.RECYCLE
            : context.reusesWorkers() ? Intent.PARK : Intent.SHUTDOWN);
        return;
      }
      for (;;) {
        send(chunk, frames);
        if (--room <= 0 || window.atByteBound() || (chunk = link.poll(0, TimeUnit.NANOSECONDS)) == null) {
          break;
        }
      }
      if (!frames.isEmpty() && !writerStarted) {
        // No frame was queued for the writer before these (nothing is, without a chunk in the window): they
        // go out from here, a hand-off between threads sooner.
        boolean written = writeNow(out, frames);
        frames.clear();
        startWriter(out);
        if (!written) {
          writeFailed();
        }
      } else if (!frames.isEmpty()) {
        outbox.addAll(frames); // the writer coalesces them into as few writes as its buffer allows
        frames.clear();
      }
    }
  }

  /** Starts the writer thread, once; until then the control thread writes (and it alone). */
  private void startWriter(FrameWriter out) {
    if (!writerStarted) {
      writerStarted = true;
      outbox.start(out, context.threadName(id, "-writer"), this::writeFailed);
    }
  }

  /**
   * Sends the chunks that wait for this worker now, as many as its window takes, writing them on this
   * thread; the writer thread must not have started. Returns how many frames were sent, or -1 if writing
   * failed.
   */
  private int sendWaiting(FrameWriter out) throws InterruptedException {
    List<Object> frames = new ArrayList<>();
    int room;
    lock.lock();
    try {
      if (gone || intent != null) {
        return 0;
      }
      room = window.room();
    } finally {
      lock.unlock();
    }
    Chunk chunk;
    while (room-- > 0 && !window.atByteBound() && (chunk = link.poll(0, TimeUnit.NANOSECONDS)) != null) {
      send(chunk, frames);
    }
    return frames.isEmpty() ? 0 : writeNow(out, frames) ? frames.size() : -1;
  }

  /** Writes frames on this thread, before the writer thread started; false if writing failed. */
  private static boolean writeNow(FrameWriter out, List<Object> frames) {
    try {
      for (Object frame : frames) {
        if (frame instanceof byte[][] segments) {
          for (byte[] segment : segments) {
            out.write(segment);
          }
        } else {
          out.write((byte[]) frame);
        }
      }
      out.flush();
      return true;
    } catch (IOException e) {
      return false; // the worker stopped reading: it died or broke the connection; the reader finds out which
    }
  }

  /** Encodes a chunk and, unless the worker stopped taking chunks, puts it in the window and its frames in the batch. */
  private void send(Chunk chunk, List<Object> batch) {
    InFlight f = encoder.encode(chunk, pool.announceAll(), batch);
    if (f == null) {
      return; // every item failed here
    }
    lock.lock();
    try {
      if (!gone && intent == null) {
        window.add(f);
        return;
      }
    } finally {
      lock.unlock();
    }
    batch.remove(batch.size() - 1); // its CHUNK frame; a FUNCTION or FORGET before it still goes
    link.handBack(chunk, "its worker stopped before the chunk was sent");
  }

  /** Asks the worker to finish what it holds and exit (or, for {@link Intent#PARK}, be parked). */
  private void requestExit(Intent why) {
    lock.lock();
    try {
      if (gone || intent != null) {
        return;
      }
      intent = why;
    } finally {
      lock.unlock();
    }
    byte[] frame = Protocol.empty(Protocol.SHUTDOWN);
    if (why == Intent.PARK) {
      // The next lease's challenge, and the answer expected, worked out now rather than when that pool starts.
      byte[] nonce = Auth.randomBytes();
      leaseAnswer = Auth.answer(connection.secret(), nonce); // before PARK goes: the reader needs it at PARKED
      frame = Protocol.park(context.options().reuseKeepAlive().toMillis(), nonce);
    }
    outbox.add(frame);
    if (why == Intent.SHUTDOWN || why == Intent.PARK) {
      // The pool is finished: nothing the worker still runs is wanted, so its exit need not wait long.
      context.timer().schedule(() -> {
        if (!isGone()) {
          WorkerReaper.kill(process);
        }
      }, EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  // ------------------------------------------------------------------ for WorkerStart

  /** The worker's JVM, launched or leased: from now on it is killed with the worker, at once if terminated. */
  void adopt(Process p) {
    boolean terminated;
    lock.lock();
    try {
      process = p;
      terminated = intent == Intent.TERMINATED;
    } finally {
      lock.unlock();
    }
    if (terminated) {
      WorkerReaper.kill(p);
    }
  }

  /** Whether the pool terminated this worker, or it is gone. */
  boolean terminatedOrGone() {
    lock.lock();
    try {
      return intent == Intent.TERMINATED || gone;
    } finally {
      lock.unlock();
    }
  }

  /** The worker will never be ready: it is gone. Returns whether the pool terminated it. */
  boolean goneBeforeReady() {
    lock.lock();
    try {
      gone = true;
      return intent == Intent.TERMINATED;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ called by the pool

  /** The job is over: the worker may drop its function and skip what is left of it. */
  void forget(long jobId) {
    if (!encoder.unship(jobId)) {
      return;
    }
    if (holds(jobId)) {
      outbox.add(Protocol.withLong(Protocol.FORGET, jobId));
    } else {
      encoder.forgetLater(jobId); // sent with the next chunk: no system call per finished job
    }
  }

  void interrupt(Job job) {
    if (holds(job.id())) {
      outbox.add(Protocol.withLong(Protocol.INTERRUPT, job.id()));
    }
  }

  private boolean holds(long jobId) {
    lock.lock();
    try {
      return window.holds(jobId);
    } finally {
      lock.unlock();
    }
  }

  void terminate() {
    kill(Intent.TERMINATED, null);
  }

  /** The engine found this worker frozen (it holds timed work and reported nothing for too long). */
  @Override
  public void stop(String reason) {
    kill(Intent.STOPPED, reason);
  }

  /**
   * Enforces task timeouts, recalls chunks stuck behind a long one, and stops a worker JVM still starting
   * when the pool has finished, rather than wait for it to be ready only to tell it to exit; called
   * periodically, by one thread. A pool that parks its workers gives it {@link #PARKING_START_GRACE_NANOS}
   * to start, and parks it: a leased one is ready in a round trip, and killing a launched one would leave
   * each of a run of short pools one parked worker short, launching a JVM it never uses.
   */
  void sweep(long now) {
    if (connection == null && pool.stopping()) {
      if (finishedSeen == 0) {
        finishedSeen = now | 1; // never 0
      }
      if (!context.reusesWorkers() || now - finishedSeen > PARKING_START_GRACE_NANOS) {
        kill(Intent.TERMINATED, null);
        return;
      }
    }
    List<Integer> recall = null;
    boolean expired = false;
    lock.lock();
    try {
      if (gone || intent != null) {
        return;
      }
      InFlight late = window.overdue(now);
      if (late != null) {
        intent = Intent.TIMED_OUT;
        timedOut = late;
        timedOutOffset = late.offset;
        expired = true;
      } else {
        recall = window.recallStuck(now);
      }
    } finally {
      lock.unlock();
    }
    if (expired) {
      WorkerReaper.kill(process);
    }
    if (recall != null) {
      for (int seq : recall) {
        outbox.add(Protocol.withInt(Protocol.RECALL, seq));
      }
    }
  }

  /** Process id for tests, or -1 before the process exists. */
  long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  /** Queues raw bytes for the worker, bypassing the protocol; for tests of the worker's defences. */
  void injectForTest(byte[] raw) {
    outbox.add(raw);
  }

  // ------------------------------------------------------------------ the end

  /** Kills the worker for a fault of its own or of the pool (a protocol or internal error); it is replaced. */
  void kill(String detail) {
    kill(Intent.KILLED, detail);
  }

  private void kill(Intent why, String detail) {
    Process p;
    lock.lock();
    try {
      if (gone || (why == Intent.TERMINATED && intent == Intent.TERMINATED)) {
        return; // already on its way out
      }
      if (intent == null || (why == Intent.TERMINATED
          && (intent == Intent.SHUTDOWN || intent == Intent.PARK || intent == Intent.RECYCLE))) {
        intent = why;
        intentDetail = detail;
      }
      p = process;
      room.signalAll();
    } finally {
      lock.unlock();
    }
    if (p != null) {
      WorkerReaper.kill(p);
    }
    if (why == Intent.TERMINATED) {
      control.interrupt(); // it may still be connecting, or waiting for a chunk
    }
  }

  private boolean isGone() {
    lock.lock();
    try {
      return gone;
    } finally {
      lock.unlock();
    }
  }

  /** The writer could not write: the worker died or broke the connection. The reader finds out which. */
  private void writeFailed() {
    if (!isGone()) {
      WorkerReaper.kill(process);
    }
  }

  /**
   * The worker answered PARK: it ran and reported everything it was sent, and dropped its lease. Hands
   * it, still connected, to {@link WarmWorkers} and reports it exited; false if the pool meanwhile
   * decided to end it, or its writer did not stop (it is killed, and the connection's end reported).
   */
  boolean park() throws ProtocolException {
    lock.lock();
    try {
      if (intent != Intent.PARK) {
        if (intent == null) {
          throw new ProtocolException("PARKED, but the worker was not asked to park");
        }
        return false; // terminated, or killed: it is on its way out
      }
      if (!window.isEmpty()) {
        throw new ProtocolException("PARKED with " + window.size() + " chunks not done");
      }
      gone = true;
      room.signalAll();
    } finally {
      lock.unlock();
    }
    Process p = process;
    if (!outbox.closeAndAwait(EXIT_GRACE_MILLIS) || !p.isAlive()) {
      WorkerReaper.kill(p);
      return false;
    }
    link.gone(Exit.of(Exit.Kind.EXITED, "parked for reuse"));
    WorkerStart.Connection c = connection;
    pool.park(new WarmWorkers.Parked(context.launcher().key(), p, c.channel(), c.in(), c.out(), c.stdout(),
        c.stderr(), c.secret(), leaseAnswer));
    return true;
  }

  /** The reader thread ends: unless the worker parked, its connection ended, and the worker with it. */
  void readerEnded(boolean parked, RemoteTaskException fatal) {
    try {
      if (!parked) {
        finish(fatal);
      }
    } finally {
      partDone();
    }
  }

  /** The connection has ended: find out why, report what the worker held, replace it if the pool goes on. */
  private void finish(RemoteTaskException fatal) {
    Process p = process;
    WorkerStart.Connection c = connection;
    boolean exitExpected;
    lock.lock();
    try {
      exitExpected = intent == Intent.SHUTDOWN || intent == Intent.RECYCLE;
    } finally {
      lock.unlock();
    }
    // A worker told to exit gets time for the application's shutdown hooks; any other is dying already.
    if (!WorkerReaper.awaitExit(p, exitExpected ? EXIT_GRACE_MILLIS : 1_000)) {
      WorkerReaper.kill(p); // it closed the connection but lives on: it cannot be used any more
      WorkerReaper.awaitExit(p, 5_000);
    }
    if (c.stdout() != null) {
      // What the worker printed last reaches the pool's output before the pool counts the worker gone: a JVM
      // that exits once its pool is done must not lose it.
      c.stdout().awaitEnd(1_000);
      c.stderr().awaitEnd(1_000);
    }
    String how = p.isAlive() ? "did not exit" : ExitStatus.describe(p.exitValue());
    boolean cleanExit = !p.isAlive() && p.exitValue() == 0;
    WorkerReaper.unregister(p);
    WorkerStart.closeQuietly(c.channel());
    outbox.close();
    Intent why;
    String detail;
    InFlight expired;
    int expiredAt;
    lock.lock();
    try {
      gone = true;
      why = intent;
      detail = (intentDetail == null ? "" : intentDetail + "; ") + "worker " + id + " (pid " + p.pid() + ") "
          + (fatal == null ? "" : "hit " + fatal.getMessage() + " and ") + how;
      window.clear(); // the engine's ledger settles them
      expired = timedOut;
      expiredAt = timedOutOffset;
      room.signalAll();
    } finally {
      lock.unlock();
    }
    control.interrupt();
    if (why == null || why == Intent.KILLED || (why == Intent.RECYCLE && !cleanExit)) {
      pool.workerDied(); // before the chunks go back, so that whoever takes them next announces them
    }
    if (expired != null) {
      link.timedOut(expired.chunk, expiredAt);
    }
    Exit exit;
    if (why == Intent.TERMINATED) {
      exit = Exit.of(Exit.Kind.TERMINATED, "the pool was terminated");
    } else if (why == Intent.SHUTDOWN || why == Intent.PARK || (why == Intent.RECYCLE && cleanExit)) {
      // The pool is done with it; one that had to be killed after its grace period still only exited.
      exit = Exit.of(Exit.Kind.EXITED, cleanExit ? "" : how);
    } else if (why == Intent.TIMED_OUT) {
      exit = Exit.of(Exit.Kind.TIMED_OUT, detail);
    } else if (why == Intent.STOPPED) {
      exit = Exit.of(Exit.Kind.STOPPED, detail);
    } else {
      exit = new Exit(Exit.Kind.DIED, detail, fatal);
    }
    pool.follow(link.gone(exit));
  }

  private void partDone() {
    if (parts.decrementAndGet() == 0) {
      pool.retired(this);
    }
  }
}
