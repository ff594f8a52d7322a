package app;

import dev.procpool.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A small application that uses procpool the way its README says: it squares numbers and hashes files
 * on worker JVMs, and prints one line that .ci/consumer/run.sh checks, whatever way it was launched.
 */
public final class Main {
  static int square(int x) {
    return x * x;
  }

  static String sha256(String file) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(Path.of(file)));
    return Path.of(file).getFileName() + "=" + HexFormat.of().formatHex(digest).substring(0, 12);
  }

  /** A record of this application's own, so that the workers must load a class of the application. */
  record Point(int x, int y) implements java.io.Serializable {
    int norm2() {
      return x * x + y * y;
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("procpool-consumer");
    try {
      List<String> files = new ArrayList<>();
      for (String name : List.of("a.txt", "b.txt")) {
        files.add(Files.writeString(dir.resolve(name), "hello " + name, StandardCharsets.UTF_8).toString());
      }
      long self = ProcessHandle.current().pid();
      int sum;
      String hashes;
      int norms;
      long elsewhere;
      try (Pool pool = Pool.processes(2)) {
        sum = pool.map(Main::square, IntStream.rangeClosed(1, 10).boxed().collect(Collectors.toList()))
            .stream().mapToInt(Integer::intValue).sum();
        hashes = String.join(" ", pool.map(Main::sha256, files));
        norms = pool.map(Point::norm2, List.of(new Point(3, 4), new Point(6, 8))).stream()
            .mapToInt(Integer::intValue).sum();
        elsewhere = pool.map(i -> ProcessHandle.current().pid(), List.of(1, 2, 3, 4)).stream()
            .filter(pid -> pid != self).count();
      }
      // A worker parked by one pool and leased by the next loads the application's classes afresh.
      long[] pids = new long[2];
      int warm = 0;
      for (int round = 0; round < 2; round++) {
        try (Pool pool = Pool.builder().processes(1).reuseWorkers(Duration.ofSeconds(30)).build()) {
          warm += pool.map(Point::norm2, List.of(new Point(1, 1))).get(0);
          pids[round] = pool.apply(() -> ProcessHandle.current().pid());
        }
      }
      System.out.println("procpool consumer: squares " + sum + ", sha256 " + hashes + ", records " + norms
          + ", warm " + warm + (pids[0] == pids[1] ? " on a reused worker" : " on two workers") + ", "
          + (elsewhere == 4 ? "all in worker JVMs" : elsewhere + " of 4 in worker JVMs"));
    } finally {
      try (var paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
