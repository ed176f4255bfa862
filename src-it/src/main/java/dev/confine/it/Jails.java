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
 * Shared by the ITs (base /run/confine-it) and confine-bench (its own base), from this module's
 * main jar.
 */
public final class Jails {
  public static final Path BASE = Path.of(System.getProperty("confine.it.jailBase", "/run/confine-it"));

  private Jails() {}

  /** A new empty jail under {@link #BASE}, root-owned 0755, with every component of its path checked. */
  public static Path fresh(String name) {
    return fresh(BASE, name);
  }

  /** A new empty jail under {@code base}, root-owned 0755, with every component of its path checked. */
  public static Path fresh(Path base, String name) {
    try {
      Files.createDirectories(base);
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path jail = Files.createTempDirectory(base, name + "-");
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

  /** A fresh jail under {@code base} holding {@code files} empty files, 1000 to a directory. */
  public static Path withFiles(Path base, String name, int files) {
    Path jail = fresh(base, name);
    try {
      Path dir = jail;
      for (int i = 0; i < files; i++) {
        if (i % 1000 == 0) {
          dir = Files.createDirectory(jail.resolve("d" + (i / 1000)));
        }
        Files.createFile(dir.resolve("f" + i));
      }
      return jail;
    } catch (IOException e) {
      remove(base, jail);
      throw new UncheckedIOException(e);
    }
  }

  /** Removes a jail under {@link #BASE} and everything in it, without following links. */
  public static void remove(Path jail) {
    remove(BASE, jail);
  }

  /** Removes a jail under {@code base} (nothing else) and everything in it, without following links. */
  public static void remove(Path base, Path jail) {
    if (jail == null || !jail.startsWith(base) || jail.equals(base)) {
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
