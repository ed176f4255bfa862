package dev.confine.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** What the examples share: making their jail, and running for a bounded time or for ever. */
final class Runs {
  private Runs() {}

  /** Makes the jail root-owned 0755 if missing (its parents must already be root-owned, not writable by others). */
  static Path jail(Path root) throws IOException {
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    return root;
  }

  /** Writes a world-readable file inside the jail unless it is already there. */
  static void file(Path path, String content) throws IOException {
    Files.createDirectories(path.getParent());
    if (!Files.exists(path)) {
      Files.writeString(path, content);
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /** "/"'s entries as the process sees them now: after apply(), the jail's. */
  static String rootListing() {
    String[] names = new java.io.File("/").list();
    if (names == null) {
      return "<unreadable>";
    }
    Arrays.sort(names);
    return String.join(",", names);
  }

  /** Blocks for {@code seconds} (then runs {@code stop} and exits 0), or for ever when 0. */
  static void runFor(long seconds, Runnable stop) throws InterruptedException {
    CountDownLatch never = new CountDownLatch(1);
    if (seconds > 0) {
      never.await(seconds, TimeUnit.SECONDS);
      stop.run();
      System.exit(0);
    }
    never.await();
  }
}
