package dev.procpool.progress;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.Charset;

/**
 * What {@link System#out} and {@link System#err} are while a bar shows: every write still goes to the
 * stream it replaces, byte for byte, but through the {@link Screen}, which takes the bar out of the way
 * first and puts it back under the text once the text's line is complete.
 */
final class ScreenStream extends OutputStream {
  private final Screen screen;
  private final PrintStream target;

  private ScreenStream(Screen screen, PrintStream target) {
    this.screen = screen;
    this.target = target;
  }

  /**
   * Wraps {@code target} in a print stream of the same encoding whose output passes through {@code screen}.
   *
   * @param legacyProperty where JDK 17 keeps the stream's encoding when it is not the default one
   */
  static PrintStream wrap(Screen screen, PrintStream target, String legacyProperty) {
    return new Lines(new ScreenStream(screen, target), charsetOf(target, legacyProperty), target);
  }

  /**
   * A print stream whose {@code println} writes the text and its line separator at once: the JDK's
   * writes them one after the other, so that a line of another thread on the other stream (stdout
   * and stderr share the terminal) could land between them, and the bar's redraw with it.
   */
  private static final class Lines extends PrintStream {
    private static final String NL = System.lineSeparator();
    private final PrintStream target;

    Lines(OutputStream out, Charset charset, PrintStream target) {
      super(out, true, charset);
      this.target = target;
    }

    @Override
    public boolean checkError() {
      return super.checkError() || target.checkError();
    }

    @Override
    public void println() {
      print(NL);
    }

    @Override
    public void println(boolean x) {
      print(x + NL);
    }

    @Override
    public void println(char x) {
      print(x + NL);
    }

    @Override
    public void println(int x) {
      print(x + NL);
    }

    @Override
    public void println(long x) {
      print(x + NL);
    }

    @Override
    public void println(float x) {
      print(x + NL);
    }

    @Override
    public void println(double x) {
      print(x + NL);
    }

    @Override
    public void println(char[] x) {
      print(new String(x) + NL);
    }

    @Override
    public void println(String x) {
      print(x + NL);
    }

    @Override
    public void println(Object x) {
      print(x + NL);
    }
  }

  /** The stream's encoding: {@code PrintStream.charset()} from JDK 18, the JDK's own choice before. */
  static Charset charsetOf(PrintStream stream, String legacyProperty) {
    try {
      return (Charset) MethodHandles.publicLookup()
          .findVirtual(PrintStream.class, "charset", MethodType.methodType(Charset.class))
          .invoke(stream);
    } catch (Throwable e) {
      // JDK 17: System.out and System.err encode with sun.stdout/stderr.encoding if set, else the default
    }
    String name = System.getProperty(legacyProperty);
    try {
      return name != null ? Charset.forName(name) : Charset.defaultCharset();
    } catch (IllegalArgumentException e) {
      return Charset.defaultCharset();
    }
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    screen.pass(target, b, off, len);
  }

  @Override
  public void flush() {
    target.flush();
  }

  @Override
  public void close() {
    target.close();
  }
}
