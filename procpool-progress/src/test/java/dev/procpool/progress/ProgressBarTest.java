package dev.procpool.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Runs {@link ProgressDemoMain} in a real JVM, once under a pseudo-terminal made by {@code script(1)}
 * and once with plain pipes, and reads what it printed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProgressBarTest {

  @Test
  @EnabledOnOs(OS.LINUX)
  void aTerminalGetsALiveBarWithTotalRateAndFailures() throws Exception {
    String command = String.join(" ", quoted(javaCommand("AUTO")));
    String out = run(List.of("script", "-qfec", command, "/dev/null"));
    assertThat(out).contains("DONE 39");
    assertThat(out).contains("imap");
    assertThat(out).contains("40/40");
    assertThat(out).contains("100%");
    assertThat(out).contains("failed: 1");
    assertThat(out).contains("items/s");
    assertThat(out).contains("\r"); // redrawn in place
  }

  @Test
  void nothingIsDrawnWhenStderrIsNotATerminal() throws Exception {
    String out = run(javaCommand("AUTO"));
    assertThat(out).isEqualTo("DONE 39\n");
  }

  @Test
  void alwaysPrintsPlainLinesWhenStderrIsNotATerminal() throws Exception {
    String out = run(javaCommand("ALWAYS"));
    assertThat(out).contains("DONE 39").contains("40/40").contains("failed: 1");
    assertThat(out).doesNotContain("\r").doesNotContain("\u001b[");
  }

  private static List<String> javaCommand(String progress) {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
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

  /** Runs the command with stdout and stderr merged; returns all it printed. */
  private static String run(List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("progress", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.PIPE).start();
      p.getOutputStream().close();
      if (!p.waitFor(45, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("demo did not finish: " + Files.readString(log));
      }
      return Files.readString(log, StandardCharsets.UTF_8).replace("\r\n", "\n");
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
