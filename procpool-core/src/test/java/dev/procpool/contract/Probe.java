package dev.procpool.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Marks and gates that work across threads, worker processes and cluster members on one machine: a
 * mark is a file in a test's temporary directory. Tasks call these methods; they capture only the
 * directory's path (a String), so they stay serializable.
 */
public final class Probe {
  private Probe() {}

  /** Creates the mark {@code name} (idempotent). */
  public static void mark(String dir, String name) {
    try {
      Files.createFile(Paths.get(dir, name));
    } catch (FileAlreadyExistsException e) {
      // already marked
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Tells whether the mark exists. */
  public static boolean marked(String dir, String name) {
    return Files.exists(Paths.get(dir, name));
  }

  /** Counts the marks whose names start with {@code prefix}. */
  public static long count(String dir, String prefix) {
    try (Stream<Path> files = Files.list(Paths.get(dir))) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix)).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Blocks a task until the test opens the gate {@code name}, at most {@code limit}; interruptible,
   * so a pool can stop it. Returns false if the limit passed (tests bound every wait).
   */
  public static boolean await(String dir, String name, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!marked(dir, name)) {
      if (Thread.interrupted()) {
        throw new InterruptedException("gate " + name);
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(1_000_000);
    }
    return true;
  }

  /** Identifies the worker running the caller: process id and thread name. */
  public static String worker() {
    return ProcessHandle.current().pid() + "/" + Thread.currentThread().getName();
  }

  /** Spins the CPU for about {@code micros} microseconds (varies task durations without sleeping). */
  public static long spin(long micros) {
    long end = System.nanoTime() + micros * 1000;
    long x = 0;
    while (System.nanoTime() < end) {
      x += System.nanoTime() & 7;
    }
    return x;
  }
}
