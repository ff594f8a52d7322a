package dev.procpool.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.CallProgress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BarFormatTest {
  private final BarFormat unicode = new BarFormat(true);
  private final BarFormat ascii = new BarFormat(false);

  private record Figures(String operation, long total, long done, long failed, Duration elapsed)
      implements CallProgress {
    @Override
    public long callId() {
      return 1;
    }
  }

  private static Figures call(long total, long done, long failed, double seconds) {
    return new Figures("map", total, done, failed, Duration.ofMillis((long) (seconds * 1000)));
  }

  @Test
  void aLiveLineShowsTheBarCountsRateTimesAndFailures() {
    String line = unicode.line(call(1000, 630, 3, 4.2), false, 100);
    assertThat(line).isEqualTo("map  63% │██████████████████▉           │ 630/1000  150 items/s  0:04 elapsed, 0:03 left  3 failed");
  }

  @Test
  void theFinalLineShowsTheTimeTakenAndWhetherTheCallStoppedEarly() {
    assertThat(unicode.line(call(60, 60, 0, 1.25), true, 100))
        .isEqualTo("map 100% │██████████████████████████████│ 60/60  48 items/s  in 1.3 s");
    assertThat(unicode.line(call(60, 8, 1, 0.5), true, 100))
        .startsWith("map  13% │████ ").endsWith("│ 8/60  16 items/s  in 0.5 s  1 failed  stopped");
    assertThat(unicode.line(call(60, 60, 0, 75), true, 100)).contains("in 1:15");
  }

  @Test
  void anUnknownTotalIsACount() {
    Figures call = new Figures("imap", -1, 630, 0, Duration.ofSeconds(5));
    assertThat(unicode.line(call, false, 100)).isEqualTo("imap 630 items  126 items/s  0:05 elapsed");
  }

  @Test
  void noRateIsShownBeforeThereIsOne() {
    assertThat(ascii.line(call(10, 0, 0, 0), false, 80)).isEqualTo("map   0% [                              ] 0/10  0:00 elapsed");
  }

  @Test
  void everyLineFitsItsWidthLessOneColumn() {
    for (int width = 10; width <= 200; width++) {
      for (BarFormat format : List.of(unicode, ascii)) {
        for (boolean last : new boolean[] {false, true}) {
          String line = format.line(call(123_456, 65_432, 1_234, 3_725), last, width);
          assertThat(line.length()).as("width %d: %s", width, line).isLessThan(width);
        }
      }
      String several = unicode.line(List.of(call(60, 30, 0, 1), call(-1, 12, 2, 1)), width);
      assertThat(several.length()).as("width %d: %s", width, several).isLessThan(width);
    }
  }

  @Test
  void whatMattersLeastGoesFirstWhenTheTerminalIsNarrow() {
    assertThat(ascii.line(call(40, 40, 1, 1), true, 52)).isEqualTo("map 100% [############] 40/40  40 items/s  1 failed");
    assertThat(ascii.line(call(40, 40, 1, 1), true, 36)).isEqualTo("map 100% [########] 40/40  1 failed");
    assertThat(ascii.line(call(40, 40, 1, 1), true, 26)).isEqualTo("map 100%  40/40  1 failed");
  }

  @Test
  void asciiStaysAscii() {
    String line = ascii.line(call(1000, 650, 0, 2), false, 100);
    assertThat(line.chars().allMatch(c -> c < 128)).as(line).isTrue();
    assertThat(line).startsWith("map  65% [###################>          ] 650/1000");
  }

  @Test
  void severalCallsShareOneLine() {
    Figures imap = new Figures("imap", -1, 12, 2, Duration.ofSeconds(1));
    assertThat(unicode.line(List.of(call(60, 24, 0, 1), imap), 100)).isEqualTo("map  40% 24/60 · imap 12 items 2 failed");
    assertThat(ascii.line(List.of(call(60, 24, 0, 1), imap), 100)).isEqualTo("map  40% 24/60 | imap 12 items 2 failed");
  }

  @Test
  void clockReadsLikeAClock() {
    assertThat(BarFormat.clock(0.4)).isEqualTo("0:00");
    assertThat(BarFormat.clock(65)).isEqualTo("1:05");
    assertThat(BarFormat.clock(3725)).isEqualTo("1:02:05");
  }
}
