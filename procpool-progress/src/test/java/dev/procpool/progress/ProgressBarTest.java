package dev.procpool.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Runs {@link ProgressDemoMain} in a real JVM, under a pseudo-terminal made by {@code script(1)} or with
 * plain pipes, and reads what it printed: for a terminal, what the screen shows once the bytes have
 * gone through a {@link VirtualTerminal} of the pseudo-terminal's width.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProgressBarTest {
  /** Where the JDK 25 run finds its java; -Dprocpool.test.jdk25=/path/to/bin/java to choose another. */
  private static final String JDK25 = System.getProperty(
      "procpool.test.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

  /** The bar lines: an operation, then a percentage; a program line never starts like that. */
  private static final Pattern BAR = Pattern.compile("^(imap|map) +\\d+% .*");

  @Test
  @EnabledOnOs(OS.LINUX)
  void aTerminalShowsTheProgramsLinesIntactAndOneFinalLinePerCall() throws Exception {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    assertScreen(runOnTerminal(java, 100, "C.UTF-8"), 100, true);
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aNarrowAsciiTerminalGetsLinesThatFitIt() throws Exception {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    assertScreen(runOnTerminal(java, 52, "C"), 52, false);
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void jdk25ShowsTheSameAndNoWarnings() throws Exception {
    Path java = Runtime.version().feature() >= 25
        ? Paths.get(System.getProperty("java.home"), "bin", "java")
        : Paths.get(JDK25);
    String skipped = "no JDK 25 at " + java + ": the JDK 25 run of the progress bar is skipped;"
        + " give one with -Dprocpool.test.jdk25=/path/to/bin/java";
    if (!Files.isExecutable(java)) {
      System.err.println(skipped); // surefire shows a skip's reason only in its reports
    }
    assumeTrue(Files.isExecutable(java), skipped);
    assertScreen(runOnTerminal(java, 100, "C.UTF-8"), 100, true);
  }

  @Test
  void nothingIsDrawnWhenStderrIsNotATerminal() throws Exception {
    String out = runWithPipes("AUTO");
    assertThat(out).contains("imap: 39 ok, 1 failed", "map: 30 results", "imap closed after 10");
    assertThat(out).doesNotContain("%").doesNotContain("\r").doesNotContain("\u001b[");
  }

  @Test
  void alwaysPrintsPlainLinesWhenStderrIsNotATerminal() throws Exception {
    String out = runWithPipes("ALWAYS");
    assertThat(out).doesNotContain("\r").doesNotContain("\u001b[");
    List<String> finals = out.lines().filter(l -> BAR.matcher(l).matches() && l.contains(" in ")).toList();
    assertThat(finals).hasSize(4);
    assertThat(finals.get(0)).startsWith("imap 100% [").contains("40/40", "1 failed");
    assertThat(finals.get(1)).startsWith("map 100% [").contains("30/30");
  }

  /**
   * The screen, as a person would read it: every line the program printed, whole, in order; one line
   * per call showing where it ended, printed before anything the program printed after the call.
   */
  private static void assertScreen(Screenful screen, int width, boolean unicode) {
    List<String> lines = screen.lines;
    String shown = String.join("\n", lines);
    assertThat(lines).as("no line may be longer than the terminal (it would wrap):\n%s", shown)
        .allSatisfy(l -> assertThat(l.length()).isLessThan(width));
    assertThat(shown).as("warnings on the screen").doesNotContainIgnoringCase("warning");
    assertThat(screen.raw).as("a live bar was drawn while the first call ran").contains("imap   0%");

    assertThat(lines.get(0)).isEqualTo("INFO: demo starts");
    assertThat(lines.get(1)).isEqualTo("Hashing files...");
    // What was printed while the first bar showed, in whichever order the threads printed it.
    assertThat(lines.subList(2, 7)).as(shown).containsExactlyInAnyOrder(
        "took 10", "took 20", "took 30", "task 20 says hello", "INFO: task 30 logs");
    assertThat(lines.subList(7, lines.size())).as(shown).hasSize(8);

    String imap = lines.get(7);
    assertThat(imap).as(shown).matches(BAR).startsWith("imap 100% " + (unicode ? "│█" : "[#"))
        .contains("40/40", "1 failed").doesNotContain("stopped");
    assertThat(lines.get(8)).isEqualTo("imap: 39 ok, 1 failed");

    String map = lines.get(9);
    assertThat(map).as(shown).matches(BAR).startsWith("map 100% ").contains("30/30").doesNotContain("failed");
    assertThat(lines.get(10)).isEqualTo("map: 30 results");

    String failFast = lines.get(11);
    assertThat(failFast).as(shown).matches(BAR).startsWith("map ").contains("/60", "1 failed", "stopped");
    assertThat(lines.get(12)).isEqualTo("map failed fast");

    String closed = lines.get(13);
    assertThat(closed).as(shown).matches(BAR).startsWith("imap ").contains("/60", "stopped");
    assertThat(lines.get(14)).isEqualTo("imap closed after 10");
  }

  private record Screenful(List<String> lines, String raw) {}

  /** Runs the demo under a pseudo-terminal of {@code width} columns; returns what its screen shows. */
  private static Screenful runOnTerminal(Path java, int width, String locale) throws Exception {
    assumeTrue(Files.isExecutable(Paths.get("/usr/bin/script")), "script(1) from util-linux is needed");
    String command = "stty cols " + width + " rows 40; " + String.join(" ", quoted(demo(java, "AUTO")));
    byte[] bytes = run(List.of("/usr/bin/script", "-qfec", command, "/dev/null"), locale);
    return new Screenful(new VirtualTerminal(width).feed(bytes).lines(), new String(bytes, StandardCharsets.UTF_8));
  }

  private static String runWithPipes(String progress) throws Exception {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    return new String(run(demo(java, progress), "C.UTF-8"), StandardCharsets.UTF_8);
  }

  private static List<String> demo(Path java, String progress) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ProgressDemoMain.class.getName());
    cmd.add(progress);
    return cmd;
  }

  private static List<String> quoted(List<String> words) {
    List<String> out = new ArrayList<>();
    for (String w : words) {
      out.add("'" + w.replace("'", "'\\''") + "'");
    }
    return out;
  }

  /** Runs the command with stdout and stderr merged, and returns all it printed; leaves no process behind. */
  private static byte[] run(List<String> command, String locale) throws IOException, InterruptedException {
    Path log = Files.createTempFile("progress", ".out");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    pb.environment().put("LANG", locale);
    pb.environment().put("LC_ALL", locale);
    Process p = pb.start();
    try {
      p.getOutputStream().close();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the demo did not finish within 60 s; it printed:\n"
            + Files.readString(log, StandardCharsets.UTF_8));
      }
      byte[] out = Files.readAllBytes(log);
      assertThat(p.exitValue()).as("exit code; the demo printed:\n%s", new String(out, StandardCharsets.UTF_8))
          .isZero();
      return out;
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }
}
