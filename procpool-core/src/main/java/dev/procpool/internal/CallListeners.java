package dev.procpool.internal;

import dev.procpool.PoolListener;
import dev.procpool.Progress;
import dev.procpool.spi.ProgressRenderer;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a call's listeners: the pool's {@link PoolListener}, and a progress bar when the call asks for one
 * and a renderer is on the class path (found once per pool with {@link java.util.ServiceLoader}).
 */
final class CallListeners {
  private static final System.Logger LOG = System.getLogger("dev.procpool");

  private final EngineSettings settings;
  private volatile ProgressRenderer renderer;
  private volatile boolean rendererMissing;

  CallListeners(EngineSettings settings) {
    this.settings = settings;
  }

  /**
   * Returns the call's tracker, or null when nobody listens.
   *
   * @throws java.util.ServiceConfigurationError if a renderer is declared on the class path but cannot be
   *     loaded
   */
  Tracker open(Call call) {
    Progress progress = call.spec.progress();
    boolean barWanted = progress != Progress.OFF && !call.spec.operation().equals("apply");
    boolean terminal = barWanted && Terminal.stderrIsTerminal();
    boolean bar = barWanted && (terminal || progress == Progress.ALWAYS);
    ProgressRenderer r = bar ? renderer() : null;
    if (settings.listener() == null && r == null) {
      return null;
    }
    List<PoolListener> listeners = new ArrayList<>(2);
    Tracker tracker = new Tracker(call.id(), call.spec.operation(), call.total, listeners);
    if (settings.listener() != null) {
      listeners.add(settings.listener());
    }
    if (r != null) {
      listeners.add(r.open(tracker, terminal));
    }
    tracker.started();
    return tracker;
  }

  private ProgressRenderer renderer() {
    ProgressRenderer r = renderer;
    if (r == null && !rendererMissing) {
      synchronized (this) {
        if (renderer == null && !rendererMissing) {
          r = java.util.ServiceLoader.load(ProgressRenderer.class, CallListeners.class.getClassLoader())
              .findFirst().orElse(null);
          if (r == null) {
            rendererMissing = true;
            LOG.log(Level.WARNING, settings.poolName() + ": a progress bar was asked for, but no renderer is on the"
                + " class path; add the dependency dev.procpool:procpool-progress to see it");
          }
          renderer = r;
        }
        r = renderer;
      }
    }
    return r;
  }
}
