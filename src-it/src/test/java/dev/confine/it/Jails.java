package dev.confine.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Fresh jails under a root-owned 0755 base. /tmp cannot hold them: it is world-writable, and
 * OpenSSH's rule (every component of the path root-owned, not group or world writable) fails.
 */
final class Jails {
  static final Path BASE = Path.of(System.getProperty("confine.it.jailBase", "/run/confine-it"));

  private Jails() {}

  /** A new empty jail, root-owned 0755, with every component of its path checked. */
  static Path fresh(String name) {
    try {
      Files.createDirectories(BASE);
      Files.setPosixFilePermissions(BASE, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path jail = Files.createTempDirectory(BASE, name + "-");
      Files.setPosixFilePermissions(jail, PosixFilePermissions.fromString("rwxr-xr-x"));
      for (Path p = jail; p != null; p = p.getParent()) {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        if ((Integer) a.get("uid") != 0 || (mode & 0022) != 0) {
          throw new IllegalStateException(p + " is not root-owned and 0755-like: jails cannot live under it");
        }
      }
      return jail;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes a jail and everything in it, without following links. */
  static void remove(Path jail) {
    if (jail == null || !jail.startsWith(BASE) || jail.equals(BASE)) {
      return;
    }
    try {
      if (!Files.exists(jail, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      Files.walkFileTree(
          jail,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              Files.delete(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
