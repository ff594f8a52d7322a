package dev.procpool.internal.process;

import dev.procpool.RemoteTaskException;
import dev.procpool.PoolBuilder.WorkerOutput;
import dev.procpool.spi.Chunk;
import dev.procpool.spi.Exit;
import dev.procpool.spi.Job;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.Verdict;
import dev.procpool.spi.WorkerControl;
import dev.procpool.spi.WorkerLink;
import java.io.EOFException;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.OutputStream;
import java.io.StreamCorruptedException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One worker JVM as the pool sees it. Three threads serve it: the control thread starts the process,
 * connects and authenticates it, then pulls chunks from the engine and encodes them; the writer sends
 * what is queued, flushing only when the queue runs dry; the reader reports what comes back and, when
 * the connection ends, works out why and reports every chunk the worker still held.
 *
 * <p>Several chunks are in flight per worker when chunks are short, so the worker never waits for a
 * round trip; when one runs long, the chunks queued behind it are recalled so that other workers can
 * take them, and a long chunk is never prefetched behind.
 */
final class WorkerProcess implements WorkerControl {
  private static final System.Logger LOG = System.getLogger("dev.procpool");
  private static final long CONNECT_LIMIT_SECONDS = 60;
  /** How long a connection to a worker's socket may take to authenticate before it is closed. */
  private static final long HANDSHAKE_LIMIT_SECONDS = 5;
  /** How many connections that fail to authenticate a worker's socket take before the start is given up. */
  private static final int MAX_STRANGERS = 16;
  /** Room for the worker's connection while a stranger's is being refused. */
  private static final int ACCEPT_BACKLOG = 4;
  /** How long a parked worker may take to answer a lease before it is given up as hung. */
  private static final long LEASE_LIMIT_SECONDS = 10;
  private static final long EXIT_GRACE_MILLIS = 5_000;
  private static final long RECALL_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** Encoded bytes of the chunks in flight above which no more are sent (one always may be). */
  private static final long MAX_BYTES_IN_FLIGHT = 64L << 20;
  /** Ends the writer; compared by identity. */
  private static final byte[] CLOSE = new byte[0];

  /**
   * Why the pool ends this worker (PARK: it is done with it, and the worker waits in {@link WarmWorkers}
   * for another pool); the first reason wins, except that terminate() overrides a request to exit or park.
   */
  private enum Intent { SHUTDOWN, PARK, RECYCLE, TIMED_OUT, STOPPED, KILLED, TERMINATED }

  /** A chunk sent to the worker and not yet done. */
  private static final class InFlight {
    final int seq;
    final Chunk chunk;
    final long timeoutNanos;
    final int bytesSent;
    boolean started;
    int offset = -1;
    long chunkStart;
    long itemStart;
    int reported;
    boolean recalled;

    InFlight(int seq, Chunk chunk, long timeoutNanos, int bytesSent) {
      this.seq = seq;
      this.chunk = chunk;
      this.timeoutNanos = timeoutNanos;
      this.bytesSent = bytesSent;
    }

    boolean timed() {
      return timeoutNanos > 0;
    }

    /** Whether an item of this chunk runs in the worker now. */
    boolean running() {
      return started && reported <= offset;
    }
  }

  final int id;
  private final ProcessBackend pool;
  /** The engine's ledger of this worker: chunks are taken and every fact reported through it. */
  private final WorkerLink link;
  private final Thread control;
  /** Frames for the writer: a byte[], or a byte[][] of segments written one after the other. */
  private final LinkedBlockingQueue<Object> outgoing = new LinkedBlockingQueue<>();
  private final Set<Long> shipped = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Long> pendingForgets = new ConcurrentLinkedQueue<>();
  /** The threads that must end before the pool may consider this worker gone. */
  private final AtomicInteger parts = new AtomicInteger(1);

  private volatile Process process;
  private volatile SocketChannel channel;
  private volatile boolean authenticated;
  private volatile boolean ready;
  private volatile RemoteTaskException fatal;
  /** The secret the worker's JVM was launched with: this pool's, or an earlier one's if it was leased. */
  private volatile byte[] secret;
  /** Whether the worker was leased from {@link WarmWorkers} rather than launched. */
  private volatile boolean reused;
  private volatile Thread writer;
  /** Set by the writer when it stopped at CLOSE with everything queued before it flushed. */
  private volatile boolean closedClean;
  private FrameReader in;
  private FrameWriter out;
  private OutputPump stdout;
  private OutputPump stderr;
  private long bytesReadReported;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition room = lock.newCondition();
  // guarded by lock
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private Intent intent;
  private String intentDetail;
  private InFlight timedOut;
  private int timedOutOffset;
  private boolean gone;
  private boolean recalling;
  private int nextSeq;
  private long ewmaNanos = -1;
  /** The encoded size of the chunks in {@link #inFlight}; written under lock. */
  private volatile long bytesInFlight;

  WorkerProcess(ProcessBackend pool) {
    this.pool = pool;
    this.link = pool.source().enrol(this);
    this.id = link.id();
    this.control = new Thread(this::control, pool.threadName(id, ""));
    this.control.setDaemon(true);
  }

  void start() {
    control.start();
  }

  // ------------------------------------------------------------------ control thread

  private void control() {
    try {
      if (!connect()) {
        return;
      }
      parts.incrementAndGet();
      Thread reader = new Thread(null, this::read, pool.threadName(id, "-reader"), 16 << 20);
      reader.setDaemon(true);
      reader.start();
      Thread writer = new Thread(this::write, pool.threadName(id, "-writer"));
      writer.setDaemon(true);
      this.writer = writer;
      writer.start();
      link.ready("pid " + process.pid() + (reused ? ", reused" : ""));
      dispatch();
    } catch (InterruptedException e) {
      // the worker is gone or the pool terminated
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, pool.name() + ": internal error in worker " + id + "; killing it", e);
      if (ready) {
        kill(Intent.KILLED, "internal error in the pool: " + e);
      } else {
        // No reader reports this worker's end yet: say it could not start, or the pool would wait for it.
        startFailed(StartFailure.Kind.CRASHED, "worker " + id + " could not be started: internal error in the pool: " + e,
            e, Explain.NOTHING);
      }
    } finally {
      partDone();
    }
  }

  /**
   * Leases a parked worker or starts, connects and authenticates a new one, then initializes it for this
   * pool; false if it could not be made ready.
   */
  private boolean connect() {
    if (pool.reusesWorkers()) {
      for (;;) {
        // Checked before each take: a terminated pool (whose kill interrupts this thread, and an
        // interrupted thread closes any channel it writes to) must not use up, and kill, parked workers.
        if (stopLeasing()) {
          return startFailed(StartFailure.Kind.CRASHED, "worker " + id + " was not started: the pool is stopping", null,
              Explain.NOTHING);
        }
        WarmWorkers.Parked w = WarmWorkers.take(pool.launcher().key());
        if (w == null) {
          break;
        }
        if (lease(w)) {
          return awaitReady();
        }
        WarmWorkers.discard(w); // in doubt: its channel may have been closed mid-frame
      }
    }
    if (!launch()) {
      return false;
    }
    try {
      out.write(Protocol.init(pool.reusesWorkers(), pool.initializer()));
      out.flush();
    } catch (IOException e) {
      return startFailed(StartFailure.Kind.CRASHED, "worker " + id + " could not be started: " + e, e, Explain.LAUNCH);
    }
    return awaitReady();
  }

  /** Whether this worker should lease no (more) parked workers: it was interrupted, terminated, or the pool stops. */
  private boolean stopLeasing() {
    if (Thread.currentThread().isInterrupted() || pool.stopping()) {
      return true;
    }
    lock.lock();
    try {
      return intent == Intent.TERMINATED || gone;
    } finally {
      lock.unlock();
    }
  }

  /** Starts, connects and authenticates a new worker JVM; false if it could not. */
  private boolean launch() {
    Path socket = null;
    ServerSocketChannel server = null;
    try {
      PrivateDirectory dir = pool.directory();
      socket = dir.socket(id);
      // The JVM first, the socket after: the worker needs tens of milliseconds to reach its connect (and
      // tries again until the socket is there), while this JVM's first bind loads the JDK's security
      // providers (Unix domain sockets seed a SecureRandom): that now happens while the worker boots.
      Process p;
      try {
        p = pool.launcher().start(id, socket, dir);
      } catch (IOException e) {
        return startFailed(StartFailure.Kind.REFUSED, "worker " + id + " could not be launched: " + e, e, Explain.LAUNCH);
      }
      WorkerReaper.register(p);
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
      startPumps(p);
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket), ACCEPT_BACKLOG);
      ServerSocketChannel s = server;
      p.onExit().thenRun(() -> closeQuietly(s));
      ScheduledFuture<?> limit = pool.timer().schedule(() -> {
        if (!authenticated) {
          closeQuietly(s);
          WorkerReaper.kill(p);
        }
      }, CONNECT_LIMIT_SECONDS, TimeUnit.SECONDS);
      try (OutputStream stdin = p.getOutputStream()) {
        stdin.write(pool.secret());
      } catch (IOException e) {
        // it died at once; accept() fails and the exit code says why
      }
      try {
        return acceptWorker(server, p, limit);
      } finally {
        limit.cancel(false);
        closeQuietly(server);
        Files.deleteIfExists(socket);
      }
    } catch (IOException | RuntimeException e) {
      return startFailed(StartFailure.Kind.CRASHED, "worker " + id + " could not be started: " + e, e, Explain.LAUNCH);
    } finally {
      closeQuietly(server);
    }
  }

  /**
   * Accepts connections on the worker's socket until one proves it knows the pool's secret. Anything else
   * that connects (a process of the same user: nothing else can reach the private directory) is closed and
   * the pool goes on waiting for its worker, whether it sent garbage or stayed silent past the handshake's
   * own deadline. Nothing is deserialized before the proof.
   */
  private boolean acceptWorker(ServerSocketChannel server, Process p, ScheduledFuture<?> limit) throws IOException {
    for (int strangers = 0; ; strangers++) {
      if (strangers > MAX_STRANGERS) {
        return startFailed(StartFailure.Kind.CRASHED, "worker " + id + " was not started: " + strangers
            + " connections to its private socket failed to authenticate; another process of this user keeps"
            + " connecting to the pool's sockets", null, Explain.NOTHING);
      }
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (limit.isDone() && p.isAlive()) {
          return startFailed(StartFailure.Kind.CRASHED, "worker " + id + " did not connect to the pool within "
              + CONNECT_LIMIT_SECONDS + " s", null, Explain.LAUNCH);
        }
        waitExit(p, 2_000);
        return startFailed(exitKind(p), "worker " + id + " exited before connecting to the pool", null, Explain.LAUNCH);
      }
      ScheduledFuture<?> deadline = pool.timer().schedule(() -> closeQuietly(ch), HANDSHAKE_LIMIT_SECONDS,
          TimeUnit.SECONDS);
      String refused;
      try {
        FrameReader reader = new FrameReader(ch, Protocol.MAX_PAYLOAD_BEFORE_AUTH);
        FrameWriter writer = new FrameWriter(ch);
        byte[] nonce = Auth.randomBytes();
        writer.write(Protocol.hello(nonce));
        writer.flush();
        if (!reader.next()) {
          refused = "it closed the connection";
        } else if (reader.type() != Protocol.AUTH) {
          refused = "it sent " + Protocol.name(reader.type()) + " instead of proving it knows the secret";
        } else {
          byte[] answer = new byte[reader.payload().remaining()];
          reader.payload().get(answer);
          refused = Auth.verify(pool.secret(), nonce, answer) ? null : "its proof of the secret was wrong";
        }
        if (refused == null && deadline.cancel(false)) {
          channel = ch;
          in = reader;
          out = writer;
          authenticated = true;
          secret = pool.secret();
          in.maxPayload(Protocol.MAX_PAYLOAD);
          return true;
        }
      } catch (IOException | RuntimeException e) {
        refused = deadline.isDone() ? "it sent nothing within " + HANDSHAKE_LIMIT_SECONDS + " s" : e.toString();
      }
      deadline.cancel(false);
      closeQuietly(ch);
      LOG.log(Level.DEBUG, "{0}: closed a connection to worker {1}''s socket that did not authenticate ({2});"
          + " still waiting for the worker", pool.name(), id, refused == null ? "too late" : refused);
    }
  }

  /** What kind of start failure a worker that exited before it was ready is: killed, or refused to start. */
  private static StartFailure.Kind exitKind(Process p) {
    return p.isAlive() || ExitStatus.bySignal(p.exitValue()) ? StartFailure.Kind.CRASHED : StartFailure.Kind.REFUSED;
  }

  /**
   * Leases a parked worker launched as this pool would launch one, and sends it this pool's INIT; false
   * if it does not prove it is the process that was launched (HMAC of a fresh nonce with the secret it
   * was launched with), and then the caller kills it. The INIT, and with it the pool's initializer, is
   * sent only once the proof is verified (one more round trip, some 0.1 ms).
   */
  private boolean lease(WarmWorkers.Parked w) {
    ScheduledFuture<?> limit = pool.timer().schedule(() -> WorkerReaper.kill(w.process), LEASE_LIMIT_SECONDS,
        TimeUnit.SECONDS);
    try {
      byte[] nonce = Auth.randomBytes();
      w.out.write(Protocol.withBytes(Protocol.LEASE, nonce));
      w.out.flush();
      if (!w.in.next() || w.in.type() != Protocol.LEASED) {
        return false;
      }
      byte[] answer = new byte[w.in.payload().remaining()];
      w.in.payload().get(answer);
      if (!Auth.verify(w.secret, nonce, answer)) {
        return false;
      }
      w.out.write(Protocol.init(true, pool.initializer()));
      w.out.flush();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "{0}: a parked worker (pid {1}) failed its lease: {2}", pool.name(), w.process.pid(), e);
      return false;
    } finally {
      limit.cancel(false);
    }
    if (limit.isDone() && !limit.isCancelled()) {
      return false; // it was killed as hung just as it answered
    }
    boolean terminated;
    lock.lock();
    try {
      process = w.process;
      terminated = intent == Intent.TERMINATED;
    } finally {
      lock.unlock();
    }
    channel = w.channel;
    in = w.in;
    out = w.out;
    secret = w.secret;
    reused = true;
    authenticated = true;
    stdout = w.stdout;
    stderr = w.stderr;
    if (stdout != null) {
      stdout.rename(outputPrefix(), pool.threadName(id, "-stdout"));
      stderr.rename(outputPrefix(), pool.threadName(id, "-stderr"));
    }
    if (terminated) {
      WorkerReaper.kill(w.process);
    }
    return true;
  }

  /** Waits for the worker to have run this pool's initializer; true once it is ready for chunks. */
  private boolean awaitReady() {
    try {
      while (in.next()) {
        switch (in.type()) {
          case Protocol.READY:
            ready = true;
            if (stdout != null) {
              stdout.stopTail();
              stderr.stopTail();
            }
            return true;
          case Protocol.INIT_FAILED: {
            ByteBuffer p2 = in.payload();
            Object o = Codec.deserialize(p2.array(), p2.position(), p2.remaining(), pool.loader());
            Throwable t = o instanceof RemoteFailure f ? f.toThrowable(pool.loader()) : null;
            return startFailed(StartFailure.Kind.INITIALIZER, "the initializer threw in worker " + id + ": " + t, t,
                Explain.NOTHING);
          }
          case Protocol.FATAL:
            fatal = Protocol.readFatal(in.payload());
            break;
          default:
            throw new ProtocolException("expected READY, got " + Protocol.name(in.type()));
        }
      }
      return startFailed(fatal != null ? StartFailure.Kind.INITIALIZER : null, "worker " + id + " died before it was ready"
          + (fatal != null ? ", after " + fatal.getMessage() + " in the initializer" : ""), fatal, Explain.EXIT);
    } catch (IOException | RuntimeException e) {
      return startFailed(null, "worker " + id + " could not be started: " + e, e, Explain.LAUNCH);
    }
  }

  private void startPumps(Process p) {
    if (pool.options().output() == WorkerOutput.INHERIT) {
      return;
    }
    boolean forward = pool.options().output() == WorkerOutput.FORWARD;
    stdout = new OutputPump(p.getInputStream(), forward ? () -> System.out : null, outputPrefix(),
        pool.threadName(id, "-stdout"));
    stderr = new OutputPump(p.getErrorStream(), forward ? () -> System.err : null, outputPrefix(),
        pool.threadName(id, "-stderr"));
    stdout.start();
    stderr.start();
  }

  private String outputPrefix() {
    return "[" + pool.name() + " w" + id + "] ";
  }

  /** What the worker printed while starting, for the message of a start failure. */
  private String outputTail() {
    if (stdout == null) {
      return "";
    }
    String out = stdout.tail(1_000);
    String err = stderr.tail(1_000);
    return out.isEmpty() ? err : err.isEmpty() ? out : out + System.lineSeparator() + err;
  }

  /** How much a start failure's message says beyond what failed. */
  private enum Explain {
    /** Nothing more: the failure speaks for itself (the initializer threw). */
    NOTHING,
    /** How the process ended. */
    EXIT,
    /** How it ended, how it was started and what it printed: a JVM that cannot start says why there. */
    LAUNCH
  }

  /**
   * Ends a worker that never became ready, tells the engine, and does what it decides (start another,
   * perhaps after a delay, or not). A null kind is found from how the process ended: killed by a signal is
   * an accident, an exit of its own before it was ready a refusal to start.
   */
  private boolean startFailed(StartFailure.Kind kind, String what, Throwable cause, Explain explain) {
    Process p = process;
    String exit = "";
    if (p != null) {
      if (!waitExit(p, 2_000)) {
        WorkerReaper.kill(p);
        waitExit(p, 2_000);
      }
      exit = p.isAlive() ? "" : ExitStatus.describe(p.exitValue());
      WorkerReaper.unregister(p);
    }
    closeQuietly(channel);
    boolean quiet;
    lock.lock();
    try {
      gone = true;
      quiet = intent == Intent.TERMINATED;
    } finally {
      lock.unlock();
    }
    if (quiet || pool.stopping()) {
      link.startFailed(new StartFailure(StartFailure.Kind.CRASHED, what + ": the pool is stopping", cause));
      return false;
    }
    if (kind == null) {
      kind = p == null || p.isAlive() || ExitStatus.bySignal(p.exitValue())
          ? StartFailure.Kind.CRASHED : StartFailure.Kind.REFUSED;
    }
    StringBuilder message = new StringBuilder(what);
    if (explain != Explain.NOTHING && !exit.isEmpty()) {
      message.append(" (").append(exit).append(")");
    }
    if (explain == Explain.LAUNCH) {
      message.append("; command: ").append(pool.launcher().describe());
      String tail = outputTail();
      message.append(tail.isEmpty() ? "" : "; its output ended with:" + System.lineSeparator() + tail);
    }
    pool.follow(link.startFailed(new StartFailure(kind, message.toString(), cause)));
    return false;
  }

  /**
   * Pulls chunks for this worker while it has room; asks it to exit when the source is finished. What
   * is there to take when the worker has room goes out as one write: with short chunks, the worker's
   * results free room a few at a time (see {@link #results}), so chunks go out in batches.
   */
  private void dispatch() throws InterruptedException {
    List<Object> frames = new ArrayList<>();
    for (;;) {
      int room;
      lock.lockInterruptibly();
      try {
        while (!gone && intent == null
            && (inFlight.size() >= depth() || (!inFlight.isEmpty() && bytesInFlight >= MAX_BYTES_IN_FLIGHT))) {
          this.room.await();
        }
        if (gone || intent != null) {
          return;
        }
        room = depth() - inFlight.size();
      } finally {
        lock.unlock();
      }
      Chunk chunk = link.take();
      if (chunk == null) {
        // Nothing more for this worker: the pool is done with it, or it reached the pool's tasks-per-worker limit.
        requestExit(!pool.source().isFinished() ? Intent.RECYCLE : pool.reusesWorkers() ? Intent.PARK : Intent.SHUTDOWN);
        return;
      }
      for (;;) {
        send(chunk, frames);
        if (--room <= 0 || bytesInFlight >= MAX_BYTES_IN_FLIGHT
            || (chunk = link.poll(0, TimeUnit.NANOSECONDS)) == null) {
          break;
        }
      }
      if (!frames.isEmpty()) {
        outgoing.addAll(frames); // the writer coalesces them into as few writes as its buffer allows
        frames.clear();
      }
    }
  }

  /**
   * How many chunks may be in flight: enough short ones to cover a round trip through the threads of
   * both processes (some 100 us to 1 ms on a busy machine) and to amortize each wake-up and system call
   * over many chunks, one while a long one blocks the worker. {@link #MAX_BYTES_IN_FLIGHT} bounds the
   * memory this holds when chunks are short to run but large to send.
   */
  private int depth() {
    if (recalling || ewmaNanos < 0) {
      return 1;
    }
    if (ewmaNanos < 20_000) {
      return 256;
    }
    if (ewmaNanos < 50_000) {
      return 64;
    }
    if (ewmaNanos < 200_000) {
      return 16;
    }
    if (ewmaNanos < 2_000_000) {
      return 4;
    }
    return ewmaNanos < 20_000_000 ? 2 : 1;
  }

  /**
   * Encodes a chunk and adds its frames to {@code batch}, for the writer. What cannot be serialized fails
   * here, before anything is sent: the whole chunk if the function cannot travel, otherwise only the
   * items that cannot.
   */
  private void send(Chunk chunk, List<Object> batch) {
    Job job = chunk.job();
    boolean oneShot = chunk.firstIndex() == 0 && chunk.size() == job.size();
    Object function = pool.encodedFunction(job, oneShot);
    if (function instanceof RuntimeException e) {
      for (int i = 0; i < chunk.size(); i++) {
        link.failed(chunk, i, e);
      }
      link.finished(chunk);
      return;
    }
    byte[][] segments = Codec.encodeSegments(chunk.items().toArray(), Protocol.CHUNK_PREFIX);
    long frameLength = 0;
    if (segments != null) {
      for (byte[] segment : segments) {
        frameLength += segment.length;
      }
      if (frameLength - Protocol.CHUNK_PREFIX > Protocol.MAX_PAYLOAD - 64) {
        segments = null; // too large: the usual way finds the items at fault
      }
    }
    byte[] items = segments != null ? segments[0] : encodeItems(chunk);
    if (items == null) {
      link.finished(chunk); // every item failed here; nothing to send
      return;
    }
    long timeout = job.taskTimeout() == null ? 0 : Math.max(1, job.taskTimeout().toNanos());
    // The first chunk of a job, and every chunk once a worker died, report their start before they run.
    boolean announce = chunk.firstIndex() == 0 || pool.announceAll();
    List<Object> frames = batch;
    Long forget;
    while ((forget = pendingForgets.poll()) != null) {
      frames.add(Protocol.withLong(Protocol.FORGET, forget));
    }
    if (oneShot || shipped.add(job.id())) {
      frames.add(Protocol.function(job.id(), (byte[]) function));
    }
    byte flags = Protocol.chunkFlags(timeout > 0, announce, oneShot);
    InFlight f = null;
    lock.lock();
    try {
      if (!gone && intent == null) {
        int seq = nextSeq++;
        if (segments != null) {
          Protocol.chunkInPlace(items, (int) frameLength, seq, job.id(), chunk.firstIndex(), chunk.size(), flags);
          frames.add(segments);
        } else {
          frames.add(Protocol.chunkInPlace(items, seq, job.id(), chunk.firstIndex(), chunk.size(), flags));
          frameLength = items.length;
        }
        f = new InFlight(seq, chunk, timeout, (int) (frameLength - Protocol.CHUNK_PREFIX));
        inFlight.add(f);
        bytesInFlight += f.bytesSent;
      }
    } finally {
      lock.unlock();
    }
    if (f == null) {
      link.handBack(chunk, "its worker stopped before the chunk was sent");
    }
  }

  /** Encodes the chunk's items; items that cannot travel are failed and replaced by a marker. */
  private byte[] encodeItems(Chunk chunk) {
    Object[] items = chunk.items().toArray();
    byte[] all = tryEncode(items, Protocol.CHUNK_PREFIX);
    if (all != null) {
      return all;
    }
    int failed = 0;
    for (int i = 0; i < items.length; i++) {
      RuntimeException problem = itemProblem(items[i], chunk.firstIndex() + i);
      if (problem != null) {
        link.failed(chunk, i, problem);
        items[i] = Codec.Marker.SKIPPED;
        failed++;
      }
    }
    if (failed == items.length) {
      return null;
    }
    all = tryEncode(items, Protocol.CHUNK_PREFIX);
    if (all == null) {
      IllegalArgumentException e = new IllegalArgumentException("the items " + chunk.firstIndex() + ".."
          + (chunk.firstIndex() + items.length - 1) + " together exceed the limit of " + Protocol.MAX_PAYLOAD
          + " bytes per message; use a smaller chunksize");
      for (int i = 0; i < items.length; i++) {
        if (items[i] != Codec.Marker.SKIPPED) {
          link.failed(chunk, i, e);
        }
      }
    }
    return all;
  }

  private static byte[] tryEncode(Object[] values, int reserve) {
    try {
      byte[] b = Codec.encodeValues(values, reserve);
      return b.length - reserve <= Protocol.MAX_PAYLOAD - 64 ? b : null;
    } catch (IOException | RuntimeException | StackOverflowError e) {
      return null;
    }
  }

  private static RuntimeException itemProblem(Object item, long index) {
    try {
      byte[] b = Codec.encodeValues(new Object[] {item});
      if (b.length <= Protocol.MAX_PAYLOAD - 64) {
        return null;
      }
      return new IllegalArgumentException("item " + index + " serializes to " + b.length + " bytes, above the limit of "
          + Protocol.MAX_PAYLOAD + " bytes per message");
    } catch (NotSerializableException e) {
      return new IllegalArgumentException("item " + index + " cannot be sent to a worker process: it is or contains "
          + SerializationAdvice.ofValue(item, e) + ", or use a thread pool", e);
    } catch (IOException | RuntimeException | StackOverflowError e) {
      return new IllegalArgumentException("item " + index + " (a " + item.getClass().getName()
          + ") cannot be serialized for a worker process: " + e, e);
    }
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
    outgoing.add(why == Intent.PARK
        ? Protocol.withLong(Protocol.PARK, pool.options().reuseKeepAlive().toMillis())
        : Protocol.empty(Protocol.SHUTDOWN));
    if (why == Intent.SHUTDOWN || why == Intent.PARK) {
      // The pool is finished: nothing the worker still runs is wanted, so its exit need not wait long.
      pool.timer().schedule(() -> {
        if (!isGone()) {
          WorkerReaper.kill(process);
        }
      }, EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  // ------------------------------------------------------------------ called by the pool

  /** The job is over: the worker may drop its function and skip what is left of it. */
  void forget(long jobId) {
    if (!shipped.remove(jobId)) {
      return;
    }
    if (holds(jobId)) {
      outgoing.add(Protocol.withLong(Protocol.FORGET, jobId));
    } else {
      pendingForgets.add(jobId); // sent with the next chunk: no system call per finished job
    }
  }

  void interrupt(Job job) {
    if (holds(job.id())) {
      outgoing.add(Protocol.withLong(Protocol.INTERRUPT, job.id()));
    }
  }

  private boolean holds(long jobId) {
    lock.lock();
    try {
      for (InFlight f : inFlight) {
        if (f.chunk.job().id() == jobId) {
          return true;
        }
      }
      return false;
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
   * Enforces task timeouts, recalls chunks stuck behind a long one, and stops a worker still starting
   * when the pool has finished (rather than wait for it to be ready only to tell it to exit); called
   * periodically.
   */
  void sweep(long now) {
    if (!ready && pool.stopping()) {
      kill(Intent.TERMINATED, null);
      return;
    }
    List<Integer> recall = null;
    boolean expired = false;
    lock.lock();
    try {
      InFlight head = inFlight.peekFirst();
      if (gone || intent != null || head == null || !head.started) {
        return;
      }
      if (head.timed() && head.running() && now - head.itemStart > head.timeoutNanos) {
        intent = Intent.TIMED_OUT;
        timedOut = head;
        timedOutOffset = head.offset;
        expired = true;
      } else if (inFlight.size() > 1 && now - head.chunkStart > Math.max(RECALL_FLOOR_NANOS, 8 * ewmaNanos)) {
        // Every pass, not once: the dispatcher may have been inside take() when the head stalled.
        recalling = true;
        for (InFlight f : inFlight) {
          if (!f.started && !f.recalled) {
            f.recalled = true;
            if (recall == null) {
              recall = new ArrayList<>();
            }
            recall.add(f.seq);
          }
        }
      }
    } finally {
      lock.unlock();
    }
    if (expired) {
      WorkerReaper.kill(process);
    }
    if (recall != null) {
      for (int seq : recall) {
        outgoing.add(Protocol.withInt(Protocol.RECALL, seq));
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
    outgoing.add(raw);
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

  // ------------------------------------------------------------------ writer thread

  private void write() {
    try {
      for (;;) {
        Object frame = outgoing.poll();
        if (frame == null) {
          out.flush();
          frame = outgoing.take();
        }
        if (frame == CLOSE) {
          // Frames queued just before (FORGET, INTERRUPT) must not stay in the buffer of a parked worker's writer.
          out.flush();
          closedClean = true;
          return;
        }
        if (frame instanceof byte[][] segments) {
          for (byte[] segment : segments) {
            out.write(segment);
          }
        } else {
          out.write((byte[]) frame);
        }
      }
    } catch (InterruptedException e) {
      // gone
    } catch (IOException e) {
      // The worker stopped reading: it died or broke the connection. The reader finds out which.
      if (!isGone()) {
        WorkerReaper.kill(process);
      }
    }
  }

  // ------------------------------------------------------------------ reader thread

  private void read() {
    boolean parked = false;
    try {
      while (in.next()) {
        ByteBuffer p = in.payload();
        switch (in.type()) {
          case Protocol.STARTED -> started(p.getInt(), p.getInt());
          case Protocol.RESULTS -> results(p);
          case Protocol.RECALLED -> recalled(p.getInt());
          case Protocol.FATAL -> fatal = Protocol.readFatal(p);
          case Protocol.PARKED -> {
            if (park()) {
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
      LOG.log(Level.DEBUG, "{0}: worker {1} broke the protocol ({2}); killing and replacing it", pool.name(), id,
          problem);
      kill(Intent.KILLED, "protocol error: " + problem);
    } catch (IOException e) {
      // the connection ended: the worker died or was killed
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, pool.name() + ": internal error reading from worker " + id + "; killing it", e);
      kill(Intent.KILLED, "internal error in the pool: " + e);
    } finally {
      try {
        if (!parked) {
          finish();
        }
      } finally {
        partDone();
      }
    }
  }

  /**
   * The worker answered PARK: it ran and reported everything it was sent, and dropped its lease. Hands
   * it, still connected, to {@link WarmWorkers} and reports it exited; false if the pool meanwhile
   * decided to end it, or its writer did not stop (it is killed, and the connection's end reported).
   */
  private boolean park() throws ProtocolException {
    lock.lock();
    try {
      if (intent != Intent.PARK) {
        if (intent == null) {
          throw new ProtocolException("PARKED, but the worker was not asked to park");
        }
        return false; // terminated, or killed: it is on its way out
      }
      if (!inFlight.isEmpty()) {
        throw new ProtocolException("PARKED with " + inFlight.size() + " chunks not done");
      }
      gone = true;
      room.signalAll();
    } finally {
      lock.unlock();
    }
    Process p = process;
    outgoing.add(CLOSE);
    try {
      writer.join(EXIT_GRACE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive() || !closedClean || !p.isAlive()) {
      WorkerReaper.kill(p);
      return false;
    }
    link.gone(Exit.of(Exit.Kind.EXITED, "parked for reuse"));
    pool.park(new WarmWorkers.Parked(pool.launcher().key(), p, channel, in, out, stdout, stderr, secret));
    return true;
  }

  private InFlight find(int seq) throws ProtocolException {
    for (InFlight f : inFlight) {
      if (f.seq == seq) {
        return f;
      }
    }
    throw new ProtocolException("a report on chunk " + seq + ", which this worker does not hold");
  }

  private void started(int seq, int offset) throws ProtocolException {
    InFlight f;
    boolean first;
    lock.lock();
    try {
      f = find(seq);
      if (offset < 0 || offset >= f.chunk.size()) {
        throw new ProtocolException("chunk " + seq + " has no item " + offset);
      }
      long now = System.nanoTime();
      first = !f.started;
      if (first) {
        f.chunkStart = now;
      }
      f.started = true;
      f.offset = offset;
      f.itemStart = now;
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
      f = find(seq);
    } finally {
      lock.unlock();
    }
    Chunk chunk = f.chunk;
    Object[] values;
    try {
      values = Codec.decodeValues(p, pool.loader());
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
      if (last) {
        inFlight.remove(f);
        long before = bytesInFlight;
        bytesInFlight = before - f.bytesSent;
        ewmaNanos = ewmaNanos < 0 ? elapsed : (3 * ewmaNanos + elapsed) / 4;
        recalling = false;
        if (inFlight.size() <= depth() / 2 || (before >= MAX_BYTES_IN_FLIGHT && bytesInFlight < MAX_BYTES_IN_FLIGHT)) {
          // Half empty (or back under the byte bound): the dispatcher refills in one batch rather than
          // waking for every chunk.
          room.signalAll();
        }
      }
    } finally {
      lock.unlock();
    }
    if (last) {
      long read = in.bytesRead();
      link.activity(elapsed, f.bytesSent, read - bytesReadReported);
      bytesReadReported = read;
      link.finished(chunk); // items it skipped (their job is over) need no outcome; the engine checks
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
    List<Object> all = Arrays.asList(values);
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
        link.completed(chunk, offset + run, all.subList(run, i));
        run = -1;
      }
      if (v instanceof RemoteFailure failure) {
        link.failed(chunk, offset + i, failure.toThrowable(pool.loader()));
      } else if (v instanceof LocalFailure failure) {
        link.failed(chunk, offset + i, failure.error());
      }
    }
  }

  private void recalled(int seq) throws ProtocolException {
    InFlight f;
    lock.lock();
    try {
      f = find(seq);
      if (f.started) {
        throw new ProtocolException("chunk " + seq + " was recalled after it started");
      }
      inFlight.remove(f);
      bytesInFlight -= f.bytesSent;
      room.signalAll();
    } finally {
      lock.unlock();
    }
    link.handBack(f.chunk, "recalled from worker " + id + ", which is busy with a long task");
  }

  /** The connection has ended: find out why, report what the worker held, replace it if the pool goes on. */
  private void finish() {
    Process p = process;
    boolean exitExpected;
    lock.lock();
    try {
      exitExpected = intent == Intent.SHUTDOWN || intent == Intent.RECYCLE;
    } finally {
      lock.unlock();
    }
    // A worker told to exit gets time for the application's shutdown hooks; any other is dying already.
    if (!waitExit(p, exitExpected ? EXIT_GRACE_MILLIS : 1_000)) {
      WorkerReaper.kill(p); // it closed the connection but lives on: it cannot be used any more
      waitExit(p, 5_000);
    }
    if (stdout != null) {
      // What the worker printed last reaches the pool's output before the pool counts the worker gone: a JVM
      // that exits once its pool is done must not lose it.
      stdout.awaitEnd(1_000);
      stderr.awaitEnd(1_000);
    }
    String how = p.isAlive() ? "did not exit" : ExitStatus.describe(p.exitValue());
    boolean cleanExit = !p.isAlive() && p.exitValue() == 0;
    WorkerReaper.unregister(p);
    closeQuietly(channel);
    outgoing.add(CLOSE);
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
      inFlight.clear(); // the engine's ledger settles them
      bytesInFlight = 0;
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

  private static boolean waitExit(Process p, long millis) {
    try {
      return p.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
