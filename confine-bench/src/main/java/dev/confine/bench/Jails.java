package dev.confine.bench;

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

/** Fresh jails under a root-owned 0755 base (never /tmp: world-writable), removed afterwards. */
final class Jails {
  static final Path BASE = Path.of(System.getProperty("confine.bench.jailBase", "/run/confine-bench"));

  private Jails() {}

  static Path fresh(String name) {
    try {
      Files.createDirectories(BASE);
      Files.setPosixFilePermissions(BASE, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path jail = Files.createTempDirectory(BASE, name + "-");
      Files.setPosixFilePermissions(jail, PosixFilePermissions.fromString("rwxr-xr-x"));
      for (Path p = jail; p != null; p = p.getParent()) {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        if ((Integer) a.get("uid") != 0 || ((Integer) a.get("mode") & 0022) != 0) {
          throw new IllegalStateException(p + " is not root-owned and 0755-like: jails cannot live under it");
        }
      }
      return jail;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh jail holding {@code files} empty files, 1000 to a directory. */
  static Path withFiles(String name, int files) {
    Path jail = fresh(name);
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
      remove(jail);
      throw new UncheckedIOException(e);
    }
  }

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
