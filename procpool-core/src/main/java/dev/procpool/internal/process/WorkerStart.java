package dev.procpool.internal.process;

import dev.procpool.PoolBuilder.WorkerOutput;
import dev.procpool.RemoteTaskException;
import dev.procpool.spi.StartFailure;
import dev.procpool.spi.WorkerLink;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Makes one worker ready for a pool, on its control thread: leases a parked worker (see
 * {@link WarmWorkers}) or launches a JVM, connects and authenticates it over its private socket, sends
 * it the pool's initializer and waits until it has run. A start that fails is reported to the engine,
 * with a message that says what failed, how the process ended and, for a JVM that could not start, how
 * it was started and what it printed; the engine's verdict (start another, perhaps after a delay, or
 * not) is followed.
 *
 * <p>Not thread-safe: used by the worker's control thread only.
 */
final class WorkerStart {
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

  /**
   * A worker ready for chunks.
   *
   * @param process its JVM
   * @param channel its authenticated connection
   * @param in reads the connection
   * @param out writes the connection
   * @param stdout copies its stdout, or null when its output is inherited
   * @param stderr copies its stderr, or null when its output is inherited
   * @param secret the secret its JVM was launched with: this pool's, or an earlier one's if it was leased
   * @param reused whether it was leased from {@link WarmWorkers} rather than launched
   * @param readyToCome whether its READY is still to come: a pool without an initializer sends chunks
   *     right after the worker proved it knows the secret, and the reader takes the READY in passing
   */
  record Connection(Process process, SocketChannel channel, FrameReader in, FrameWriter out, OutputPump stdout,
      OutputPump stderr, byte[] secret, boolean reused, boolean readyToCome) {}

  /**
   * A LEASE sent to a parked worker, whose answer is still to be read.
   *
   * @param worker the parked worker
   * @param pipelined whether the pool's INIT went with the LEASE (it has no initializer)
   * @param limit kills the worker if it does not answer in time
   */
  record Lease(WarmWorkers.Parked worker, boolean pipelined, ScheduledFuture<?> limit) {}

  /** How much a start failure's message says beyond what failed. */
  private enum Explain {
    /** Nothing more: the failure speaks for itself (the initializer threw). */
    NOTHING,
    /** How the process ended. */
    EXIT,
    /** How it ended, how it was started and what it printed: a JVM that cannot start says why there. */
    LAUNCH
  }

  private final WorkerProcess worker;
  private final int id;
  private final WorkerLink link;
  private final WorkerContext context;
  private final ProcessBackend pool;
  /** A lease the pool requested for this worker when it started, or null. */
  private Lease requested;

  // What the start has made so far.
  private Process process;
  private SocketChannel channel;
  private FrameReader in;
  private FrameWriter out;
  private OutputPump stdout;
  private OutputPump stderr;
  private byte[] secret;
  private boolean reused;
  /** Read by the connect limit's timer. */
  private volatile boolean authenticated;

  WorkerStart(WorkerProcess worker, WorkerLink link, WorkerContext context, ProcessBackend pool, Lease requested) {
    this.requested = requested;
    this.worker = worker;
    this.id = worker.id;
    this.link = link;
    this.context = context;
    this.pool = pool;
  }

  /**
   * Leases a parked worker or starts, connects and authenticates a new one, then initializes it for this
   * pool; null if it could not be made ready (the failure is reported, and the engine's verdict followed).
   */
  Connection connect() {
    if (!leaseOrLaunch()) {
      return null;
    }
    // Without an initializer, READY says nothing the proof of the secret did not: waiting for it would only
    // put one more round trip before the first task.
    boolean readyToCome = context.initializer().length == 0;
    if (readyToCome) {
      stopTails();
    } else if (!awaitReady()) {
      return null;
    }
    return new Connection(process, channel, in, out, stdout, stderr, secret, reused, readyToCome);
  }

  /** Reports that an internal error of the pool ended the start, before the worker was ready. */
  void failedInternally(Throwable e) {
    // No reader reports this worker's end yet: say it could not start, or the pool would wait for it.
    failed(StartFailure.Kind.CRASHED, "worker " + id + " could not be started: internal error in the pool: " + e, e,
        Explain.NOTHING);
  }

  /** Leases a parked worker, or launches one and sends it this pool's INIT; false if neither could be done. */
  private boolean leaseOrLaunch() {
    if (context.reusesWorkers()) {
      for (;;) {
        Lease l = requested;
        requested = null;
        // Checked before each take: a terminated pool (whose kill interrupts this thread, and an
        // interrupted thread closes any channel it writes to) must not use up, and kill, parked workers. A
        // lease already requested by a pool that merely finished its work is completed: the worker then
        // finds nothing to do and parks again, where giving the lease up would leave it in doubt, killed.
        if (terminated() || (l == null && pool.stopping())) {
          if (l != null) {
            abandon(l);
          }
          return failed(StartFailure.Kind.CRASHED, "worker " + id + " was not started: the pool is stopping", null,
              Explain.NOTHING);
        }
        if (l == null) {
          WarmWorkers.Parked w = WarmWorkers.take(context.launcher().key());
          if (w == null) {
            break;
          }
          l = requestLease(w, context);
          if (l == null) {
            continue;
          }
        }
        if (lease(l)) {
          return true;
        }
        WarmWorkers.discard(l.worker()); // in doubt: its channel may have been closed mid-frame
      }
    }
    if (!launch()) {
      return false;
    }
    try {
      out.write(Protocol.init(context.reusesWorkers(), context.initializer()));
      out.flush();
    } catch (IOException e) {
      return failed(StartFailure.Kind.CRASHED, "worker " + id + " could not be started: " + e, e, Explain.LAUNCH);
    }
    return true;
  }

  /** Whether this worker was terminated (its thread interrupted), or is gone, or the whole pool was terminated. */
  private boolean terminated() {
    return Thread.currentThread().isInterrupted() || pool.terminated() || worker.terminatedOrGone();
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
        p = context.launcher().start(id, socket, dir);
      } catch (IOException e) {
        return failed(StartFailure.Kind.REFUSED, "worker " + id + " could not be launched: " + e, e, Explain.LAUNCH);
      }
      WorkerReaper.register(p);
      process = p;
      worker.adopt(p);
      startPumps(p);
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket), ACCEPT_BACKLOG);
      ServerSocketChannel s = server;
      p.onExit().thenRun(() -> closeQuietly(s));
      ScheduledFuture<?> limit = context.timer().schedule(() -> {
        if (!authenticated) {
          closeQuietly(s);
          WorkerReaper.kill(p);
        }
      }, CONNECT_LIMIT_SECONDS, TimeUnit.SECONDS);
      try (OutputStream stdin = p.getOutputStream()) {
        stdin.write(context.secret());
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
      return failed(StartFailure.Kind.CRASHED, "worker " + id + " could not be started: " + e, e, Explain.LAUNCH);
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
        return failed(StartFailure.Kind.CRASHED, "worker " + id + " was not started: " + strangers
            + " connections to its private socket failed to authenticate; another process of this user keeps"
            + " connecting to the pool's sockets", null, Explain.NOTHING);
      }
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (limit.isDone() && p.isAlive()) {
          return failed(StartFailure.Kind.CRASHED, "worker " + id + " did not connect to the pool within "
              + CONNECT_LIMIT_SECONDS + " s", null, Explain.LAUNCH);
        }
        WorkerReaper.awaitExit(p, 2_000);
        return failed(exitKind(p), "worker " + id + " exited before connecting to the pool", null, Explain.LAUNCH);
      }
      ScheduledFuture<?> deadline = context.timer().schedule(() -> closeQuietly(ch), HANDSHAKE_LIMIT_SECONDS,
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
          refused = Auth.verify(context.secret(), nonce, answer) ? null : "its proof of the secret was wrong";
        }
        if (refused == null && deadline.cancel(false)) {
          channel = ch;
          in = reader;
          out = writer;
          authenticated = true;
          secret = context.secret();
          in.maxPayload(Protocol.MAX_PAYLOAD);
          return true;
        }
      } catch (IOException | RuntimeException e) {
        refused = deadline.isDone() ? "it sent nothing within " + HANDSHAKE_LIMIT_SECONDS + " s" : e.toString();
      }
      deadline.cancel(false);
      closeQuietly(ch);
      LOG.log(Level.DEBUG, "{0}: closed a connection to worker {1}''s socket that did not authenticate ({2});"
          + " still waiting for the worker", context.poolName(), id, refused == null ? "too late" : refused);
    }
  }

  /** What kind of start failure a worker that exited before it was ready is: killed, or refused to start. */
  private static StartFailure.Kind exitKind(Process p) {
    return p.isAlive() || ExitStatus.bySignal(p.exitValue()) ? StartFailure.Kind.CRASHED : StartFailure.Kind.REFUSED;
  }

  /**
   * Asks a parked worker launched as this pool would launch one for a lease: sends it LEASE, and this
   * pool's INIT with it if the pool has no initializer (an INIT without one holds nothing of the
   * application's). Returns null if the worker could not be written to; it is then discarded. Called on
   * the worker's control thread, or by the pool as it starts, so that the round trip overlaps the start
   * of the control thread.
   */
  static Lease requestLease(WarmWorkers.Parked w, WorkerContext context) {
    try {
      boolean pipelined = context.initializer().length == 0;
      w.out.write(Protocol.empty(Protocol.LEASE));
      if (pipelined) {
        w.out.write(Protocol.init(true, context.initializer()));
      }
      w.out.flush();
      // The limit after the LEASE: the worker starts on its answer a little sooner.
      ScheduledFuture<?> limit = context.timer().schedule(() -> WorkerReaper.kill(w.process), LEASE_LIMIT_SECONDS,
          TimeUnit.SECONDS);
      return new Lease(w, pipelined, limit);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "{0}: a parked worker (pid {1}) could not be asked for a lease: {2}", context.poolName(),
          w.process.pid(), e);
      WarmWorkers.discard(w);
      return null;
    }
  }

  /** Gives up a requested lease, whose worker is then in doubt: it is killed. */
  static void abandon(Lease l) {
    l.limit().cancel(false);
    WarmWorkers.discard(l.worker());
  }

  /**
   * Completes a lease: true once the worker proved it is the process that was launched (HMAC of the
   * nonce it was parked with, with the secret it was launched with; see {@link WarmWorkers}); false if it
   * does not, and then the caller kills it. A pool's initializer is sent only once the proof is verified
   * (one more round trip).
   */
  private boolean lease(Lease l) {
    WarmWorkers.Parked w = l.worker();
    ScheduledFuture<?> limit = l.limit();
    try {
      if (!w.in.next() || w.in.type() != Protocol.LEASED) {
        return false;
      }
      byte[] answer = new byte[w.in.payload().remaining()];
      w.in.payload().get(answer);
      if (w.answer == null || !MessageDigest.isEqual(w.answer, answer)) {
        return false;
      }
      if (!l.pipelined()) {
        w.out.write(Protocol.init(true, context.initializer()));
        w.out.flush();
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "{0}: a parked worker (pid {1}) failed its lease: {2}", context.poolName(),
          w.process.pid(), e);
      return false;
    } finally {
      limit.cancel(false);
    }
    if (limit.isDone() && !limit.isCancelled()) {
      return false; // it was killed as hung just as it answered
    }
    process = w.process;
    worker.adopt(w.process);
    channel = w.channel;
    in = w.in;
    out = w.out;
    secret = w.secret;
    reused = true;
    stdout = w.stdout;
    stderr = w.stderr;
    if (stdout != null) {
      stdout.rename(outputPrefix(), context.threadName(id, "-stdout"));
      stderr.rename(outputPrefix(), context.threadName(id, "-stderr"));
    }
    return true;
  }

  /** Waits for the worker to have run this pool's initializer; true once it is ready for chunks. */
  private boolean awaitReady() {
    RemoteTaskException fatal = null;
    try {
      while (in.next()) {
        switch (in.type()) {
          case Protocol.READY:
            stopTails();
            return true;
          case Protocol.INIT_FAILED: {
            ByteBuffer p2 = in.payload();
            Object o = Codec.deserialize(p2.array(), p2.position(), p2.remaining(), context.loader());
            Throwable t = o instanceof RemoteFailure f ? f.toThrowable(context.loader()) : null;
            return failed(StartFailure.Kind.INITIALIZER, "the initializer threw in worker " + id + ": " + t, t,
                Explain.NOTHING);
          }
          case Protocol.FATAL:
            fatal = Protocol.readFatal(in.payload());
            break;
          default:
            throw new ProtocolException("expected READY, got " + Protocol.name(in.type()));
        }
      }
      return failed(fatal != null ? StartFailure.Kind.INITIALIZER : null, "worker " + id + " died before it was ready"
          + (fatal != null ? ", after " + fatal.getMessage() + " in the initializer" : ""), fatal, Explain.EXIT);
    } catch (IOException | RuntimeException e) {
      return failed(null, "worker " + id + " could not be started: " + e, e, Explain.LAUNCH);
    }
  }

  /** The worker is ready: what it prints from now on is no start failure's explanation. */
  private void stopTails() {
    if (stdout != null) {
      stdout.stopTail();
      stderr.stopTail();
    }
  }

  private void startPumps(Process p) {
    if (context.options().output() == WorkerOutput.INHERIT) {
      return;
    }
    boolean forward = context.options().output() == WorkerOutput.FORWARD;
    stdout = new OutputPump(p.getInputStream(), forward ? () -> System.out : null, outputPrefix(),
        context.threadName(id, "-stdout"));
    stderr = new OutputPump(p.getErrorStream(), forward ? () -> System.err : null, outputPrefix(),
        context.threadName(id, "-stderr"));
    stdout.start();
    stderr.start();
  }

  private String outputPrefix() {
    return "[" + context.poolName() + " w" + id + "] ";
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

  /**
   * Ends a worker that never became ready, tells the engine, and does what it decides (start another,
   * perhaps after a delay, or not). A null kind is found from how the process ended: killed by a signal is
   * an accident, an exit of its own before it was ready a refusal to start. Returns false, for the
   * caller to return.
   */
  private boolean failed(StartFailure.Kind kind, String what, Throwable cause, Explain explain) {
    Process p = process;
    String exit = "";
    if (p != null) {
      if (!WorkerReaper.awaitExit(p, 2_000)) {
        WorkerReaper.kill(p);
        WorkerReaper.awaitExit(p, 2_000);
      }
      exit = p.isAlive() ? "" : ExitStatus.describe(p.exitValue());
      WorkerReaper.unregister(p);
    }
    closeQuietly(channel);
    if (worker.goneBeforeReady() || pool.stopping()) {
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
      message.append("; command: ").append(context.launcher().describe());
      String tail = outputTail();
      message.append(tail.isEmpty() ? "" : "; its output ended with:" + System.lineSeparator() + tail);
    }
    pool.follow(link.startFailed(new StartFailure(kind, message.toString(), cause)));
    return false;
  }

  static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
