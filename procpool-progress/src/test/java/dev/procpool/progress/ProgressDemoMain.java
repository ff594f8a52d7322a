package dev.procpool.progress;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.Progress;
import dev.procpool.ResultIterator;
import dev.procpool.TaskFailedException;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A program that uses bars the way applications do, for {@link ProgressBarTest} to watch from outside:
 * an unfinished line before the first bar, output on stdout, stderr and java.util.logging while bars
 * show, and calls that end normally, fail fast and are closed early. Its argument is the
 * {@link Progress} to use.
 */
public final class ProgressDemoMain {
  private ProgressDemoMain() {}

  public static void main(String[] args) {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%n");
    Logger log = Logger.getLogger("demo");
    log.info("demo starts"); // the console handler takes System.err now, before any bar

    System.out.print("Hashing files... "); // unfinished when the first bar starts
    try (Pool pool = Pool.builder().threads(2).progress(Progress.valueOf(args[0])).build()) {
      Fn<Integer, Integer> talkative = x -> {
        if (x == 7) {
          throw new IllegalStateException("seven");
        }
        if (x == 20) {
          System.err.println("task 20 says hello");
        }
        if (x == 30) {
          Logger.getLogger("demo").info("task 30 logs");
        }
        return work(x);
      };
      int ok = 0;
      int failed = 0;
      try (ResultIterator<Integer> it = pool.imap(talkative, range(40))) {
        while (it.hasNext()) {
          try {
            it.next();
            ok++;
          } catch (RuntimeException e) {
            failed++;
          }
          if (ok + failed < 40 && (ok + failed) % 10 == 0) {
            System.out.println("took " + (ok + failed));
          }
        }
      }
      System.out.println("imap: " + ok + " ok, " + failed + " failed");

      System.out.println("map: " + pool.map(ProgressDemoMain::work, range(30)).size() + " results");

      try {
        pool.map(x -> {
          if (x == 5) {
            throw new IllegalArgumentException("five");
          }
          return work(x);
        }, range(60));
      } catch (TaskFailedException e) {
        System.out.println("map failed fast");
      }

      try (ResultIterator<Integer> it = pool.imap(ProgressDemoMain::work, range(60))) {
        for (int i = 0; i < 10; i++) {
          it.next();
        }
      }
      System.out.println("imap closed after 10");
    }
  }

  /** 20 ms of work per item, so that the bar is drawn while items run. */
  static int work(int x) {
    long end = System.nanoTime() + 20_000_000L;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
    return x;
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }
}
