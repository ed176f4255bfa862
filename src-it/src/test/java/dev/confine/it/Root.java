package dev.confine.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Integration tests need root; without it they say so and are skipped, never passed. */
final class Root {
  private Root() {}

  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  static void require() {
    assumeTrue(isRoot(), "SKIPPED: confine's integration tests must run as root (they chroot child JVMs); this is not root");
  }
}
