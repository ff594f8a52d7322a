package dev.procpool.internal.process;

import dev.procpool.Fn;
import dev.procpool.Task;
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
import java.util.Map;

/**
 * The main class of a worker JVM. It reads the pool's secret from stdin, connects to the socket named
 * on its command line, proves it knows the secret, runs the pool's initializer and then runs chunks
 * until it is told to shut down. It exits on its own when the parent goes away (the socket reaches end
 * of stream, or the parent process is gone), so that a killed parent leaves no orphans.
 *
 * <p>Not for direct use: the process backend starts it. Its stdout and stderr belong to the tasks.
 */
public final class WorkerMain {
  /** Set once connected, for {@link #injectForTest}. */
  private static volatile FrameWriter channelOut;
  private static Path socketPath;
  private static long parentPid;

  private WorkerMain() {}

  /**
   * Runs a worker.
   *
   * @param args the socket path, the worker's id and the parent's process id
   */
  public static void main(String[] args) {
    FrameWriter out = null;
    try {
      Path socket = Path.of(args[0]);
      socketPath = socket;
      parentPid = Long.parseLong(args[2]);
      byte[] secret = System.in.readNBytes(Protocol.SECRET_BYTES);
      if (secret.length != Protocol.SECRET_BYTES) {
        throw new IOException("expected the pool's secret on stdin, got " + secret.length + " bytes");
      }
      SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
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

      ByteBuffer init = expect(in, Protocol.INIT);
      TaskRunner runner = new TaskRunner(out, channel, Thread.currentThread());
      if (init.hasRemaining()) {
        initialize(init, out);
      }
      out.write(Protocol.empty(Protocol.READY));
      out.flush();
      watchParent();
      FrameWriter writer = out;
      Thread reader = new Thread(null, () -> read(in, runner, writer), "procpool-worker-reader", 16 << 20);
      reader.setDaemon(true);
      reader.start();
      runner.run();
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
  private static void initialize(ByteBuffer init, FrameWriter out) throws IOException {
    try {
      Task<?> task = (Task<?>) Codec.deserialize(init.array(), init.position(), init.remaining(), loader());
      task.call();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      out.write(Protocol.withBytes(Protocol.INIT_FAILED, Codec.serialize(RemoteFailure.of(t))));
      out.flush();
      Runtime.getRuntime().halt(Protocol.EXIT_START);
    }
  }

  /** Reads frames until shutdown; the parent going away ends the JVM. */
  private static void read(FrameReader in, TaskRunner runner, FrameWriter out) {
    Map<Long, TaskRunner.Job> jobs = new HashMap<>();
    try {
      while (in.next()) {
        ByteBuffer p = in.payload();
        switch (in.type()) {
          case Protocol.FUNCTION -> {
            long id = p.getLong();
            jobs.put(id, function(id, p));
          }
          case Protocol.CHUNK -> runner.submit(chunk(p, jobs));
          case Protocol.FORGET -> {
            TaskRunner.Job job = jobs.remove(p.getLong());
            if (job != null) {
              job.over = true;
            }
          }
          case Protocol.INTERRUPT -> {
            TaskRunner.Job job = jobs.get(p.getLong());
            if (job != null) {
              job.over = true;
              runner.interrupt(job);
            }
          }
          case Protocol.RECALL -> runner.recall(p.getInt());
          case Protocol.SHUTDOWN -> {
            runner.shutdown();
            return;
          }
          default -> throw new ProtocolException("unexpected frame " + Protocol.name(in.type()));
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

  @SuppressWarnings("unchecked")
  private static TaskRunner.Job function(long id, ByteBuffer p) {
    try {
      Object fn = p.hasRemaining() && p.get(p.position()) == LambdaCodec.FORM
          ? LambdaCodec.decode(p, loader())
          : Codec.deserialize(p.array(), p.position(), p.remaining(), loader());
      return new TaskRunner.Job(id, (Fn<Object, Object>) fn, null);
    } catch (IOException | RuntimeException | LinkageError e) {
      return new TaskRunner.Job(id, null, unreadable("the function", e));
    }
  }

  private static TaskRunner.Work chunk(ByteBuffer p, Map<Long, TaskRunner.Job> jobs) throws ProtocolException {
    int seq = p.getInt();
    TaskRunner.Job job = jobs.get(p.getLong());
    long firstIndex = p.getLong();
    int count = p.getInt();
    byte flags = p.get();
    boolean timed = (flags & Protocol.TIMED) != 0;
    boolean announce = (flags & Protocol.ANNOUNCE) != 0;
    try {
      Object[] items = Codec.decodeValues(p, loader());
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

  private static ClassLoader loader() {
    return ClassLoader.getSystemClassLoader();
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
      }
    }, "procpool-worker-parent-watch");
    watch.setDaemon(true);
    watch.start();
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
