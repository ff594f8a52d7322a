package dev.procpool.internal.process;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * A directory only this user can enter (mode 0700), holding the pool's sockets while workers connect:
 * no other user can connect to a socket in it, whatever the socket file's own mode. Unix domain socket
 * paths are limited to about 100 bytes, so a long {@code java.io.tmpdir} falls back to {@code /tmp}.
 */
final class PrivateDirectory {
  /** Room left for "/w" and a worker id within the ~108-byte sun_path limit. */
  private static final int MAX_DIR_LENGTH = 80;

  final Path path;

  private PrivateDirectory(Path path) {
    this.path = path;
  }

  static PrivateDirectory create() throws IOException {
    Path base = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    if (base.toString().length() > MAX_DIR_LENGTH - 20 && Files.isDirectory(Path.of("/tmp"))) {
      base = Path.of("/tmp");
    }
    Path dir;
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      dir = createPrivate(base);
    } else {
      dir = Files.createTempDirectory(base, "procpool-"); // per-user temp directory elsewhere
    }
    if (dir.toString().length() > MAX_DIR_LENGTH) {
      Files.delete(dir);
      throw new IOException("the temporary directory " + dir + " is too long a path for a Unix domain socket;"
          + " set java.io.tmpdir to a shorter directory");
    }
    return new PrivateDirectory(dir);
  }

  /**
   * Files.createTempDirectory's job, with a name from {@link Auth#randomBytes()}: its own SecureRandom
   * would load the security providers before the first worker starts. Creating the directory fails if
   * the name exists, so nobody can have prepared it.
   */
  private static Path createPrivate(Path base) throws IOException {
    for (int attempt = 0; ; attempt++) {
      byte[] random = Auth.randomBytes();
      StringBuilder name = new StringBuilder("procpool-");
      for (int i = 0; i < 8; i++) {
        name.append(Character.forDigit((random[i] >> 4) & 0xf, 16)).append(Character.forDigit(random[i] & 0xf, 16));
      }
      try {
        return Files.createDirectory(base.resolve(name.toString()),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt >= 10) {
          throw e;
        }
      }
    }
  }

  Path socket(int workerId) {
    return path.resolve("w" + workerId);
  }

  Path file(String name) {
    return path.resolve(name);
  }

  /** Deletes the directory and what is left in it; quietly, as it may already be gone. */
  void delete() {
    try (Stream<Path> files = Files.list(path)) {
      files.forEach(f -> {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          // left for the OS's temp cleaning
        }
      });
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // already gone, or left for the OS's temp cleaning
    }
  }
}
