package dev.procpool.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Holds what is logged while a test provokes a failure on purpose, instead of printing it, so that a
 * passing build stays quiet and the test can assert on the records. Open it in try-with-resources; by
 * default it holds procpool's loggers ({@code dev.procpool} and below), {@link #of} names others too (a
 * library's, such as {@code com.hazelcast}). {@link LogCapture} leaves what it holds to the test.
 */
public final class CapturedLog implements AutoCloseable {
  private final List<Logger> loggers = new ArrayList<>(); // held: java.util.logging keeps loggers only weakly
  private final List<Boolean> parents = new ArrayList<>();
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  /** Holds procpool's records. */
  public CapturedLog() {
    this(List.of("dev.procpool"));
  }

  private CapturedLog(List<String> names) {
    for (String name : names) {
      Logger logger = Logger.getLogger(name);
      loggers.add(logger);
      parents.add(logger.getUseParentHandlers());
      logger.addHandler(handler);
      logger.setUseParentHandlers(false);
    }
    LogCapture.CLAIMS.incrementAndGet();
  }

  /**
   * Holds the records of the named loggers (and those below them).
   *
   * @param names logger names, such as {@code "dev.procpool"} and {@code "com.hazelcast"}
   * @return the open capture
   */
  public static CapturedLog of(String... names) {
    return new CapturedLog(List.of(names));
  }

  /** The records so far. */
  public List<LogRecord> records() {
    return records;
  }

  /** The records' messages so far, with their parameters filled in. */
  public List<String> messages() {
    return records.stream().map(CapturedLog::message).toList();
  }

  /** The records at WARNING or above so far, as "LEVEL logger: message (thrown)". */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (LogRecord r : records) {
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        out.add(r.getLevel() + " " + r.getLoggerName() + ": " + message(r)
            + (r.getThrown() != null ? " (" + r.getThrown() + ")" : ""));
      }
    }
    return out;
  }

  private static String message(LogRecord r) {
    return r.getParameters() == null ? r.getMessage() : java.text.MessageFormat.format(r.getMessage(), r.getParameters());
  }

  @Override
  public void close() {
    for (int i = loggers.size() - 1; i >= 0; i--) {
      loggers.get(i).removeHandler(handler);
      loggers.get(i).setUseParentHandlers(parents.get(i));
    }
    LogCapture.CLAIMS.decrementAndGet();
  }
}
