package dev.procpool.progress;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a terminal of a given width shows after receiving some bytes: enough of a VT100/xterm to judge
 * a progress bar. It moves the cursor for {@code \r}, {@code \n}, {@code \b} and {@code \t}, wraps the
 * way xterm does (after the last column, on the next character), and understands the CSI sequences
 * that move the cursor or erase (A, B, C, D, G, H, J, K) and ignores colours (m) and modes (h, l). Any
 * other escape sequence fails, so that a test cannot pass over output it does not understand. Lines
 * scroll away never: every line ever written is kept.
 */
final class VirtualTerminal {
  private final int width;
  private final List<StringBuilder> rows = new ArrayList<>();
  private int row;
  private int col;
  /** The last column was written: the next character goes to the next line (xterm's deferred wrap). */
  private boolean wrapPending;

  VirtualTerminal(int width) {
    this.width = width;
    rows.add(new StringBuilder());
  }

  /** Feeds UTF-8 bytes; returns this terminal. */
  VirtualTerminal feed(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == 0x1b) {
        i = escape(text, i);
        continue;
      }
      switch (c) {
        case '\r' -> {
          col = 0;
          wrapPending = false;
        }
        case '\n' -> {
          down(1);
          wrapPending = false;
        }
        case '\b' -> {
          col = Math.max(0, col - 1);
          wrapPending = false;
        }
        case '\t' -> col = Math.min(width - 1, (col / 8 + 1) * 8);
        case 0x07 -> { } // bell
        default -> {
          if (c < 0x20) {
            throw new IllegalArgumentException("unexpected control character 0x" + Integer.toHexString(c));
          }
          put(c);
        }
      }
      i++;
    }
    return this;
  }

  /** The lines on screen, trailing spaces removed, without the empty lines at the bottom. */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    for (StringBuilder r : rows) {
      out.add(r.toString().replaceAll("\\s+$", ""));
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  private void put(char c) {
    if (wrapPending) {
      down(1);
      col = 0;
      wrapPending = false;
    }
    StringBuilder r = rows.get(row);
    while (r.length() <= col) {
      r.append(' ');
    }
    r.setCharAt(col, c);
    if (col == width - 1) {
      wrapPending = true;
    } else {
      col++;
    }
  }

  private void down(int n) {
    row += n;
    while (rows.size() <= row) {
      rows.add(new StringBuilder());
    }
  }

  /** Interprets the escape sequence at {@code start}; returns the index after it. */
  private int escape(String text, int start) {
    if (start + 1 >= text.length() || text.charAt(start + 1) != '[') {
      throw new IllegalArgumentException("unexpected escape sequence at " + start + ": " + printable(text, start));
    }
    int i = start + 2;
    StringBuilder params = new StringBuilder();
    while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == ';' || text.charAt(i) == '?')) {
      params.append(text.charAt(i++));
    }
    if (i >= text.length()) {
      throw new IllegalArgumentException("unfinished escape sequence: " + printable(text, start));
    }
    char command = text.charAt(i);
    String[] args = params.toString().replace("?", "").split(";", -1);
    int n = args[0].isEmpty() ? 1 : Integer.parseInt(args[0]);
    int mode = args[0].isEmpty() ? 0 : Integer.parseInt(args[0]);
    switch (command) {
      case 'A' -> row = Math.max(0, row - n);
      case 'B' -> down(n);
      case 'C' -> col = Math.min(width - 1, col + n);
      case 'D' -> col = Math.max(0, col - n);
      case 'G' -> col = Math.min(width - 1, n - 1);
      case 'H' -> throw new IllegalArgumentException("absolute cursor positioning: a bar must not need it");
      case 'K' -> eraseInLine(mode);
      case 'J' -> eraseInDisplay(mode);
      case 'm', 'h', 'l' -> { } // colours and modes do not change what is written
      default -> throw new IllegalArgumentException("unexpected escape sequence: " + printable(text, start));
    }
    if (command != 'm' && command != 'h' && command != 'l') {
      wrapPending = false;
    }
    return i + 1;
  }

  private void eraseInLine(int mode) {
    StringBuilder r = rows.get(row);
    int from = mode == 0 ? col : 0;
    int to = mode == 1 ? col + 1 : r.length();
    for (int k = from; k < Math.min(to, r.length()); k++) {
      r.setCharAt(k, ' ');
    }
  }

  private void eraseInDisplay(int mode) {
    eraseInLine(mode == 1 ? 1 : mode == 0 ? 0 : 2);
    if (mode == 0 || mode == 2) {
      for (int k = row + 1; k < rows.size(); k++) {
        rows.get(k).setLength(0);
      }
    }
    if (mode == 1 || mode == 2) {
      for (int k = 0; k < row; k++) {
        rows.get(k).setLength(0);
      }
    }
  }

  private static String printable(String text, int start) {
    return text.substring(start, Math.min(text.length(), start + 12)).replace("\u001b", "ESC");
  }
}
