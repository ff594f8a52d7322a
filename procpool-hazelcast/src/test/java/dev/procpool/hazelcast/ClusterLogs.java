package dev.procpool.hazelcast;

import dev.procpool.contract.CapturedLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps the log records of this JVM's Hazelcast and procpool loggers off the console while a test
 * provokes faults in a cluster, so that the test can assert them instead of printing them. procpool's
 * records are claimed through the test kit's {@link CapturedLog}, which the build's log capture honours.
 */
final class ClusterLogs implements AutoCloseable {
  private final List<Logger> loggers = new ArrayList<>();
  private final List<Boolean> useParents = new ArrayList<>();
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

  private final CapturedLog procpool = new CapturedLog();

  private ClusterLogs() {}

  static ClusterLogs start() {
    ClusterLogs c = new ClusterLogs();
    for (String name : List.of("com.hazelcast", "dev.procpool")) {
      Logger l = Logger.getLogger(name);
      c.loggers.add(l); // held: java.util.logging keeps loggers only weakly
      c.useParents.add(l.getUseParentHandlers());
      l.addHandler(c.handler);
      l.setUseParentHandlers(false);
    }
    return c;
  }

  /** The records at WARNING or above, as "LEVEL logger: message". */
  List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (LogRecord r : records) {
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        out.add(r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
            + (r.getThrown() != null ? " (" + r.getThrown() + ")" : ""));
      }
    }
    return out;
  }

  @Override
  public void close() {
    for (int i = loggers.size() - 1; i >= 0; i--) {
      loggers.get(i).removeHandler(handler);
      loggers.get(i).setUseParentHandlers(useParents.get(i));
    }
    procpool.close();
  }
}
