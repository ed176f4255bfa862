package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.internal.linux.Errno;
import dev.confine.internal.linux.LinuxArch;
import dev.confine.internal.linux.OpenFlags;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What issue 28's walk leans on: the binding's directory reader (getdents64 and statx through
 * buffers kept for the walk) gives a name's status, and errno when the name is gone, as the array
 * calls do; and an entry the visitor passes is neither visited nor stops the walk from entering a
 * directory. No root needed.
 */
class WalkReaderTest {
  @TempDir Path tree;

  @Test
  void theReaderStatsEachListedNameAndSaysEnoentForOneRemovedSince() throws Exception {
    Files.createFile(tree.resolve("kept"));
    Files.createFile(tree.resolve("gone"));
    LibC libc = NativeKernel.bindLibC();
    byte[] entries = new byte[4096];
    byte[] statx = new byte[256];
    List<String> seen = new ArrayList<>();
    int fd = libc.open(tree.toString(), OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
    assertTrue(fd >= 0, "open " + tree);
    try (LibC.DirectoryReader reader = libc.directoryReader(LinuxArch.current().orElseThrow().number("getdents64"), entries, statx)) {
      long n = reader.list(fd);
      assertTrue(n > 0, "getdents64 listed nothing");
      Files.delete(tree.resolve("gone"));
      for (int at = 0; at < n; ) {
        int reclen = (entries[at + 16] & 0xff) | (entries[at + 17] & 0xff) << 8;
        int name = at + 19;
        at += reclen;
        int end = name;
        while (entries[end] != 0) {
          end++;
        }
        String file = new String(entries, name, end - name, StandardCharsets.UTF_8);
        int result = reader.statx(fd, name, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x11f);
        if (file.equals("gone")) {
          assertEquals(-1, result, "statx of a name removed after the listing");
          assertEquals(Errno.ENOENT, libc.errno());
        } else {
          assertEquals(0, result, "statx of " + file);
          FileStatus status = NativeKernel.fromStatx(statx);
          assertEquals(Files.getAttribute(tree.resolve(file), "unix:ino"), status.inode, file);
        }
        seen.add(file);
      }
      assertEquals(new TreeSet<>(List.of(".", "..", "kept", "gone")), new TreeSet<>(seen));
      // Control: the listing is at its end, and a closed descriptor fails with EBADF.
      assertEquals(0, reader.list(fd));
      libc.close(fd);
      fd = -1;
      assertEquals(-1, reader.list(99999));
      assertEquals(Errno.EBADF, libc.errno());
    } finally {
      if (fd >= 0) {
        libc.close(fd);
      }
    }
  }

  @Test
  void anEntryTheVisitorPassesIsNotVisitedAndItsDirectoryIsStillEntered() throws Exception {
    Files.createDirectories(tree.resolve("a/b"));
    Files.createFile(tree.resolve("a/b/passed"));
    Files.createFile(tree.resolve("a/visited"));
    Set<String> visited = new TreeSet<>();
    Set<String> asked = new TreeSet<>();
    NativeKernel.get().walk(tree.toString(), Set.of(), new Kernel.WalkVisitor() {
      @Override
      public void visit(String path, FileStatus status) {
        visited.add(tree.relativize(Path.of(path)).toString());
      }

      @Override
      public boolean passes(FileStatus status) {
        asked.add(status.type.name());
        return status.type == FileStatus.Type.REGULAR && status.inode != inode("a/visited");
      }
    });
    assertEquals(new TreeSet<>(List.of("", "a", "a/b", "a/visited")), visited);
    // A directory is never offered: it is always visited, and entered.
    assertEquals(Set.of("REGULAR"), asked);
  }

  private long inode(String relative) {
    try {
      return (Long) Files.getAttribute(tree.resolve(relative), "unix:ino");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
