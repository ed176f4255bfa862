package dev.confine.examples;

import dev.confine.Confinement;
import dev.confine.Credentials;
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
    return listing("/");
  }

  private static String listing(String directory) {
    String[] names = new java.io.File(directory).list();
    if (names == null) {
      return "<unreadable>";
    }
    Arrays.sort(names);
    return String.join(",", names);
  }

  /**
   * The page every example answers with, as this process sees itself now, ending with one line
   * of the example's own ({@code key=value}).
   */
  static String identityPage(Path jail, boolean confined, String key, String value) {
    if (!confined) {
      return unconfinedPage(jail, key, value);
    }
    return identityPage(Confinement.currentCredentials(), jail, rootListing(), Files.exists(Path.of("/etc/passwd")), key, value);
  }

  /**
   * The page of a --no-confine run: the same work per request (the ids, a listing, a lookup of
   * /etc/passwd), but the listing is the jail directory's, so the page is as long as a confined one.
   */
  private static String unconfinedPage(Path jail, String key, String value) {
    Credentials self = Confinement.currentCredentials();
    return "uid=" + self.uids() + "\n"
        + "gid=" + self.gids() + "\n"
        + "groups=" + self.groups() + "\n"
        + "root=" + jail + " (not chrooted: --no-confine; " + jail + " holds: " + listing(jail.toString()) + ")\n"
        + "etc-passwd-visible=" + Files.exists(Path.of("/etc/passwd")) + "\n"
        + key + "=" + value + "\n";
  }

  /**
   * The page in one format for all the examples, so that one parser (the ITs', an operator's
   * grep) reads them all: {@code root=} names the jail as configured and, in brackets, the
   * entries "/" holds, sorted and joined by commas.
   */
  static String identityPage(Credentials self, Path jail, String rootListing, boolean etcPasswdVisible, String key, String value) {
    return "uid=" + self.uids() + "\n"
        + "gid=" + self.gids() + "\n"
        + "groups=" + self.groups() + "\n"
        + "root=" + jail + " (chrooted; \"/\" holds: " + rootListing + ")\n"
        + "etc-passwd-visible=" + etcPasswdVisible + "\n"
        + key + "=" + value + "\n";
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
