package dev.procpool.progress;

import dev.procpool.Fn;
import dev.procpool.Pool;
import dev.procpool.Progress;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Runs a map with {@code Progress.valueOf(args[0])}, for {@link ProgressBarTest} to watch from outside. */
public final class ProgressDemoMain {
  private ProgressDemoMain() {}

  public static void main(String[] args) {
    Fn<Integer, Integer> f = x -> {
      if (x == 7) {
        throw new IllegalStateException("seven");
      }
      long end = System.nanoTime() + 20_000_000L; // 20 ms of work per item, so the bar redraws
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      return x;
    };
    List<Integer> items = IntStream.range(0, 40).boxed().collect(Collectors.toList());
    try (Pool pool = Pool.builder().threads(2).progress(Progress.valueOf(args[0])).build()) {
      int ok = 0;
      try (var it = pool.imap(f, items)) {
        while (it.hasNext()) {
          try {
            it.next();
            ok++;
          } catch (RuntimeException e) {
            // counted as a failure by the bar
          }
        }
      }
      System.out.println("DONE " + ok);
    }
  }
}
