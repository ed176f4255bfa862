package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.PreflightReport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints how long {@code policy.check()} takes on jails of 1k, 10k and 100k files, and with 10k
 * open descriptors. A program, not a timed test: figures depend on the machine. Run as root (the
 * jails live under the root-owned /run/confine-it), with RLIMIT_NOFILE above 10k:
 *
 * <pre>
 * sh -c 'ulimit -n 20000 && exec java -cp "src-it/target/confine-it-children.jar:$(cat src-it/target/child-classpath.txt)" dev.confine.it.PreflightBenchmark'
 * </pre>
 *
 * Never confines: check() only reads.
 */
public final class PreflightBenchmark {
  private static final int RUNS = 7;

  private PreflightBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/run/confine-it");
    Files.createDirectories(base);
    System.out.println("java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cpus, " + RUNS
        + " runs each after 2 warm-ups; times in ms (min / median / max)");
    Path small = null;
    List<Path> jails = new ArrayList<>();
    try {
      for (int files : new int[] {1_000, 10_000, 100_000}) {
        Path jail = jail(base, files);
        jails.add(jail);
        if (small == null) {
          small = jail;
        }
        report("jail of " + files + " files", policy(jail));
      }
      List<FileChannel> open = new ArrayList<>();
      Path target = small.resolve("d0/f0");
      try {
        for (int i = 0; i < 10_000; i++) {
          open.add(FileChannel.open(target, StandardOpenOption.READ));
        }
        report("jail of 1000 files, 10000 extra open fds (" + countFds() + " in all)", policy(small));
      } finally {
        for (FileChannel channel : open) {
          channel.close();
        }
      }
    } finally {
      for (Path jail : jails) {
        Jails.remove(base, jail);
      }
    }
  }

  private static ConfinementPolicy policy(Path jail) {
    return Confinement.builder().root(jail).user(64999).group(64999).build();
  }

  private static void report(String what, ConfinementPolicy policy) {
    PreflightReport last = null;
    for (int i = 0; i < 2; i++) {
      last = policy.check();
    }
    long[] times = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t = System.nanoTime();
      last = policy.check();
      times[i] = System.nanoTime() - t;
    }
    Arrays.sort(times);
    System.out.printf("%-60s %8.1f / %8.1f / %8.1f   (%d findings, %d errors)%n",
        what, times[0] / 1e6, times[RUNS / 2] / 1e6, times[RUNS - 1] / 1e6, last.findings().size(), last.errors().size());
  }

  /** A root-owned 0755 jail of {@code files} regular files, 100 to a directory. */
  private static Path jail(Path base, int files) throws IOException {
    Path jail = Files.createTempDirectory(base, "bench-" + files + "-");
    Files.setPosixFilePermissions(jail, PosixFilePermissions.fromString("rwxr-xr-x"));
    byte[] content = "x\n".getBytes();
    for (int i = 0; i < files; i++) {
      Path dir = jail.resolve("d" + (i / 100));
      if (i % 100 == 0) {
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      Path file = Files.write(dir.resolve("f" + (i % 100)), content);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
    return jail;
  }

  private static long countFds() throws IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}
