package dev.procpool.progress;

import dev.procpool.CallProgress;
import dev.procpool.PoolListener;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The terminal that standard error shows, shared by every bar of this JVM. It keeps one live line at
 * the bottom, below everything else, and never draws over anything but that line:
 *
 * <ul>
 *   <li>The line is only ever rewritten in place ({@code \r}, the text, erase to the end of the line);
 *       the cursor never moves up, so nothing printed before it can be overwritten.
 *   <li>While bars show, {@link System#out} (when it goes to the same terminal) and {@link System#err}
 *       pass through {@link ScreenStream}: the live line is erased, the program's bytes are written
 *       as they are, and the line comes back below them once their line is complete (during a burst
 *       of output, on the next tick). While the program's last line is incomplete (a prompt, a
 *       {@code print} without newline), no bar is drawn.
 *   <li>A call's bar starts on a line of its own: if the program's last line might be incomplete, a
 *       new line is started first (zsh's PROMPT_SP way: as many spaces as the terminal is wide, then
 *       {@code \r}, which wraps to a new line only if the cursor was not at the start of one).
 *   <li>When a call finishes, its final state replaces the live line as an ordinary line of output,
 *       ended with a newline, before the call returns to its caller; other calls' bars follow below.
 * </ul>
 *
 * <p>One live line, even for several calls at once (they share it), so that the cursor never needs
 * to move up. Thread-safe: all drawing and all passing-through happen under one lock.
 */
final class Screen {
  private static final long TICK_MILLIS = 100;
  private static final long WIDTH_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);
  /**
   * After the program's output the bar comes back at once, unless it was drawn this recently: then on
   * the next tick, so that a burst of log lines costs one write each, not three, and does not flicker.
   */
  private static final long REDRAW_AFTER_OUTPUT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final byte[] ERASE = "\r\u001b[K".getBytes(Charset.forName("US-ASCII"));

  private static Screen instance;

  /** Where the cursor is, apart from the live line. */
  private enum Position { LINE_START, MID_LINE, UNKNOWN }

  private final ReentrantLock lock = new ReentrantLock();
  /** File descriptor 2 itself: the terminal the engine checked, whatever System.err is now. */
  private final OutputStream terminal = new FileOutputStream(FileDescriptor.err);
  private final Charset charset;
  private final BarFormat format;
  private final JulConsole jul = new JulConsole(this::aside);

  // guarded by lock
  private final List<CallProgress> calls = new ArrayList<>();
  /** The live line on screen, with the cursor at its end; null when none is. */
  private String shown;
  private long drawnAt = System.nanoTime() - REDRAW_AFTER_OUTPUT_NANOS;
  private Position position = Position.UNKNOWN;
  private int width = -1;
  /** When the width was asked; a small loop of calls with bars asks once, not once per call. */
  private long widthAt = System.nanoTime() - WIDTH_EVERY_NANOS - 1;
  private PrintStream savedOut;
  private PrintStream savedErr;
  private PrintStream ourOut;
  private PrintStream ourErr;
  private ScheduledFuture<?> ticks;
  /** How many pieces of output are being written around the lock (see aside); no drawing meanwhile. */
  private int asides;
  private boolean broken;

  private Screen() {
    this.charset = ScreenStream.charsetOf(System.err, "sun.stderr.encoding");
    this.format = new BarFormat(charset.newEncoder().canEncode("│█▏▎▍▌▋▊▉…·"));
    Thread exit = new Thread(this::exit, "procpool-progress-exit");
    Runtime.getRuntime().addShutdownHook(exit);
  }

  static synchronized Screen get() {
    if (instance == null) {
      instance = new Screen();
    }
    return instance;
  }

  /** A bar for one call: it shows from callStarted, and its final state is printed on callFinished. */
  PoolListener bar() {
    return new PoolListener() {
      @Override
      public void callStarted(CallProgress call) {
        attach(call);
      }

      @Override
      public void callFinished(CallProgress call) {
        detach(call);
      }
    };
  }

  private void attach(CallProgress call) {
    boolean first;
    boolean stale;
    lock.lock();
    try {
      first = calls.isEmpty();
      stale = System.nanoTime() - widthAt > WIDTH_EVERY_NANOS;
    } finally {
      lock.unlock();
    }
    int columns = first && stale ? TerminalWidth.query() : -1; // not under the lock: a few milliseconds
    if (first) {
      Logger.getLogger("").getHandlers(); // not under the lock either: logging may configure itself now
    }
    lock.lock();
    try {
      if (first && calls.isEmpty()) {
        if (stale) {
          width = columns;
          widthAt = System.nanoTime();
        }
        activate();
      }
      erase();
      if (position == Position.MID_LINE) {
        write("\n"); // the program's unfinished line stays as it is; the bar starts below it
        position = Position.LINE_START;
      }
      calls.add(call);
      redraw();
    } finally {
      lock.unlock();
    }
  }

  private void detach(CallProgress call) {
    lock.lock();
    try {
      if (!calls.remove(call)) {
        return;
      }
      erase();
      if (position == Position.MID_LINE) {
        write("\n");
      }
      write(format.line(call, true, columns()) + "\n");
      position = Position.LINE_START;
      if (calls.isEmpty()) {
        deactivate();
      } else {
        redraw();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Writes the program's bytes to {@code target} with the live line out of their way. */
  void pass(PrintStream target, byte[] b, int off, int len) {
    if (len <= 0) {
      return;
    }
    lock.lock();
    try {
      erase();
      target.write(b, off, len);
      target.flush(); // on the terminal before the live line comes back
      position = b[off + len - 1] == '\n' ? Position.LINE_START : Position.MID_LINE;
      if (System.nanoTime() - drawnAt >= REDRAW_AFTER_OUTPUT_NANOS) {
        redraw();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes a piece of output the program makes without {@link ScreenStream} (a log handler's) with the
   * live line out of its way. The piece is written without the lock, which its writer may need.
   */
  private void aside(Runnable output) {
    lock.lock();
    try {
      erase();
      asides++;
    } finally {
      lock.unlock();
    }
    try {
      output.run();
    } finally {
      lock.lock();
      try {
        asides--;
        position = Position.LINE_START; // a log record is whole lines
        redraw();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Starts showing: the program's output passes through here from now on, and the live line is
   * redrawn on time. Until now the program wrote around us, so where its last line ended is unknown.
   */
  private void activate() {
    savedOut = System.out;
    savedErr = System.err;
    ourErr = ScreenStream.wrap(this, savedErr, "sun.stderr.encoding");
    System.setErr(ourErr);
    if (stdoutSharesTerminal()) {
      ourOut = ScreenStream.wrap(this, savedOut, "sun.stdout.encoding");
      System.setOut(ourOut);
    }
    jul.guard();
    savedOut.flush(); // the program's last words reach the terminal before the bar
    savedErr.flush();
    if (width > 0) {
      write(" ".repeat(width) + "\r");
      position = Position.LINE_START;
    } else if (position == Position.UNKNOWN) {
      position = Position.LINE_START; // no width, no PROMPT_SP: most programs print whole lines
    }
    ticks = Ticker.every(TICK_MILLIS, this::tick);
  }

  /** Stops showing: the streams are given back, unless the program has replaced them since. */
  private void deactivate() {
    if (ourOut != null && System.out == ourOut) {
      System.setOut(savedOut);
    }
    if (System.err == ourErr) {
      System.setErr(savedErr);
    }
    ourOut = null;
    ourErr = null;
    jul.release();
    ticks.cancel(false);
    ticks = null;
    position = Position.UNKNOWN; // the program writes around us again
  }

  private void tick() {
    boolean stale;
    lock.lock();
    try {
      stale = System.nanoTime() - widthAt > WIDTH_EVERY_NANOS;
    } finally {
      lock.unlock();
    }
    int columns = stale ? TerminalWidth.query() : -1; // the terminal may have been resized
    lock.lock();
    try {
      if (stale) {
        width = columns;
        widthAt = System.nanoTime();
      }
      redraw();
    } finally {
      lock.unlock();
    }
  }

  /** Draws the live line, if any call is live and the cursor is at the start of a line of its own. */
  private void redraw() {
    if (calls.isEmpty() || position != Position.LINE_START || asides > 0) {
      return;
    }
    String text = calls.size() == 1 ? format.line(calls.get(0), false, columns()) : format.line(calls, columns());
    if (!text.equals(shown)) {
      write("\r" + text + "\u001b[K");
      shown = text;
      drawnAt = System.nanoTime();
    }
  }

  private void erase() {
    if (shown != null) {
      write(ERASE);
      shown = null;
    }
  }

  private int columns() {
    return width > 0 ? width : TerminalWidth.FALLBACK;
  }

  /** At exit, a bar still showing (the JVM exits mid-call) keeps its last state on a line of its own. */
  private void exit() {
    try {
      if (lock.tryLock(100, TimeUnit.MILLISECONDS)) {
        try {
          if (shown != null) {
            write("\n");
            shown = null;
          }
        } finally {
          lock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void write(String text) {
    write(text.getBytes(charset));
  }

  private void write(byte[] bytes) {
    if (broken) {
      return;
    }
    try {
      terminal.write(bytes); // one write per piece: nothing else lands inside a line being drawn
    } catch (IOException e) {
      broken = true; // the terminal went away (hang-up): there is nobody left to show anything to
    }
  }

  /**
   * Whether standard output is the same terminal as standard error, so that its text and the bar
   * share lines. When it cannot be told (no /proc), it is assumed: taking the bar out of the way of
   * text that went elsewhere costs a redraw, drawing it over text that came here would cost the text.
   */
  private static boolean stdoutSharesTerminal() {
    try {
      Path out = Paths.get("/proc/self/fd/1");
      Path err = Paths.get("/proc/self/fd/2");
      if (Files.isSymbolicLink(out) && Files.isSymbolicLink(err)) {
        return Files.readSymbolicLink(out).equals(Files.readSymbolicLink(err));
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: assume it
    }
    return true;
  }
}
