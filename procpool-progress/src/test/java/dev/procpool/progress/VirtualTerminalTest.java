package dev.procpool.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The judge of ProgressBarTest must itself be right: what an xterm would show. */
class VirtualTerminalTest {

  private static VirtualTerminal shown(int width, String bytes) {
    return new VirtualTerminal(width).feed(bytes.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void carriageReturnRewritesTheLineAndEraseClearsItsRest() {
    assertThat(shown(20, "map  10%\rmap 100% done\r\u001b[Kmap 100%\r\n").lines()).containsExactly("map 100%");
  }

  @Test
  void aLineFeedKeepsTheColumn() {
    assertThat(shown(20, "abc\ndef").lines()).containsExactly("abc", "   def");
  }

  @Test
  void theLastColumnWrapsOnlyWhenTheNextCharacterComes() {
    // zsh's PROMPT_SP: a full line of spaces then \r stays on the line when the cursor was at its start...
    assertThat(shown(5, "     \rbar").lines()).containsExactly("bar");
    // ...and goes to the next one when it was not, leaving the unfinished line whole.
    assertThat(shown(5, "ab     \rbar").lines()).containsExactly("ab", "bar");
    assertThat(shown(5, "abcdefg").lines()).containsExactly("abcde", "fg");
  }

  @Test
  void cursorMovesAndColoursAreUnderstood() {
    assertThat(shown(20, "one\r\ntwo\u001b[1A\rONE\u001b[1B\r\u001b[33mTWO\u001b[0m").lines()).containsExactly("ONE", "TWO");
  }

  @Test
  void anUnknownSequenceIsRejected() {
    assertThatThrownBy(() -> shown(20, "\u001b[5;5H")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> shown(20, "\u001b]0;title\u0007")).isInstanceOf(IllegalArgumentException.class);
  }
}
