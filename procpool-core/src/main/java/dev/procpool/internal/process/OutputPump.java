package dev.procpool.internal.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Copies a worker's stdout or stderr to this JVM line by line, each line prefixed and written with one
 * call, so that lines of different workers never interleave mid-line. The target is looked up per line,
 * so the output follows {@link System#setOut}. While the worker starts, the last lines are kept for
 * error messages: a JVM that cannot start says why on its stdout or stderr.
 */
final class OutputPump implements Runnable {
  private static final int MAX_LINE = 64 * 1024;
  private static final int TAIL_LINES = 20;

  private final InputStream in;
  private final Supplier<PrintStream> target;
  /** Changes when a parked worker is leased to another pool. */
  private volatile byte[] prefix;
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  /** Whether lines are still kept for {@link #tail}: only while the worker starts, when they explain a failure. */
  private volatile boolean keepTail = true;
  private final Thread thread;
  private byte[] line = new byte[256];
  private int length;

  /**
   * @param target where lines go, or null to drop them
   */
  OutputPump(InputStream in, Supplier<PrintStream> target, String prefix, String threadName) {
    this.in = in;
    this.target = target;
    this.prefix = prefix.getBytes(Charset.defaultCharset());
    this.thread = new Thread(this, threadName);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Prefixes the lines from now on with {@code prefix}, and renames the thread: the worker changed pools. */
  void rename(String prefix, String threadName) {
    this.prefix = prefix.getBytes(Charset.defaultCharset());
    thread.setName(threadName);
  }

  @Override
  public void run() {
    byte[] buf = new byte[8192];
    try (InputStream stream = in) {
      int n;
      while ((n = stream.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n') {
            emit();
          } else {
            append(b);
            if (length >= MAX_LINE) {
              emit();
            }
          }
        }
      }
    } catch (IOException e) {
      // the worker is gone
    }
    if (length > 0) {
      emit();
    }
  }

  /** Stops keeping lines: the worker is up, and decoding every line to keep a tail would cost. */
  void stopTail() {
    keepTail = false;
    synchronized (tail) {
      tail.clear();
    }
  }

  /** Waits for the stream to end and its last line to be forwarded, at most {@code millis}. */
  void awaitEnd(long millis) {
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for the stream to end, at most {@code millis}, and returns its last lines. */
  String tail(long millis) {
    awaitEnd(millis);
    synchronized (tail) {
      return String.join(System.lineSeparator(), tail);
    }
  }

  private void append(byte b) {
    if (length == line.length) {
      line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
    }
    line[length++] = b;
  }

  private void emit() {
    int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
    if (keepTail) {
      String text = new String(line, 0, end, Charset.defaultCharset());
      synchronized (tail) {
        if (tail.size() == TAIL_LINES) {
          tail.removeFirst();
        }
        tail.addLast(text);
      }
    }
    PrintStream out = target == null ? null : target.get();
    if (out != null) {
      byte[] prefix = this.prefix;
      byte[] separator = System.lineSeparator().getBytes(Charset.defaultCharset());
      byte[] whole = new byte[prefix.length + end + separator.length];
      System.arraycopy(prefix, 0, whole, 0, prefix.length);
      System.arraycopy(line, 0, whole, prefix.length, end);
      System.arraycopy(separator, 0, whole, prefix.length + end, separator.length);
      out.write(whole, 0, whole.length);
      out.flush();
    }
    length = 0;
  }
}
