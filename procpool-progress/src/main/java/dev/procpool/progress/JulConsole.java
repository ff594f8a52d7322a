package dev.procpool.progress;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps the bar out of the way of {@code java.util.logging}'s console, which procpool and the JDK log
 * to by default. A {@link ConsoleHandler} holds on to the {@link System#err} of the moment it was made,
 * usually before any bar, so its records would bypass {@link ScreenStream} and land on the bar's line.
 * While bars show, each console handler of the root logger is swapped for a stand-in that hands the
 * record to it with the live line out of the way; the handler itself, and its settings, are untouched,
 * and it is put back when the last bar ends. Not thread-safe: the {@link Screen} calls it under its lock.
 */
final class JulConsole {
  private final Consumer<Runnable> aside;
  private final List<Handler[]> swapped = new ArrayList<>(); // {console handler, stand-in}

  /**
   * @param aside runs a piece of output with the live line out of its way
   */
  JulConsole(Consumer<Runnable> aside) {
    this.aside = aside;
  }

  void guard() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      if (h instanceof ConsoleHandler) {
        Handler standIn = new StandIn(h, aside);
        root.addHandler(standIn); // added first: a record logged meanwhile may be shown twice, never lost
        root.removeHandler(h);
        swapped.add(new Handler[] {h, standIn});
      }
    }
  }

  void release() {
    Logger root = Logger.getLogger("");
    List<Handler> now = List.of(root.getHandlers());
    for (Handler[] pair : swapped) {
      if (now.contains(pair[1])) { // unless the logging was configured anew meanwhile
        root.addHandler(pair[0]);
        root.removeHandler(pair[1]);
      }
    }
    swapped.clear();
  }

  /** Publishes to the console handler with the live line out of the way. */
  private static final class StandIn extends Handler {
    private final Handler console;
    private final Consumer<Runnable> aside;

    StandIn(Handler console, Consumer<Runnable> aside) {
      this.console = console;
      this.aside = aside;
    }

    @Override
    public void publish(LogRecord record) {
      if (console.isLoggable(record)) { // the console's own level and filter, as they are now
        aside.accept(() -> console.publish(record));
      }
    }

    @Override
    public void flush() {
      console.flush();
    }

    @Override
    public void close() {
      console.close();
    }
  }
}
