package dev.procpool.progress;

import dev.procpool.CallProgress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Turns calls' figures into the text of one line, never wider than asked: what a bar says, whatever
 * draws it. Stateless; thread-safe.
 */
final class BarFormat {
  /** The widest bar, in cells: beyond it a wider terminal only stretches the picture. */
  private static final int MAX_CELLS = 30;
  /** The narrowest bar worth drawing; below it the counts say enough. */
  private static final int MIN_CELLS = 8;
  private static final String EIGHTHS = " ▏▎▍▌▋▊▉";

  private final boolean unicode;

  /**
   * @param unicode whether the terminal's encoding has the box and block characters; otherwise ASCII
   */
  BarFormat(boolean unicode) {
    this.unicode = unicode;
  }

  /**
   * One call's line: {@code map  63% │████▊     │ 630/1000  148 items/s  0:04 elapsed, 0:02 left  3 failed}.
   * While running it gives the time left; once over ({@code last}), the time it took, and
   * {@code stopped} if it ended before all its items had an outcome.
   */
  String line(CallProgress call, boolean last, int width) {
    long total = call.total();
    long done = call.done();
    long failed = call.failed();
    double seconds = call.elapsed().toNanos() / 1e9;
    double rate = seconds >= 0.05 && done > 0 ? done / seconds : -1;
    boolean known = total >= 0;

    String head = call.operation()
        + (known ? String.format(Locale.ROOT, " %3d%%", percent(done, total)) : " " + done + " items");
    String counts = known ? done + "/" + total : "";
    String speed = rate < 0 ? "" : rateText(rate) + " items/s";
    String time;
    if (last) {
      time = "in " + (seconds < 60 ? String.format(Locale.ROOT, "%.1f s", seconds) : clock(seconds));
    } else if (known && rate > 0 && done < total) {
      time = clock(seconds) + " elapsed, " + clock(Math.ceil((total - done) / rate)) + " left";
    } else {
      time = clock(seconds) + " elapsed";
    }
    String tail = (failed > 0 ? "  " + failed + " failed" : "") + (last && known && done < total ? "  stopped" : "");

    // Drop what matters least until the line fits: the time, then the rate, then the bar.
    String[][] tries = {
      {head, counts, speed, time},
      {head, counts, speed},
      {head, counts},
    };
    if (known) {
      for (String[] parts : tries) {
        int room = width - 1 - (join(parts) + tail).length() - 2; // the bar's ends; its spaces replace a separator
        if (room >= MIN_CELLS) {
          return parts[0] + " " + bar(done, total, Math.min(MAX_CELLS, room)) + " " + join(rest(parts)) + tail;
        }
      }
    }
    for (String[] parts : tries) {
      String text = join(parts) + tail;
      if (text.length() <= width - 1) {
        return text;
      }
    }
    return cut(join(tries[tries.length - 1]) + tail, width - 1);
  }

  /** Several calls at once on one line: {@code map  40% 24/60 · imap 12 items}. */
  String line(List<? extends CallProgress> calls, int width) {
    StringBuilder text = new StringBuilder();
    for (CallProgress call : calls) {
      if (text.length() > 0) {
        text.append(unicode ? " · " : " | ");
      }
      long total = call.total();
      text.append(call.operation());
      if (total >= 0) {
        text.append(String.format(Locale.ROOT, " %3d%% ", percent(call.done(), total)))
            .append(call.done()).append('/').append(total);
      } else {
        text.append(' ').append(call.done()).append(" items");
      }
      if (call.failed() > 0) {
        text.append(' ').append(call.failed()).append(" failed");
      }
    }
    return cut(text.toString(), width - 1);
  }

  private String bar(long done, long total, int cells) {
    long eighths = total == 0 ? 8L * cells : Math.min(8L * cells, 8L * cells * done / total);
    StringBuilder b = new StringBuilder(cells + 2);
    b.append(unicode ? '│' : '[');
    for (int i = 0; i < cells; i++) {
      long fill = Math.max(0, Math.min(8, eighths - 8L * i));
      b.append(unicode ? (fill == 8 ? '█' : EIGHTHS.charAt((int) fill)) : (fill == 8 ? '#' : fill > 0 ? '>' : ' '));
    }
    return b.append(unicode ? '│' : ']').toString();
  }

  private String cut(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    String ellipsis = unicode ? "…" : "...";
    return max <= ellipsis.length() ? text.substring(0, Math.max(0, max)) : text.substring(0, max - ellipsis.length()) + ellipsis;
  }

  private static int percent(long done, long total) {
    return total <= 0 ? 100 : (int) Math.min(100, 100 * done / total);
  }

  private static String rateText(double rate) {
    return rate < 10 ? String.format(Locale.ROOT, "%.1f", rate) : String.valueOf(Math.round(rate));
  }

  /** Whole seconds as {@code m:ss} under an hour, {@code h:mm:ss} beyond. */
  static String clock(double seconds) {
    Duration d = Duration.ofSeconds((long) Math.max(0, seconds));
    long h = d.toHours();
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, d.toMinutesPart(), d.toSecondsPart())
        : String.format(Locale.ROOT, "%d:%02d", d.toMinutes(), d.toSecondsPart());
  }

  private static String join(String[] parts) {
    StringBuilder b = new StringBuilder();
    for (String p : parts) {
      if (!p.isEmpty()) {
        b.append(b.length() == 0 ? "" : "  ").append(p);
      }
    }
    return b.toString();
  }

  private static String[] rest(String[] parts) {
    String[] r = new String[parts.length - 1];
    System.arraycopy(parts, 1, r, 0, r.length);
    return r;
  }
}
