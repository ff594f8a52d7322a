package dev.procpool.process;

import dev.procpool.Pool;
import java.util.stream.Collectors;

/**
 * An application for {@link ClassDataSharingTest}, run from procpool's jar: one pool of one worker, which
 * logs where its classes come from into {@code w-<pid>.log} in the directory given; prints the worker's
 * process id, then the ids of the processes this JVM still has below it (the archive's training, if any).
 */
public final class ClassDataApp {
  private ClassDataApp() {}

  public static void main(String[] args) {
    long worker;
    try (Pool pool = Pool.builder().processes(1).jvmOptions("-Xlog:class+load=info:file=" + args[0] + "/w-%p.log").build()) {
      worker = pool.apply(() -> ProcessHandle.current().pid());
    }
    System.out.println("worker " + worker + " below " + ProcessHandle.current().descendants()
        .map(p -> Long.toString(p.pid())).collect(Collectors.joining(",")));
  }
}
