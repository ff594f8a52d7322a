package dev.procpool.internal.process;

import dev.procpool.PoolBuilder.WorkerOutput;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The JVM-wide cache of parked worker JVMs, the warm path of {@code PoolBuilder.reuseWorkers(..)}: when
 * a pool that opted in finishes, each idle worker ends its lease (see {@link WorkerMain}) and is parked
 * here, still connected, under the {@link Key} of how it was launched; a later pool that opted in and
 * launches workers the same way leases parked ones instead of starting JVMs. A parked worker is ended
 * after its keep-alive, when it dies (it is then never handed out), by {@link #drain()}, and with this
 * JVM ({@link WorkerReaper}'s shutdown hook; a JVM killed outright is noticed by the workers themselves).
 *
 * <p>Only this JVM holds a parked worker's channel, and only one pool at a time: {@link #take} removes
 * it. The pool that takes it proves that the process at the other end is still the one launched with
 * the secret kept here (HMAC-SHA256 of a fresh nonce, sent with the PARK and answered on the lease: both
 * sides work the answer out while the worker is parked, not on the way to the next pool's first task),
 * then starts a new lease with its own initializer.
 *
 * <p>Thread-safe.
 */
public final class WarmWorkers {
  /** How long a parked worker told to exit gets for its shutdown hooks before it is killed. */
  private static final long EXIT_GRACE_MILLIS = 5_000;
  private static final Object LOCK = new Object();
  /** Parked workers by launch configuration, the most recently parked last (guarded by LOCK). */
  private static final Map<Key, ArrayDeque<Parked>> PARKED = new HashMap<>();
  private static ScheduledThreadPoolExecutor timer; // guarded by LOCK
  /** The processes whose exit is watched, each once (guarded by LOCK). */
  private static final java.util.Set<Process> WATCHED = new java.util.HashSet<>();

  private WarmWorkers() {}

  /**
   * Everything that decides how a worker JVM was launched: a parked worker serves only a pool that
   * would have launched it exactly so. Not a record: a record's generated equals and hashCode are
   * bootstrapped through method handles on their first call, 10 to 17 ms of the first leased pool here,
   * and run slowly until compiled; each pool makes a new key, so its hash is worked out once, here.
   */
  static final class Key {
    private final List<String> command;
    private final Map<String, String> environment;
    private final WorkerOutput output;
    private final int hash;

    /**
     * @param command the {@code java} executable, JVM options, system properties and the whole classpath
     * @param environment the variables set on top of this JVM's environment
     * @param output where the worker's stdout and stderr go
     */
    Key(List<String> command, Map<String, String> environment, WorkerOutput output) {
      this.command = command;
      this.environment = environment;
      this.output = output;
      this.hash = (command.hashCode() * 31 + environment.hashCode()) * 31 + output.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      return o == this || o instanceof Key k && hash == k.hash && output == k.output && command.equals(k.command)
          && environment.equals(k.environment);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /**
   * A worker between pools: its process, its open channel, the secret it was launched with, and the
   * answer it must give when it is leased (HMAC of the nonce it was parked with).
   */
  static final class Parked {
    final Key key;
    final Process process;
    final SocketChannel channel;
    final FrameReader in;
    final FrameWriter out;
    /** Null when the worker's output is inherited. */
    final OutputPump stdout;
    final OutputPump stderr;
    final byte[] secret;
    final byte[] answer;
    private ScheduledFuture<?> expiry; // guarded by LOCK

    Parked(Key key, Process process, SocketChannel channel, FrameReader in, FrameWriter out, OutputPump stdout,
        OutputPump stderr, byte[] secret, byte[] answer) {
      this.key = key;
      this.process = process;
      this.channel = channel;
      this.in = in;
      this.out = out;
      this.stdout = stdout;
      this.stderr = stderr;
      this.secret = secret;
      this.answer = answer;
    }
  }

  /** Parks a worker that has answered PARKED, for {@code keepAlive}. */
  static void park(Parked w, Duration keepAlive) {
    String name = "procpool-parked-" + w.process.pid();
    if (w.stdout != null) {
      w.stdout.rename("[procpool parked " + w.process.pid() + "] ", name + "-stdout");
      w.stderr.rename("[procpool parked " + w.process.pid() + "] ", name + "-stderr");
    }
    boolean watch;
    synchronized (LOCK) {
      // The expiry first: if scheduling it fails, no entry without one is left in the cache.
      w.expiry = timer().schedule(() -> evict(w), keepAlive.toNanos(), TimeUnit.NANOSECONDS);
      PARKED.computeIfAbsent(w.key, k -> new ArrayDeque<>()).addLast(w);
      watch = WATCHED.add(w.process);
    }
    if (watch) { // once per process, not per park: a callback per park would keep every old Parked alive
      Process p = w.process;
      p.onExit().thenRun(() -> evictExited(p)); // killed while parked: never handed out
    }
  }

  /** The process exited: forgets it, and ends it if it is parked now. */
  private static void evictExited(Process p) {
    Parked parked = null;
    synchronized (LOCK) {
      WATCHED.remove(p);
      for (ArrayDeque<Parked> queue : PARKED.values()) {
        for (Parked w : queue) {
          if (w.process == p) {
            parked = w;
          }
        }
      }
    }
    if (parked != null) {
      evict(parked);
    }
  }

  /** Takes the most recently parked live worker launched as {@code key}, or returns null if there is none. */
  static Parked take(Key key) {
    List<Parked> dead = new ArrayList<>();
    Parked found = null;
    synchronized (LOCK) {
      ArrayDeque<Parked> queue = PARKED.get(key);
      while (found == null && queue != null && !queue.isEmpty()) {
        Parked w = queue.pollLast();
        w.expiry.cancel(false);
        if (w.process.isAlive()) {
          found = w;
        } else {
          dead.add(w);
        }
      }
      if (queue != null && queue.isEmpty()) {
        PARKED.remove(key);
      }
    }
    dead.forEach(WarmWorkers::end);
    return found;
  }

  /**
   * Ends every parked worker of this JVM and waits until they have exited (those that have not after a
   * few seconds are killed). Workers parked later are not affected.
   */
  public static void drain() {
    List<Parked> all = new ArrayList<>();
    synchronized (LOCK) {
      for (ArrayDeque<Parked> queue : PARKED.values()) {
        for (Parked w : queue) {
          w.expiry.cancel(false);
          all.add(w);
        }
      }
      PARKED.clear();
    }
    all.forEach(WarmWorkers::end);
    for (Parked w : all) {
      try {
        w.process.onExit().get(EXIT_GRACE_MILLIS + 5_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        WorkerReaper.kill(w.process);
      }
    }
  }

  /** How many workers are parked now; for tests. */
  public static int parkedCount() {
    synchronized (LOCK) {
      return PARKED.values().stream().mapToInt(ArrayDeque::size).sum();
    }
  }

  /**
   * Makes the answer every parked worker is expected to give when it is leased a wrong one, as if another
   * process than the one launched answered; for tests of the lease's challenge.
   */
  public static void forgeAnswersForTest() {
    synchronized (LOCK) {
      for (ArrayDeque<Parked> queue : PARKED.values()) {
        for (Parked w : queue) {
          w.answer[0] ^= 1;
        }
      }
    }
  }

  /** Removes the worker if it is still parked (its keep-alive ran out, or it died) and ends it. */
  private static void evict(Parked w) {
    boolean removed;
    synchronized (LOCK) {
      ArrayDeque<Parked> queue = PARKED.get(w.key);
      removed = queue != null && queue.remove(w);
      if (removed && queue.isEmpty()) {
        PARKED.remove(w.key);
      }
      w.expiry.cancel(false);
    }
    if (removed) {
      end(w);
    }
  }

  /**
   * Ends a worker taken out of the cache or failed in its lease: asks it to exit (so that the
   * application's shutdown hooks run), and kills it if it has not after a grace period.
   */
  static void end(Parked w) {
    try {
      w.out.write(Protocol.empty(Protocol.SHUTDOWN));
      w.out.flush();
    } catch (IOException e) {
      // gone already, or going: the kill below makes sure
    }
    try {
      w.channel.close();
    } catch (IOException e) {
      // closing anyway
    }
    w.process.onExit().thenRun(() -> WorkerReaper.unregister(w.process));
    if (w.process.isAlive()) {
      synchronized (LOCK) {
        timer().schedule(() -> {
          if (w.process.isAlive()) {
            WorkerReaper.kill(w.process);
          }
        }, EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Kills a worker whose lease failed: it is in doubt, so it gets no chance to run anything more. */
  static void discard(Parked w) {
    WorkerReaper.kill(w.process);
    w.process.onExit().thenRun(() -> WorkerReaper.unregister(w.process));
    try {
      w.channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private static ScheduledThreadPoolExecutor timer() {
    if (timer == null) {
      ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "procpool-parked-workers");
        thread.setDaemon(true);
        return thread;
      });
      t.setRemoveOnCancelPolicy(true);
      timer = t;
    }
    return timer;
  }
}
