package dev.procpool.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.Pool;
import dev.procpool.process.ProcessTests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A pool's channel is private: no port, a directory only this user can enter, a secret nobody else sees. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivacyTest {

  @Test
  void theSocketsLiveBrieflyInAPrivateDirectoryAndTheSecretIsNeverOnACommandLineOrInTheEnvironment()
      throws Exception {
    AtomicReference<ProcessBackend> backend = new AtomicReference<>();
    Path dir;
    try (Pool pool = Pool.builder().name("private").backend(settings -> {
      ProcessBackend b = new ProcessBackend(settings, ProcessOptions.DEFAULTS);
      backend.set(b);
      return b;
    }, 2).build()) {
      List<Long> pids = pool.map(x -> ProcessHandle.current().pid(), ProcessTests.range(40), 1);
      dir = backend.get().directory().path;
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (Stream<Path> files = Files.list(dir)) {
          return files.noneMatch(f -> f.getFileName().toString().startsWith("w"));
        }
      });
      byte[] secret = backend.get().secret();
      for (long pid : pids.stream().distinct().toList()) {
        for (String file : List.of("cmdline", "environ")) {
          byte[] content = Files.readAllBytes(Path.of("/proc", Long.toString(pid), file));
          assertThat(indexOf(content, secret)).as("the secret in /proc/%d/%s", pid, file).isEqualTo(-1);
        }
        assertThat(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))))
            .contains(WorkerMain.class.getName());
      }
    }
    assertThat(Files.exists(dir)).as("the directory is removed with the pool").isFalse();
    ProcessTests.assertNoProcessLeft();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
