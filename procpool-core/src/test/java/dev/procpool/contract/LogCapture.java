package dev.procpool.contract;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Keeps what procpool logs during each test out of the build's output, so that a passing build is quiet
 * and a test that provokes a failure on purpose asserts what was logged instead of printing it (with a
 * {@link CapturedLog}). Registered for every test through JUnit's extension auto-detection.
 *
 * <p>After each test: if it failed, everything procpool logged during it is printed, to help find out why;
 * if it passed, only WARNING and SEVERE records that no {@link CapturedLog} was open for are printed,
 * since nobody expected them.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {
  private static final Logger LOGGER = Logger.getLogger("dev.procpool");
  /** How many CapturedLogs are open: records logged meanwhile are a test's own business. */
  static final AtomicInteger CLAIMS = new AtomicInteger();

  private record Entry(LogRecord record, boolean claimed) {}

  private final List<Entry> entries = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      entries.add(new Entry(record, CLAIMS.get() > 0));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private boolean parents;

  @Override
  public void beforeEach(ExtensionContext context) {
    entries.clear();
    parents = LOGGER.getUseParentHandlers();
    LOGGER.setUseParentHandlers(false);
    LOGGER.addHandler(handler);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    LOGGER.removeHandler(handler);
    LOGGER.setUseParentHandlers(parents);
    boolean failed = context.getExecutionException().isPresent();
    SimpleFormatter format = new SimpleFormatter();
    StringBuilder out = new StringBuilder();
    for (Entry e : entries) {
      boolean unexpected = !e.claimed() && e.record().getLevel().intValue() >= Level.WARNING.intValue();
      if (failed || unexpected) {
        out.append(format.format(e.record()));
      }
    }
    entries.clear();
    if (out.length() > 0) {
      System.err.print("procpool logged during " + context.getDisplayName()
          + (failed ? " (failed)" : " (unexpected warnings)") + ":" + System.lineSeparator() + out);
    }
  }
}
