package dev.procpool.internal.process;

import dev.procpool.Fn;
import dev.procpool.Task;
import dev.procpool.spi.WorkerScope;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.StreamCorruptedException;
import java.net.UnixDomainSocketAddress;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The main class of a worker JVM. It reads the pool's secret from stdin, connects to the socket named
 * on its command line and proves it knows the secret. Then it serves leases: a lease begins with
 * {@link Protocol#INIT}, runs the pool's initializer and then chunks on a thread of its own, and ends
 * when the pool tells it to shut down (the JVM exits) or to park ({@link Protocol#PARK}: the lease's
 * state is dropped and the worker waits for the next pool, see {@link WarmWorkers}). It exits on its own
 * when the parent goes away (the socket reaches end of stream, or the parent process is gone), so that
 * a killed parent leaves no orphans, and when parked for longer than its keep-alive.
 *
 * <p>Not for direct use: the process backend starts it. Its stdout and stderr belong to the tasks.
 */
public final class WorkerMain {
  /** How long past its keep-alive a parked worker waits before it exits on its own; the pool ends it first. */
  private static final long PARK_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** Lazily: looking a logger up starts java.util.logging, tens of milliseconds of a worker's start. */
  private static final class Log {
    static final System.Logger LOG = System.getLogger("dev.procpool");
  }

  /**
   * The class loader of the application's classes: the system class loader, except in a worker started
   * through Spring Boot's launcher ({@link BootJar}), where it is Boot's, which loaded this class too.
   */
  static final ClassLoader APPLICATION = WorkerMain.class.getClassLoader();

  /** The secret this JVM was launched with, for the answers to the challenges it is parked with. */
  private static byte[] launchSecret;
  /** Set once connected, for {@link #injectForTest}. */
  private static volatile FrameWriter channelOut;
  private static Path socketPath;
  private static long parentPid;
  /** While parked: the {@link System#nanoTime} after which this worker exits unleased; 0 otherwise. */
  private static volatile long parkedUntil;
  /** While parked: the class loader prepared for the next lease (see {@link LeaseLoader#successor}). */
  private static volatile LeaseLoader nextLoader;
  /** The next lease's tasks' thread, started ahead (see {@link Standby}). */
  private static volatile Standby nextTasks;
  /** Every lease's flusher (see {@link TaskRunner}), started with the first lease's tasks' thread. */
  private static volatile Standby flusher;

  private WorkerMain() {}

  /**
   * Runs a worker.
   *
   * @param args the socket path, the worker's id and the parent's process id, last (Spring Boot's
   *     launcher puts its {@code loader.args}, if any, before them)
   */
  public static void main(String[] args) {
    FrameWriter out = null;
    try {
      Path socket = Path.of(args[args.length - 3]);
      socketPath = socket;
      parentPid = Long.parseLong(args[args.length - 1]);
      prepareThreads(1); // while the parent binds the socket, rather than after the first INIT
      byte[] secret = System.in.readNBytes(Protocol.SECRET_BYTES);
      if (secret.length != Protocol.SECRET_BYTES) {
        throw new IOException("expected the pool's secret on stdin, got " + secret.length + " bytes");
      }
      launchSecret = secret;
      SocketChannel channel = connect(socket);
      // The parent's frames are trusted (it started this JVM and gave it the secret): no growing buffers.
      FrameReader in = new FrameReader(channel, Protocol.MAX_PAYLOAD, Protocol.MAX_PAYLOAD);
      out = new FrameWriter(channel);
      channelOut = out;
      ByteBuffer hello = expect(in, Protocol.HELLO);
      if (hello.getInt() != Protocol.VERSION) {
        throw new ProtocolException("the parent speaks another protocol version");
      }
      byte[] nonce = new byte[hello.remaining()];
      hello.get(nonce);
      out.write(Protocol.withBytes(Protocol.AUTH, Auth.answer(secret, nonce)));
      out.flush();
      FrameWriter writer = out;
      // Not a daemon: between leases it is what keeps this JVM alive.
      Thread reader = new Thread(null, () -> serve(in, writer, channel), "procpool-worker-reader", 16 << 20);
      reader.start();
      watchParent();
    } catch (VirtualMachineError e) {
      if (out != null) {
        throw TaskRunner.die(out, e, Protocol.EXIT_FATAL);
      }
      Runtime.getRuntime().halt(Protocol.EXIT_FATAL);
    } catch (Throwable t) {
      System.err.println("procpool worker could not start: " + t);
      Runtime.getRuntime().halt(Protocol.EXIT_START);
    }
  }

  /** One pool's use of this worker: its class loader, its functions, and the thread its tasks run on. */
  private static final class Lease {
    final int number;
    final ClassLoader loader;
    /** The lease's jobs by id; used by the reading thread only. */
    final Map<Long, TaskRunner.Job> jobs = new HashMap<>();
    final Thread thread;
    private final Standby tasks;
    private final byte[] initializer;
    final TaskRunner runner;
    /** Set by the reading thread when PARK came; read by the lease's thread after the runner returns. */
    volatile long keepAliveNanos = -1;
    /** The challenge PARK came with, set with {@link #keepAliveNanos}; the next LEASE is answered with its HMAC. */
    private volatile byte[] parkNonce;
    /** That answer, worked out by the lease's thread once parked; null until then. */
    private volatile byte[] leaseAnswer;

    Lease(int number, ByteBuffer init, FrameWriter out, SocketChannel channel) {
      this.number = number;
      LeaseLoader prepared = nextLoader;
      nextLoader = null;
      boolean fresh = (init.get() & Protocol.FRESH_CLASSES) != 0 || prepared != null;
      initializer = new byte[init.remaining()]; // copied: the reader reuses its buffer
      init.get(initializer);
      loader = !fresh ? APPLICATION : prepared != null ? prepared : new LeaseLoader(number);
      if (nextTasks == null) {
        prepareThreads(number);
      }
      tasks = nextTasks;
      nextTasks = null;
      thread = tasks.thread();
      thread.setName("procpool-worker-tasks-" + number);
      thread.setContextClassLoader(loader);
      runner = new TaskRunner(out, channel, thread, flusher);
      if (fresh) {
        // A lease of a pool that parks its workers: the next lease's thread is started once this one has sent
        // its first results, rather than after it is parked, where the next pool's INIT may already wait.
        runner.onFirstIdle(() -> prepareThreads(number + 1));
      }
    }

    /** Runs the initializer, then the chunks, on the lease's thread. */
    void start(FrameWriter out) {
      tasks.run(() -> run(initializer, out));
    }

    boolean parking() {
      return keepAliveNanos >= 0;
    }

    /** The answer to the next LEASE: ready if the lease's thread got to it, else worked out here. */
    byte[] leaseAnswer() {
      byte[] a = leaseAnswer;
      return a != null ? a : Auth.answer(launchSecret, parkNonce);
    }

    /** The lease's thread: the initializer, then the chunks; then, when parked, reset and report it. */
    private void run(byte[] initializer, FrameWriter out) {
      try {
        if (initializer.length > 0) {
          initialize(initializer, out, loader);
        }
        send(out, Protocol.empty(Protocol.READY));
        runner.run();
        closeWorkerLocals();
        parkedUntil = System.nanoTime() + keepAliveNanos + PARK_GRACE_NANOS;
        send(out, Protocol.empty(Protocol.PARKED));
        leaseAnswer = Auth.answer(launchSecret, parkNonce); // first: the next LEASE waits for nothing else
        // While the pool that parked this worker closes and the next one starts: the next lease's loader.
        LeaseLoader next;
        if (loader instanceof LeaseLoader l && l.holdsNoState()) {
          next = l; // nothing in it to reset, and its lambdas stay linked
        } else {
          next = loader instanceof LeaseLoader l ? l.successor(number + 1) : new LeaseLoader(number + 1);
          LambdaCodec.rebindClasses(next);
        }
        if (nextTasks == null) {
          prepareThreads(number + 1);
        }
        nextLoader = next;
      } catch (VirtualMachineError e) {
        throw TaskRunner.die(out, e, Protocol.EXIT_FATAL);
      } catch (IOException e) {
        orphaned(); // the parent closed the connection
      } catch (Throwable t) {
        throw TaskRunner.die(out, t, Protocol.EXIT_FATAL);
      }
    }

    /** Handles a frame of the lease; INIT, LEASE and SHUTDOWN are the caller's. */
    void handle(byte type, ByteBuffer p) throws IOException {
      switch (type) {
        case Protocol.FUNCTION -> {
          requireRunning(type);
          long id = p.getLong();
          jobs.put(id, function(id, p, loader));
        }
        case Protocol.CHUNK -> {
          requireRunning(type);
          runner.submit(chunk(p, jobs, loader));
        }
        case Protocol.FORGET -> {
          TaskRunner.Job job = jobs.remove(p.getLong());
          if (job != null) {
            job.over = true;
          }
        }
        case Protocol.INTERRUPT -> {
          long id = p.getLong();
          TaskRunner.Job job = jobs.get(id);
          if (job != null) {
            job.over = true;
            runner.interrupt(job);
          } else {
            runner.interrupt(id);
          }
        }
        case Protocol.RECALL -> runner.recall(p.getInt());
        case Protocol.PARK -> {
          requireRunning(type);
          long keepAliveMillis = p.getLong();
          byte[] nonce = new byte[p.remaining()];
          p.get(nonce);
          parkNonce = nonce;
          keepAliveNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, keepAliveMillis));
          runner.park();
          // nothing of the lease is decoded any more: the parked worker keeps no reference to its loader here
          Thread.currentThread().setContextClassLoader(APPLICATION);
        }
        default -> throw new ProtocolException("unexpected frame " + Protocol.name(type));
      }
    }

    private void requireRunning(byte type) throws ProtocolException {
      if (parking()) {
        throw new ProtocolException(Protocol.name(type) + " after PARK");
      }
    }
  }

  /**
   * The reading thread: serves leases until shutdown. Frames of the lease that was parked may still come
   * until the next LEASE (the pool sent them before it saw PARKED); they find no job and do nothing.
   */
  private static void serve(FrameReader in, FrameWriter out, SocketChannel channel) {
    Lease lease = null;
    // The lease that ended with the last LEASE, whose thread may still be preparing the next one's.
    Lease previous = null;
    int leases = 0;
    try {
      while (in.next()) {
        ByteBuffer p = in.payload();
        byte type = in.type();
        if (type == Protocol.INIT) {
          if (lease != null) {
            throw new ProtocolException("INIT during a lease");
          }
          if (previous != null) {
            previous.thread.join(); // it has prepared this lease's classes and threads
            previous = null;
            closeWorkerLocals(); // again: a thread a task left running may have used a WorkerLocal since
          }
          lease = new Lease(++leases, p, out, channel);
          // FUNCTION and CHUNK frames are decoded on this thread: their readObject methods must see the
          // lease's class loader as the context class loader, as the tasks do.
          Thread.currentThread().setContextClassLoader(lease.loader);
          lease.start(out);
        } else if (type == Protocol.LEASE) {
          if (lease == null || !lease.parking() || parkedUntil == 0) {
            throw new ProtocolException("LEASE for a worker that is not parked");
          }
          // Answered at once: the lease's thread may still be preparing the next lease's classes and threads,
          // which then overlaps the round trip; INIT waits for it.
          previous = lease;
          lease = null;
          Thread.currentThread().setContextClassLoader(APPLICATION);
          parkedUntil = 0;
          send(out, Protocol.withBytes(Protocol.LEASED, previous.leaseAnswer()));
        } else if (type == Protocol.SHUTDOWN) {
          if (lease != null && !lease.parking()) {
            lease.runner.shutdown(); // its thread exits the JVM once the lease's chunks are done
            return;
          }
          channel.close();
          System.exit(0);
        } else if (lease == null) {
          throw new ProtocolException("expected INIT, got " + Protocol.name(type));
        } else {
          lease.handle(type, p);
        }
      }
      orphaned();
    } catch (ProtocolException | BufferUnderflowException e) {
      throw TaskRunner.die(out, new StreamCorruptedException("protocol error in the worker: "
          + (e.getMessage() != null ? e.getMessage() : "a frame was cut short")), Protocol.EXIT_PROTOCOL);
    } catch (IOException e) {
      orphaned();
    } catch (Throwable t) {
      throw TaskRunner.die(out, t, Protocol.EXIT_FATAL);
    }
  }

  /** Starts the threads of lease {@code number} ahead of its INIT. */
  private static void prepareThreads(int number) {
    nextTasks = new Standby("procpool-worker-tasks-" + number, false);
    if (flusher == null) {
      flusher = Standby.reusable("procpool-worker-flusher");
    }
  }

  private static void send(FrameWriter out, byte[] frame) throws IOException {
    synchronized (out) {
      out.write(frame);
      out.flush();
    }
  }

  /**
   * Drops the {@link dev.procpool.WorkerLocal} states of a lease, closing those that are
   * {@link AutoCloseable}, as a thread worker does when it exits.
   */
  private static void closeWorkerLocals() {
    Map<String, Object> scope = WorkerScope.current(); // the JVM's: this thread has no scope of its own
    // One by one: a state a left-over thread adds meanwhile is either removed and closed here, or kept
    // for the next call (there is one at the next LEASE), never dropped unclosed.
    for (String name : List.copyOf(scope.keySet())) {
      Object state = scope.remove(name);
      if (state instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          Log.LOG.log(System.Logger.Level.WARNING, "closing a WorkerLocal state when the worker was parked failed", e);
        }
      }
    }
  }

  private static ByteBuffer expect(FrameReader in, byte type) throws IOException {
    if (!in.next()) {
      throw new IOException("the pool closed the connection before sending " + Protocol.name(type));
    }
    if (in.type() != type) {
      throw new ProtocolException("expected " + Protocol.name(type) + ", got " + Protocol.name(in.type()));
    }
    return in.payload();
  }

  /** Runs the initializer on this thread, the one that will run the tasks. */
  private static void initialize(byte[] init, FrameWriter out, ClassLoader loader) throws IOException {
    try {
      Task<?> task = (Task<?>) Codec.deserialize(init, 0, init.length, loader);
      task.call();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      send(out, Protocol.withBytes(Protocol.INIT_FAILED, Codec.serialize(RemoteFailure.of(t))));
      Runtime.getRuntime().halt(Protocol.EXIT_START);
    }
  }

  @SuppressWarnings("unchecked")
  private static TaskRunner.Job function(long id, ByteBuffer p, ClassLoader loader) {
    try {
      Object fn = p.hasRemaining() && p.get(p.position()) == LambdaCodec.FORM
          ? LambdaCodec.decode(p, loader)
          : Codec.deserialize(p.array(), p.position(), p.remaining(), loader);
      return new TaskRunner.Job(id, (Fn<Object, Object>) fn, null);
    } catch (IOException | RuntimeException | LinkageError e) {
      return new TaskRunner.Job(id, null, unreadable("the function", e));
    }
  }

  private static TaskRunner.Work chunk(ByteBuffer p, Map<Long, TaskRunner.Job> jobs, ClassLoader loader)
      throws ProtocolException {
    int seq = p.getInt();
    long jobId = p.getLong();
    long firstIndex = p.getLong();
    int count = p.getInt();
    byte flags = p.get();
    boolean timed = (flags & Protocol.TIMED) != 0;
    boolean announce = (flags & Protocol.ANNOUNCE) != 0;
    // A chunk that is its whole job takes the job's function with it: no FORGET will come for it.
    TaskRunner.Job job = (flags & Protocol.ONE_SHOT) != 0 ? jobs.remove(jobId) : jobs.get(jobId);
    try {
      Object[] items = Codec.decodeValues(p, loader);
      if (items.length != count) {
        throw new ProtocolException("a chunk of " + count + " items holds " + items.length);
      }
      return new TaskRunner.Work(seq, job, firstIndex, timed, announce, items, null);
    } catch (ProtocolException e) {
      throw e;
    } catch (IOException | RuntimeException | LinkageError e) {
      return new TaskRunner.Work(seq, job, firstIndex, timed, announce, new Object[count],
          unreadable("the items", e));
    }
  }

  private static IllegalStateException unreadable(String what, Throwable e) {
    String hint = e instanceof InvalidClassException && e.getCause() instanceof ClassNotFoundException
        ? ": a class it needs is not on the worker JVM's classpath; add it with PoolBuilder.extraClasspath(..)"
        : "";
    return new IllegalStateException("the worker process could not read " + what + hint + " (" + e + ")", e);
  }

  /**
   * Ends this JVM when the parent is gone even if the socket never says so: polls the parent process id,
   * which changes when the parent dies and this process is reparented.
   */
  private static void watchParent() {
    Thread watch = new Thread(() -> {
      for (;;) {
        try {
          Thread.sleep(1_000); // first, so that the process API loads after the first task, not before
        } catch (InterruptedException e) {
          return;
        }
        if (parentGone()) {
          orphaned();
        }
        long until = parkedUntil;
        if (until != 0 && System.nanoTime() - until > 0) {
          System.exit(0); // parked too long: the pool should have ended it by now
        }
      }
    }, "procpool-worker-parent-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /** How long a worker tries to reach a socket that is not there yet; the parent gives up sooner. */
  private static final long CONNECT_TRIES_NANOS = TimeUnit.SECONDS.toNanos(90);

  /**
   * Connects to the pool's socket. The parent binds it only after it started this JVM (see
   * WorkerStart.launch), so until it does, connecting fails and is tried again, a few milliseconds
   * apart, while the parent lives.
   */
  private static SocketChannel connect(Path socket) throws IOException, InterruptedException {
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
    long deadline = System.nanoTime() + CONNECT_TRIES_NANOS;
    for (long pause = 1; ; pause = Math.min(2 * pause, 16)) {
      try {
        return SocketChannel.open(address);
      } catch (java.net.SocketException notYet) { // no such file, or not listening yet
        if (System.nanoTime() - deadline > 0 || parentGone()) {
          throw notYet;
        }
        Thread.sleep(pause);
      }
    }
  }

  private static boolean parentGone() {
    return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) != parentPid;
  }

  /**
   * The connection ended without a shutdown: the parent died (or gave up on this worker, killing it
   * anyway). A parent killed outright leaves its private directory behind; once this process has
   * been reparented, so that the parent surely is gone, the directory is removed if it is empty.
   */
  private static void orphaned() {
    long deadline = System.nanoTime() + 500_000_000L;
    while (System.nanoTime() < deadline) {
      if (parentGone()) {
        try {
          Files.deleteIfExists(socketPath.getParent());
        } catch (IOException | RuntimeException e) {
          // not empty, or removed by another worker: either way not ours to worry about
        }
        break;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        break;
      }
    }
    Runtime.getRuntime().halt(Protocol.EXIT_ORPHANED);
  }

  /**
   * Writes raw bytes to the parent, bypassing the protocol: lets tests check that the parent survives
   * garbage and truncated frames. Package-private and unused in production.
   */
  static void injectForTest(byte[] raw) throws IOException {
    FrameWriter out = channelOut;
    synchronized (out) {
      out.flush();
      out.write(raw);
      out.flush();
    }
  }
}
