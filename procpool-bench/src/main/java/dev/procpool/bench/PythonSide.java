package dev.procpool.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The Python side of {@link Compare}: runs {@code python/compare.py} with one interpreter and a set of
 * peers (Python's process pools), and reads what each peer measured, so that each row can set procpool
 * against the best of them.
 */
final class PythonSide {
  /** Debian's CPython, an optimized build, as most users run it; {@code python3} on the PATH may be slower. */
  static final String PREFERRED_PYTHON = "/usr/bin/python3";

  /** The Debian packages of the peers outside the standard library (joblib brings loky). */
  static final String INSTALL_PEERS = "apt-get install -y python3-joblib python3-pebble";

  /** A Python call may run long (every peer of workload 2 with chunks of one), but not for ever. */
  private static final long TIMEOUT_MINUTES = 60;

  /**
   * One peer's figure: its median (scaled to the row's unit) and every repetition, what it ran, and how
   * its workers start ({@code fork} or {@code interpreter}, workload 6 only). A peer without a form of the
   * operation has {@code noForm}, the reason, and no figure.
   */
  record PeerFigure(String id, String label, String how, double median, List<Double> runs, String noForm,
      String start) {
    boolean measured() {
      return noForm == null;
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("peer", label);
      m.put("how", how);
      if (measured()) {
        m.put("median", median);
        m.put("runs", runs);
      } else {
        m.put("noForm", noForm);
      }
      if (start != null) {
        m.put("start", start);
      }
      return m;
    }
  }

  /** Every peer's result for one figure of one workload, in the script's order of peers. */
  record Figure(List<PeerFigure> peers) {
    /** The best measured peer among those {@code which} accepts. */
    Optional<PeerFigure> best(boolean higherIsBetter, Predicate<PeerFigure> which) {
      Comparator<PeerFigure> byMedian = Comparator.comparingDouble(PeerFigure::median);
      return peers.stream().filter(PeerFigure::measured).filter(which)
          .max(higherIsBetter ? byMedian : byMedian.reversed());
    }
  }

  private final String python;
  private final Path script;
  private final String peers;

  /**
   * @param python the interpreter
   * @param script compare.py
   * @param peers the peers to run, comma-separated, or null for all the script knows
   */
  PythonSide(String python, Path script, String peers) {
    this.python = python;
    this.script = script;
    this.peers = peers;
  }

  /** {@value #PREFERRED_PYTHON} if it exists, else {@code python3} from the PATH. */
  static String defaultPython() {
    Path preferred = Path.of(PREFERRED_PYTHON);
    return Files.isExecutable(preferred) ? preferred.toString() : "python3";
  }

  /**
   * The interpreter (its path and version) and the peers that run with it, with their versions; and the
   * ones that do not, with the reason.
   */
  Map<String, Object> info() throws IOException, InterruptedException {
    try {
      return run("info", 1);
    } catch (IOException e) {
      throw new IOException("cannot run the Python side with " + python + ": " + e.getMessage()
          + "\nCheck --python EXE (a CPython 3 interpreter) and --peers (its message above names the known peers).", e);
    }
  }

  /** Runs one workload of compare.py and returns its JSON object. */
  Map<String, Object> run(String workload, int reps, String... more) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(python, script.toString(), workload, "--reps", Integer.toString(reps)));
    if (peers != null) {
      cmd.addAll(List.of("--peers", peers));
    }
    cmd.addAll(List.of(more));
    return Compare.parseJson(Compare.run(cmd, TIMEOUT_MINUTES));
  }

  /**
   * One figure of a workload's result: each peer's median and runs, multiplied by {@code scale} (bytes to
   * MB, say), and the peers that have no form of it.
   */
  @SuppressWarnings("unchecked")
  static Figure figure(Map<String, Object> result, String name, double scale) {
    Map<String, Object> figures = (Map<String, Object>) result.get("figures");
    Map<String, Object> byPeer = (Map<String, Object>) figures.getOrDefault(name, Map.of());
    List<PeerFigure> out = new ArrayList<>();
    for (Map.Entry<String, Object> e : byPeer.entrySet()) {
      Map<String, Object> f = (Map<String, Object>) e.getValue();
      String label = (String) f.get("label");
      String start = (String) f.get("start");
      if (f.get("noForm") != null) {
        out.add(new PeerFigure(e.getKey(), label, null, Double.NaN, List.of(), (String) f.get("noForm"), start));
        continue;
      }
      List<Double> runs = new ArrayList<>();
      for (Object o : (List<?>) f.get("runs")) {
        runs.add(((Number) o).doubleValue() * scale);
      }
      out.add(new PeerFigure(e.getKey(), label, (String) f.get("how"),
          ((Number) f.get("median")).doubleValue() * scale, runs, null, start));
    }
    return new Figure(out);
  }
}
