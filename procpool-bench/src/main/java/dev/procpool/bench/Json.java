package dev.procpool.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Just enough JSON for the comparison: reads what compare.py prints, writes the results file. */
final class Json {
  private Json() {}

  static Object parse(String s) {
    Json.Reader r = new Json.Reader(s);
    Object v = r.value();
    r.space();
    if (r.at < s.length()) {
      throw r.error("trailing characters");
    }
    return v;
  }

  static String write(Object o) {
    StringBuilder b = new StringBuilder();
    write(b, o);
    return b.toString();
  }

  private static void write(StringBuilder b, Object o) {
    if (o == null) {
      b.append("null");
    } else if (o instanceof String s) {
      b.append('"');
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      b.append('"');
    } else if (o instanceof Double d) {
      b.append(d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.6g", d).trim());
    } else if (o instanceof Number || o instanceof Boolean) {
      b.append(o);
    } else if (o instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          b.append(", ");
        }
        first = false;
        write(b, String.valueOf(e.getKey()));
        b.append(": ");
        write(b, e.getValue());
      }
      b.append('}');
    } else if (o instanceof Iterable<?> it) {
      b.append('[');
      boolean first = true;
      for (Object v : it) {
        if (!first) {
          b.append(", ");
        }
        first = false;
        write(b, v);
      }
      b.append(']');
    } else {
      write(b, o.toString());
    }
  }

  private static final class Reader {
    private final String s;
    int at;

    Reader(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at " + at + " in: " + s);
    }

    void space() {
      while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
        at++;
      }
    }

    Object value() {
      space();
      if (at >= s.length()) {
        throw error("unexpected end");
      }
      char c = s.charAt(at);
      switch (c) {
        case '{': {
          at++;
          Map<String, Object> m = new LinkedHashMap<>();
          space();
          if (s.charAt(at) == '}') {
            at++;
            return m;
          }
          for (;;) {
            space();
            String key = string();
            space();
            expect(':');
            m.put(key, value());
            space();
            if (s.charAt(at) == ',') {
              at++;
            } else {
              expect('}');
              return m;
            }
          }
        }
        case '[': {
          at++;
          List<Object> l = new ArrayList<>();
          space();
          if (s.charAt(at) == ']') {
            at++;
            return l;
          }
          for (;;) {
            l.add(value());
            space();
            if (s.charAt(at) == ',') {
              at++;
            } else {
              expect(']');
              return l;
            }
          }
        }
        case '"':
          return string();
        default:
          if (s.startsWith("true", at)) {
            at += 4;
            return Boolean.TRUE;
          }
          if (s.startsWith("false", at)) {
            at += 5;
            return Boolean.FALSE;
          }
          if (s.startsWith("null", at)) {
            at += 4;
            return null;
          }
          if (s.startsWith("NaN", at)) {
            at += 3;
            return Double.NaN;
          }
          int start = at;
          while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) {
            at++;
          }
          if (start == at) {
            throw error("unexpected character '" + c + "'");
          }
          return Double.parseDouble(s.substring(start, at));
      }
    }

    private void expect(char c) {
      if (at >= s.length() || s.charAt(at) != c) {
        throw error("expected '" + c + "'");
      }
      at++;
    }

    private String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (s.charAt(at) != '"') {
        char c = s.charAt(at++);
        if (c == '\\') {
          char e = s.charAt(at++);
          switch (e) {
            case 'n' -> b.append('\n');
            case 't' -> b.append('\t');
            case 'r' -> b.append('\r');
            case 'b' -> b.append('\b');
            case 'f' -> b.append('\f');
            case 'u' -> {
              b.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
              at += 4;
            }
            default -> b.append(e);
          }
        } else {
          b.append(c);
        }
      }
      at++;
      return b.toString();
    }
  }
}
