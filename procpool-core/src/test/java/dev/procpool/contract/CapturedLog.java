package dev.procpool.contract;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Holds what procpool logs while a test provokes a failure on purpose, instead of printing it, so that
 * a passing build stays quiet and the test can assert on the records. Open it in try-with-resources.
 */
public final class CapturedLog implements AutoCloseable {
  private final Logger logger = Logger.getLogger("dev.procpool");
  private final boolean parents = logger.getUseParentHandlers();
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

  public CapturedLog() {
    logger.addHandler(handler);
    logger.setUseParentHandlers(false);
    LogCapture.CLAIMS.incrementAndGet();
  }

  /** The records so far. */
  public List<LogRecord> records() {
    return records;
  }

  /** The records' messages so far, with their parameters filled in. */
  public List<String> messages() {
    return records.stream()
        .map(r -> r.getParameters() == null ? r.getMessage() : java.text.MessageFormat.format(r.getMessage(), r.getParameters()))
        .toList();
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
    logger.setUseParentHandlers(parents);
    LogCapture.CLAIMS.decrementAndGet();
  }
}
