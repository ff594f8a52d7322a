package dev.procpool.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.procpool.AsyncResult;
import dev.procpool.Pool;
import dev.procpool.ResultIterator;
import dev.procpool.bench.PythonSide.Figure;
import dev.procpool.bench.PythonSide.PeerFigure;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The comparison of issues 4 and 13: workloads 1 to 8 in procpool and in Python's process pools,
 * interleaved in one run (each workload runs in procpool, then at once in Python, started from here), and
 * against {@code ExecutorService.invokeAll} and parallel streams for the threads backend. The Python side
 * ({@code python/compare.py}) runs every peer that can do a workload: {@code multiprocessing.Pool} with
 * fork and with spawn, {@code ProcessPoolExecutor}, joblib (loky backend), loky's reusable executor and
 * pebble, the last three when installed; each row compares procpool with the best of them and names it.
 * Prints one table and writes it as Markdown, JSON and CSV, with every peer's figures. Not a test: nothing
 * is asserted; the targets are only reported.
 *
 * <pre>
 * mvn -q install -DskipTests &amp;&amp; mvn -q -pl procpool-bench exec:java
 * mvn -q -pl procpool-bench exec:java -Dexec.args="--only w2,w6 --reps 3 --out /tmp/bench"
 * mvn -q -pl procpool-bench exec:java -Dexec.args="--quick --only w3 --peers pool-fork,pebble"
 * </pre>
 *
 * <p>Options: {@code --reps N} timed repetitions per figure (default 5; 3 for workloads 2 and 5), {@code --only
 * w1,w2,...} a subset, {@code --out DIR} where {@code compare.{md,json,csv}} and {@code compare-peers.csv} go
 * (default {@code procpool-bench/target}), {@code --python EXE} (default {@value PythonSide#PREFERRED_PYTHON} when it
 * exists, Debian's optimized build, else {@code python3} on the PATH), {@code --peers ID,...} the Python peers
 * (default all; see compare.py), {@code --w8-items N}, and {@code --quick}: a smoke run whose figures are not
 * for quoting (1 repetition, 1 untimed run in Java, 1M items in workload 8, unless given).
 * Figures are medians. Before a throughput figure's repetitions, Java runs {@value #JAVA_WARMUP} untimed
 * ones (the JIT compiles the pool's and the workers' hot paths), Python one. Workload 8 takes its rate
 * after one untimed pass in the same JVM or interpreter, and shows the fresh JVM's first pass beside it.
 * Workload 6 starts every repetition in a new JVM or interpreter; its warm path is measured once
 * compiled (see {@link ColdStart}), its first pools shown beside it.
 */
public final class Compare {
  private static final int MILLION = 1_000_000;
  /**
   * Untimed repetitions before the timed ones of a throughput figure: the JIT compiles the hot paths of
   * the pool's JVM and both workers', which takes a few runs on two busy cores. Python has nothing to
   * compile, and its script warms up once (imports, worker start). At least this many runs, and at least
   * {@link #JAVA_WARMUP_SECONDS} of them: short workloads (20,000 applyAsync take 0.2 s) reach steady
   * state only after a few seconds of C2 compiling, as JMH's warm-up iterations assume.
   */
  private static final int JAVA_WARMUP = 3;
  /** The least time the untimed runs of a throughput figure take together. */
  private static final double JAVA_WARMUP_SECONDS = 3;

  /**
   * One line of the table: procpool's figure against {@code other}, the best of {@code peers} (or a Java
   * baseline, then {@code peers} is empty). {@code higherIsBetter} decides which way the ratio reads.
   */
  record Row(String workload, String what, String unit, double procpool, String against, double other,
      boolean higherIsBetter, String target, Boolean met, List<PeerFigure> peers) {
    Row(String workload, String what, String unit, double procpool, String against, double other,
        boolean higherIsBetter, String target, Boolean met) {
      this(workload, what, unit, procpool, against, other, higherIsBetter, target, met, List.of());
    }

    double ratio() {
      if (Double.isNaN(other) || other == 0 || procpool == 0) {
        return Double.NaN;
      }
      return higherIsBetter ? procpool / other : other / procpool;
    }
  }

  /** Whether a row meets its target, given procpool's figure and the best peer's. */
  @FunctionalInterface
  interface Target {
    boolean met(double procpool, double peer);
  }

  private final List<Row> rows = new ArrayList<>();
  private final Map<String, Object> raw = new LinkedHashMap<>();
  private final Path benchDir;
  private final PythonSide python;
  private final Integer repsOption;
  private final boolean quick;
  private final long w8Items;
  private final String javaClasspath;
  /** The peers the Python side can run, by id: their labels and versions, in the script's order. */
  private Map<String, Object> peerInfo = Map.of();

  private Compare(Path benchDir, String pythonExe, String peers, Integer reps, boolean quick, long w8Items) {
    this.benchDir = benchDir;
    this.python = new PythonSide(pythonExe, benchDir.resolve("python").resolve("compare.py"), peers);
    this.repsOption = reps;
    this.quick = quick;
    this.w8Items = w8Items;
    this.javaClasspath = childClasspath();
  }

  /**
   * Runs the comparison.
   *
   * @param args see the class comment
   * @throws Exception if a workload fails
   */
  public static void main(String[] args) throws Exception {
    keepCollectedMemory();
    Integer reps = null;
    Set<String> only = new LinkedHashSet<>(List.of("w1", "w2", "w3", "w4", "w5", "w6", "w8"));
    Path out = null;
    String python = null;
    String peers = null;
    boolean quick = false;
    Long w8Items = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--reps" -> reps = Integer.parseInt(value(args, i++));
        case "--only" -> only = new LinkedHashSet<>(List.of(value(args, i++).toLowerCase(Locale.ROOT).split(",")));
        case "--out" -> out = Path.of(value(args, i++));
        case "--python" -> python = value(args, i++);
        case "--peers" -> peers = value(args, i++);
        case "--quick" -> quick = true;
        case "--w8-items" -> w8Items = Long.parseLong(value(args, i++));
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: " + OPTIONS);
      }
    }
    if (quick && reps == null) {
      reps = 1;
    }
    if (w8Items == null) {
      w8Items = quick ? MILLION : 10_000_000L;
    }
    Path benchDir = findBenchDir();
    Compare c = new Compare(benchDir, python != null ? python : PythonSide.defaultPython(), peers, reps, quick,
        w8Items);
    String header = c.header(args);
    System.out.println(header);
    System.out.println();
    long t0 = System.nanoTime();
    for (String w : only) {
      long w0 = System.nanoTime();
      System.err.printf("-- %s ...%n", w);
      switch (w) {
        case "w1" -> c.w1();
        case "w2" -> c.w2();
        case "w3" -> c.w3();
        case "w4" -> c.w4();
        case "w5" -> c.w5();
        case "w6" -> c.w6();
        case "w7" -> { } // part of w1 and w5
        case "w8" -> c.w8();
        default -> throw new IllegalArgumentException("unknown workload " + w + "; workloads: w1 to w8");
      }
      System.err.printf("-- %s done in %.0f s%n", w, (System.nanoTime() - w0) / 1e9);
    }
    double total = (System.nanoTime() - t0) / 1e9;
    String table = c.table();
    String peerTable = c.peerTable();
    System.out.println(table);
    System.out.println(peerTable);
    c.raw.put("loadAverageAtEnd", loadAverage());
    System.out.printf("Whole comparison: %.0f s; load average at the end %s.%n", total, loadAverage());
    Path dir = out != null ? out : benchDir.resolve("target");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("compare.json"), c.json(header, total), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("compare.csv"), c.csv(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("compare-peers.csv"), c.peerCsv(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("compare.md"), header + "\n\n" + table + "\n" + peerTable, StandardCharsets.UTF_8);
    System.out.println("Written: " + dir.resolve("compare.md") + ", compare.json, compare.csv, compare-peers.csv");
  }

  private static final String OPTIONS = "--reps N, --only w1,w2,..., --out DIR, --python EXE, --peers ID,ID,...,"
      + " --quick, --w8-items N";

  private static String value(String[] args, int i) {
    if (i + 1 >= args.length) {
      throw new IllegalArgumentException(args[i] + " needs a value; options: " + OPTIONS);
    }
    return args[i + 1];
  }

  private int reps(int dflt) {
    return repsOption != null ? repsOption : dflt;
  }

  /**
   * Adds a row that sets procpool's figure against the best peer of a Python figure among those
   * {@code which} accepts; {@code target} decides whether it is met (null: the row has no target).
   */
  private void peerRow(String workload, String what, String unit, double procpool, Figure figure,
      Predicate<PeerFigure> which, boolean higherIsBetter, String targetText, Target target) {
    Optional<PeerFigure> best = figure.best(higherIsBetter, which);
    double other = best.map(PeerFigure::median).orElse(Double.NaN);
    Boolean met = target == null ? null : target.met(procpool, other);
    rows.add(new Row(workload, what, unit, procpool, best.map(PeerFigure::label).orElse("no peer"), other,
        higherIsBetter, targetText, met, figure.peers().stream().filter(which).toList()));
  }

  private void peerRow(String workload, String what, String unit, double procpool, Figure figure,
      boolean higherIsBetter, String targetText, Target target) {
    peerRow(workload, what, unit, procpool, figure, p -> true, higherIsBetter, targetText, target);
  }

  private static Target atLeast(double times) {
    return (procpool, peer) -> procpool >= times * peer;
  }

  // ------------------------------------------------------------------ workloads

  /** Workload 1 on processes against the Python peers; on threads against a parallel stream and invokeAll (7). */
  private void w1() throws Exception {
    List<Integer> items = range(MILLION);
    int reps = reps(5);
    double procs;
    try (Pool pool = Pool.processes(2)) {
      procs = median(runs(reps, () -> pool.map(Work.SQUARE, items)), MILLION);
    }
    Figure py = PythonSide.figure(python("w1", reps), "map", 1);
    peerRow("1", "map x*x, 1M ints, default chunksize, processes", "items/s", procs, py, true, ">= 3x", atLeast(3));

    double threads;
    try (Pool pool = Pool.threads(2)) {
      threads = median(runs(reps, () -> pool.map(Work.SQUARE, items)), MILLION);
    }
    double stream = median(runs(reps, () -> items.parallelStream().map(x -> x * x).toList()), MILLION);
    ExecutorService executor = Executors.newFixedThreadPool(2);
    double invokeAll;
    try {
      invokeAll = median(runs(reps, () -> invokeAllSquares(executor, items)), MILLION);
    } finally {
      executor.shutdown();
    }
    rows.add(new Row("7/1", "map x*x, 1M ints, threads", "items/s", threads, "parallel stream", stream, true,
        ">= 0.5x", threads >= 0.5 * stream));
    rows.add(new Row("7/1", "map x*x, 1M ints, threads", "items/s", threads, "invokeAll, 8 chunks", invokeAll,
        true, "", null));
  }

  /** What a Java user writes instead of pool.map: invokeAll over chunks, Python's chunk size. */
  private static List<Integer> invokeAllSquares(ExecutorService executor, List<Integer> items) throws Exception {
    int chunks = 8;
    int size = (items.size() + chunks - 1) / chunks;
    List<Callable<List<Integer>>> tasks = new ArrayList<>();
    for (int from = 0; from < items.size(); from += size) {
      List<Integer> slice = items.subList(from, Math.min(items.size(), from + size));
      tasks.add(() -> {
        List<Integer> out = new ArrayList<>(slice.size());
        for (Integer x : slice) {
          out.add(x * x);
        }
        return out;
      });
    }
    List<Integer> all = new ArrayList<>(items.size());
    for (Future<List<Integer>> f : executor.invokeAll(tasks)) {
      all.addAll(f.get());
    }
    return all;
  }

  private void w2() throws Exception {
    List<Integer> items = range(100_000);
    int reps = reps(3);
    Map<String, Double> procs = new LinkedHashMap<>();
    try (Pool pool = Pool.processes(2)) {
      procs.put("map", median(runs(reps, () -> pool.map(Work.SQUARE, items, 1)), items.size()));
      procs.put("imap", median(runs(reps, () -> drain(pool.imap(Work.SQUARE, items, 1))), items.size()));
      procs.put("imapUnordered",
          median(runs(reps, () -> drain(pool.imapUnordered(Work.SQUARE, items, 1))), items.size()));
    }
    // imap holds at most readAhead chunks not yet consumed, but by default never fewer than 64 items per
    // worker. An explicit readAhead(8) (8 items here) shows what that floor buys with chunks of one.
    double narrowImap;
    try (Pool pool = Pool.builder().processes(2).readAhead(8).build()) {
      narrowImap = median(runs(reps, () -> drain(pool.imap(Work.SQUARE, items, 1))), items.size());
    }
    Map<String, Object> py = python("w2", reps);
    for (Map.Entry<String, Double> e : procs.entrySet()) {
      peerRow("2", e.getKey() + " x*x, 100k ints, chunksize 1, processes", "tasks/s", e.getValue(),
          PythonSide.figure(py, e.getKey(), 1), true, ">= 10x", atLeast(10));
    }
    peerRow("2", "  imap as above with readAhead(8): 8 items, no floor", "tasks/s", narrowImap,
        PythonSide.figure(py, "imap", 1), true, "", null);
  }

  private void w3() throws Exception {
    int n = 20_000;
    int reps = reps(5);
    double procs;
    try (Pool pool = Pool.processes(2)) {
      procs = median(runs(reps, () -> {
        List<AsyncResult<Integer>> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          int k = i;
          results.add(pool.applyAsync(() -> k * k));
        }
        for (AsyncResult<Integer> r : results) {
          r.get();
        }
        return results;
      }), n);
    }
    peerRow("3", "20k applyAsync, then all results, processes", "tasks/s", procs,
        PythonSide.figure(python("w3", reps), "applyAsync", 1), true, ">= 10x", atLeast(10));
  }

  private void w4() throws Exception {
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] b = new byte[10 * 1024 * 1024];
      java.util.Arrays.fill(b, (byte) i);
      payloads.add(b);
    }
    long total = 50L * 10 * 1024 * 1024;
    int reps = reps(5);
    double procs;
    try (Pool pool = Pool.processes(2)) {
      procs = median(runs(reps, () -> pool.map(Work.LENGTH, payloads)), total);
    }
    payloads.clear();
    peerRow("4", "map len over 50 x 10 MB byte[], processes", "MB/s", procs / 1e6,
        PythonSide.figure(python("w4", reps), "map", 1e-6), true, ">= 3x", atLeast(3));
  }

  /** Workload 5 on processes and threads against the Python peers; on threads against a parallel stream and invokeAll (7). */
  private void w5() throws Exception {
    int reps = reps(3);
    long n = Work.calibrate(0.2);
    List<Long> tasks = Collections.nCopies(16, n);
    List<Double> sequential = times(reps, 0, () -> {
      long s = 0;
      for (long k : tasks) {
        s += Work.spin(k);
      }
      return s;
    });
    double seq = medianOf(sequential);
    double procs;
    try (Pool pool = Pool.processes(2)) {
      procs = seq / medianOf(times(reps, 1, () -> pool.map(Work.SPIN, tasks, 1)));
    }
    double threads;
    try (Pool pool = Pool.threads(2)) {
      threads = seq / medianOf(times(reps, 0, () -> pool.map(Work.SPIN, tasks, 1)));
    }
    double stream = seq / medianOf(times(reps, 0,
        () -> IntStream.range(0, 16).parallel().mapToLong(i -> Work.spin(n)).sum()));
    ExecutorService executor = Executors.newFixedThreadPool(2);
    double invokeAll;
    try {
      List<Callable<Long>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(() -> Work.spin(n));
      }
      invokeAll = seq / medianOf(times(reps, 0, () -> {
        long s = 0;
        for (Future<Long> f : executor.invokeAll(calls)) {
          s += f.get();
        }
        return s;
      }));
    } finally {
      executor.shutdown();
    }
    raw.put("w5.java", Map.of("iterations", n, "sequentialSeconds", sequential));
    Figure py = PythonSide.figure(python("w5", reps), "speedup", 1);
    String what = "16 x 0.2 s arithmetic: speed-up over a sequential loop";
    Target absolute = (procpool, peer) -> procpool >= 1.8;
    peerRow("5", what + ", processes", "x", procs, py, true, ">= 1.8x abs.", absolute);
    peerRow("5", what + ", threads", "x", threads, py, true, ">= 1.8x abs.", absolute);
    rows.add(new Row("7/5", what + ", threads", "x", threads, "parallel stream", stream, true, ">= 0.95x",
        threads >= 0.95 * stream));
    rows.add(new Row("7/5", what + ", threads", "x", threads, "invokeAll", invokeAll, true, "", null));
  }

  private void w6() throws Exception {
    int reps = reps(5);
    List<Double> first = new ArrayList<>();
    List<Double> second = new ArrayList<>();
    List<Double> warm = new ArrayList<>();
    List<Double> steady = new ArrayList<>();
    List<Map<String, Object>> children = new ArrayList<>();
    for (int i = 0; i < reps; i++) {
      Map<String, Object> r = parseJson(javaChild(List.of(), ColdStart.class.getName()));
      children.add(r);
      first.add(((Number) r.get("first")).doubleValue());
      second.add(((Number) r.get("second")).doubleValue());
      warm.addAll(doubles(r.get("warmRuns")));
      steady.add(((Number) r.get("steady")).doubleValue());
    }
    raw.put("w6.java", children);
    Map<String, Object> py = python("w6", reps);
    double f = medianOf(first);
    double s = medianOf(second);
    double w = medianOf(warm);
    // A JVM cannot fork: its workers start the way spawn's do, so the targets are set by the peers whose
    // workers start a new interpreter; the peers that fork are shown beside them.
    Predicate<PeerFigure> starts = p -> "interpreter".equals(p.start());
    Predicate<PeerFigure> forks = p -> "fork".equals(p.start());
    Target noSlower = (procpool, peer) -> procpool <= peer;
    Figure firstPy = PythonSide.figure(py, "first", 1);
    peerRow("6", "Pool.processes(2) to first result, cold JVM; peers that start an interpreter", "ms", f, firstPy,
        starts, false, "<= peer", noSlower);
    peerRow("6", "  same; peers that fork (a JVM cannot)", "ms", f, firstPy, forks, false, "", null);
    peerRow("6", "second pool in the same JVM, to first result; peers that start an interpreter", "ms", s,
        PythonSide.figure(py, "second", 1), starts, false, "<= peer", noSlower);
    // The warm path is measured compiled, as the throughput rows are after their warm-up; its first runs
    // in fresh JVMs, interpreted while the JIT compilers take the two processors, are shown beside it.
    peerRow("6", String.format(Locale.ROOT, "next pool in the same JVM with reuseWorkers(..), the warm path: pools"
        + " %,d to %,d (compiled); any peer's next pool", ColdStart.WARM_POOLS + ColdStart.STEADY_POOLS
        - ColdStart.STEADY_MEASURED + 1, ColdStart.WARM_POOLS + ColdStart.STEADY_POOLS), "ms", medianOf(steady),
        PythonSide.figure(py, "next", 1), false, "<= 1 ms", (procpool, peer) -> procpool <= 1);
    peerRow("6", String.format(Locale.ROOT, "  same, its first %d pools in fresh JVMs (JIT warm-up, see the README)",
        ColdStart.WARM_POOLS), "ms", w, PythonSide.figure(py, "next", 1), false, "", null);
  }

  private void w8() throws Exception {
    Map<String, Object> py = python("w8", 1, "--items", Long.toString(w8Items));
    Figure pyRate = PythonSide.figure(py, "imap", 1);
    // The rate is measured as the other throughput rows are, after an untimed pass in the same JVM (and,
    // for Python, the same interpreter); a fresh JVM's first pass also pays for the first touch of its
    // heap's pages and the JIT's work (see the README), and is shown beside it.
    Map<String, Object> pyWarm = python.run("w8", 1, "--items", Long.toString(w8Items), "--warm-passes", "1");
    raw.put("w8.python.warm", pyWarm);
    Figure pyWarmRate = PythonSide.figure(pyWarm, "imap", 1);
    String size = w8Items % MILLION == 0 ? w8Items / MILLION + "M" : String.format(Locale.ROOT, "%,d", w8Items);
    for (String backend : List.of("processes", "threads")) {
      Map<String, Object> r = parseJson(javaChild(W8_JVM, ImapMemory.class.getName(), backend,
          Long.toString(w8Items)));
      raw.put("w8.java." + backend, r);
      double growth = ((Number) r.get("growthAfterGcMB")).doubleValue();
      double seconds = ((Number) r.get("seconds")).doubleValue();
      System.err.printf("   w8 %s: %.1f s, %.0f items/s, peak used %s MB with -Xmx256m%n", backend, seconds,
          w8Items / seconds, r.get("peakUsedMB"));
      rows.add(new Row("8", "imap over a " + size + "-item generator, " + backend
          + ": heap growth after GC (-Xmx256m)", "MB", growth, "", Double.NaN, false, "< 64 MB", growth < 64));
      Map<String, Object> warm = parseJson(javaChild(W8_SECOND_PASS_JVM, ImapMemory.class.getName(), backend,
          Long.toString(w8Items), "0", "1"));
      raw.put("w8.java." + backend + ".warm", warm);
      double warmSeconds = ((Number) warm.get("seconds")).doubleValue();
      double times = backend.equals("processes") ? 2 : 3;
      peerRow("8", "  same, " + backend + ": items/s after one untimed pass, default chunksize (Python: chunksize"
          + " 1000, likewise)", "items/s", w8Items / warmSeconds, pyWarmRate, true,
          String.format(Locale.ROOT, ">= %.0fx", times), atLeast(times));
      peerRow("8", "  same, " + backend + ": items/s, the first pass of a fresh JVM (Python: its first pass)",
          "items/s", w8Items / seconds, pyRate, true, "", null);
    }
    peerRow("8", "  Python's lazy forms, chunksize 1000: peak RSS growth (no heap figure)", "MB", Double.NaN,
        PythonSide.figure(py, "growth", 1), false, "", null);
  }

  // ------------------------------------------------------------------ running things

  private Map<String, Object> python(String workload, int reps, String... more)
      throws IOException, InterruptedException {
    Map<String, Object> result = python.run(workload, reps, more);
    raw.put(workload + ".python", result);
    return result;
  }

  private String javaChild(List<String> jvmOptions, String mainClass, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(javaClasspath);
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    return run(cmd, 10);
  }

  /**
   * Runs a command, passing its stderr through; returns the last line of its stdout. After {@code
   * timeoutMinutes} it is killed with its descendants (a Python pool's workers, say).
   */
  static String run(List<String> cmd, long timeoutMinutes) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> {
      try (InputStream in = p.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new IOException("timed out after " + timeoutMinutes + " minutes: " + String.join(" ", cmd));
    }
    String out = stdout.join();
    if (p.exitValue() != 0) {
      throw new IOException("failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + out);
    }
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }

  /** The classpath of this module's classes and procpool-core, for the child JVMs of workloads 6 and 8. */
  private static String childClasspath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : List.of(Compare.class, Pool.class)) {
      try {
        entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  private static Path findBenchDir() {
    String prop = System.getProperty("procpool.bench.dir");
    if (prop != null) {
      return Path.of(prop);
    }
    for (Path p : List.of(Path.of("procpool-bench"), Path.of("."))) {
      if (Files.exists(p.resolve("python").resolve("compare.py"))) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("cannot find python/compare.py: run from the repository root or procpool-bench,"
        + " or set -Dprocpool.bench.dir");
  }

  // ------------------------------------------------------------------ measuring

  @FunctionalInterface
  interface Body {
    Object run() throws Exception;
  }

  /**
   * Seconds per repetition, after {@code warmup} untimed runs; a warm-up of {@link #JAVA_WARMUP} runs also
   * lasts {@link #JAVA_WARMUP_SECONDS} at least.
   */
  private static List<Double> times(int reps, int warmup, Body body) throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < warmup || (warmup >= JAVA_WARMUP && i < 100
        && System.nanoTime() - start < JAVA_WARMUP_SECONDS * 1e9); i++) {
      body.run();
    }
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < reps; i++) {
      // Every repetition, on either side, starts from a collected heap (JMH's -gc true): otherwise one
      // side pays for the garbage the previous repetition (or the other side) left.
      System.gc();
      long t0 = System.nanoTime();
      Object r = body.run();
      out.add((System.nanoTime() - t0) / 1e9);
      if (r == null) {
        throw new IllegalStateException("no result");
      }
    }
    return out;
  }

  /** The JVM options of workload 8's children: a fresh JVM, as a program that starts a pool is. */
  private static final List<String> W8_JVM = List.of("-Xmx256m");
  /**
   * Workload 8's children that measure a second pass: what {@link #keepCollectedMemory} does for this JVM,
   * so that the pass measures the items, not a heap that {@code System.gc()} shrank growing again. Not
   * for the first pass: a heap kept at its full size from the start has G1 size a larger young generation,
   * all of it fresh pages (in one full run, 3.8 M/s with the flag against 4.2-4.3 M/s in two without).
   */
  private static final List<String> W8_SECOND_PASS_JVM = List.of("-Xmx256m", "-XX:MaxHeapFreeRatio=100");

  /**
   * Keeps what {@link System#gc} frees in this JVM's heap instead of giving it back to the system. The
   * repetitions start from a collected heap, not from a shrunken one that the next repetition grows again
   * on fresh pages: where the system charges for the first touch of a page (18.5 us here, see
   * {@code python/first_touch.py}), that regrowth measured a third of workload 3's time. CPython's
   * {@code gc.collect()} does not shrink its process either.
   */
  private static void keepCollectedMemory() {
    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).setVMOption("MaxHeapFreeRatio", "100");
  }

  private List<Double> runs(int reps, Body body) throws Exception {
    return times(reps, quick ? 1 : JAVA_WARMUP, body);
  }

  /** Items per second of the median repetition. */
  private static double median(List<Double> seconds, double items) {
    return items / medianOf(seconds);
  }

  private static double medianOf(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static Object drain(ResultIterator<Integer> it) {
    long n = 0;
    try (it) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  private static List<Integer> range(int n) {
    List<Integer> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      items.add(i);
    }
    return items;
  }

  // ------------------------------------------------------------------ reporting

  @SuppressWarnings("unchecked")
  private String header(String[] args) throws IOException, InterruptedException {
    String cpu = "unknown";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    Map<String, Object> info = python.info();
    peerInfo = (Map<String, Object>) info.get("peers");
    Map<String, Object> missing = (Map<String, Object>) info.get("missing");
    String py = "Python " + info.get("python") + " (" + info.get("implementation") + ") at " + info.get("executable");
    List<String> found = new ArrayList<>();
    for (Object o : peerInfo.values()) {
      Map<String, Object> p = (Map<String, Object>) o;
      found.add(p.get("label") + " (" + p.get("version") + ")");
    }
    String peers = "Python peers: " + (found.isEmpty() ? "none" : String.join(", ", found)) + ".";
    if (!missing.isEmpty()) {
      List<String> why = new ArrayList<>();
      missing.forEach((id, reason) -> why.add(id + ": " + reason));
      peers += " Missing: " + String.join("; ", why) + ". Rows compare with the peers found; install the others"
          + " with `" + PythonSide.INSTALL_PEERS + "`.";
    }
    Supplier<String> jdk = () -> System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    raw.put("machine", Map.of("nproc", Runtime.getRuntime().availableProcessors(), "cpu", cpu, "jdk", jdk.get(),
        "date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)));
    raw.put("python", info);
    raw.put("loadAverageAtStart", loadAverage());
    String command = "mvn -q install -DskipTests && mvn -q -pl procpool-bench exec:java"
        + (args.length == 0 ? "" : " -Dexec.args=\"" + String.join(" ", args) + "\"");
    String warmup = quick
        ? "QUICK RUN, figures not for quoting: 1 untimed run in Java, 1 in Python."
        : String.format(Locale.ROOT, "Throughput figures follow %d untimed runs (and at least %.0f s) in Java (JIT"
            + " warm-up), 1 in Python.", JAVA_WARMUP, JAVA_WARMUP_SECONDS);
    return String.format("procpool vs Python's process pools, %s%nMachine: %d CPUs (nproc), %s; JDK %s;"
            + " load average at start %s%n%s; %s%nCommand: %s%nEach row sets procpool against the best Python peer"
            + " that can run the workload (named under \"against\"; every peer's figure is in the second table)."
            + " Figures are medians; ratio > 1 means procpool is better (faster, or less time). %s Every timed"
            + " repetition, on either side, starts from a collected heap.",
        ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")),
        Runtime.getRuntime().availableProcessors(), cpu, jdk.get(), loadAverage(), py, peers, command, warmup);
  }

  /** The 1, 5 and 15 minute load averages: a shared machine's other work shows here. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private String table() {
    StringBuilder b = new StringBuilder();
    b.append("| # | workload | unit | procpool | against | other | ratio | target | met |\n");
    b.append("|---|---|---|---:|---|---:|---:|---|---|\n");
    for (Row r : rows) {
      b.append("| ").append(r.workload()).append(" | ").append(r.what()).append(" | ").append(r.unit()).append(" | ")
          .append(fmt(r.procpool())).append(" | ").append(r.against()).append(" | ").append(fmt(r.other()))
          .append(" | ").append(Double.isNaN(r.ratio()) ? "" : String.format(Locale.ROOT, "%.2fx", r.ratio()))
          .append(" | ").append(r.target()).append(" | ")
          .append(r.met() == null ? "" : r.met() ? "yes" : "**no**").append(" |\n");
    }
    return b.toString();
  }

  /**
   * Every peer's median for each row set against Python: the detail behind the first table's best peer
   * (in bold). "no form": the peer has no such operation (the JSON says why); blank: not run.
   */
  @SuppressWarnings("unchecked")
  private String peerTable() {
    List<String> ids = new ArrayList<>(peerInfo.keySet());
    StringBuilder b = new StringBuilder("| # | workload | unit |");
    StringBuilder rule = new StringBuilder("|---|---|---|");
    for (String id : ids) {
      b.append(' ').append(((Map<String, Object>) peerInfo.get(id)).get("label")).append(" |");
      rule.append("---:|");
    }
    b.append('\n').append(rule).append('\n');
    for (Row r : rows) {
      if (r.peers().isEmpty()) {
        continue;
      }
      b.append("| ").append(r.workload()).append(" | ").append(r.what()).append(" | ").append(r.unit()).append(" |");
      for (String id : ids) {
        Optional<PeerFigure> f = r.peers().stream().filter(p -> p.id().equals(id)).findFirst();
        String cell = f.map(p -> p.measured() ? fmt(p.median()) : "no form").orElse("");
        boolean best = f.isPresent() && f.get().measured() && f.get().median() == r.other();
        b.append(' ').append(best ? "**" + cell + "**" : cell).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    if (Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private String csv() {
    StringBuilder b = new StringBuilder("workload,what,unit,procpool,against,other,ratio,target,met\n");
    for (Row r : rows) {
      b.append(csvField(r.workload())).append(',').append(csvField(r.what())).append(',').append(csvField(r.unit()))
          .append(',').append(num(r.procpool())).append(',').append(csvField(r.against())).append(',')
          .append(num(r.other())).append(',').append(num(r.ratio())).append(',').append(csvField(r.target()))
          .append(',').append(r.met() == null ? "" : r.met()).append('\n');
    }
    return b.toString();
  }

  /** One line per row and peer: what each peer ran and measured, so the detail outlives the table. */
  private String peerCsv() {
    StringBuilder b = new StringBuilder("workload,what,unit,peer,how,median,best,runs,no_form\n");
    for (Row r : rows) {
      for (PeerFigure p : r.peers()) {
        b.append(csvField(r.workload())).append(',').append(csvField(r.what())).append(',')
            .append(csvField(r.unit())).append(',').append(csvField(p.label())).append(',')
            .append(csvField(p.how() == null ? "" : p.how())).append(',').append(num(p.median())).append(',')
            .append(p.measured() && p.median() == r.other()).append(',')
            .append(csvField(String.join(" ", p.runs().stream().map(Compare::num).toList()))).append(',')
            .append(csvField(p.noForm() == null ? "" : p.noForm())).append('\n');
      }
    }
    return b.toString();
  }

  private static String csvField(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
  }

  private String json(String header, double seconds) {
    StringBuilder b = new StringBuilder("{\n  \"header\": ").append(Json.write(header)).append(",\n  \"seconds\": ")
        .append(String.format(Locale.ROOT, "%.1f", seconds)).append(",\n  \"rows\": [\n");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workload", r.workload());
      m.put("what", r.what());
      m.put("unit", r.unit());
      m.put("procpool", r.procpool());
      m.put("against", r.against());
      m.put("other", r.other());
      m.put("ratio", r.ratio());
      m.put("target", r.target());
      m.put("met", r.met());
      m.put("peers", r.peers().stream().map(PeerFigure::toMap).toList());
      b.append("    ").append(Json.write(m)).append(i + 1 < rows.size() ? ",\n" : "\n");
    }
    b.append("  ],\n  \"raw\": ").append(Json.write(raw)).append("\n}\n");
    return b.toString();
  }

  static Map<String, Object> parseJson(String s) {
    Object o = Json.parse(s);
    if (!(o instanceof Map<?, ?>)) {
      throw new IllegalStateException("expected a JSON object, got: " + s);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) o;
    return m;
  }

  private static List<Double> doubles(Object list) {
    List<Double> out = new ArrayList<>();
    for (Object o : (List<?>) list) {
      out.add(((Number) o).doubleValue());
    }
    return out;
  }
}
