package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Syscall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The real kernel, through the calls that change nothing: each result is compared with what the
 * JVM or /proc says. No root needed; nothing here confines anything.
 */
class NativeKernelTest {
  private final NativeKernel kernel = NativeKernel.get();

  private static String statusField(String name) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(name + ":")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    throw new AssertionError("no " + name + " in /proc/self/status");
  }

  @Test
  void idsMatchProc() throws Exception {
    String[] uids = statusField("Uid").split("\\s+");
    String[] gids = statusField("Gid").split("\\s+");
    Kernel.Ids u = kernel.getresuid();
    Kernel.Ids g = kernel.getresgid();
    assertEquals(uids[0] + " " + uids[1] + " " + uids[2], u.toString());
    assertEquals(gids[0] + " " + gids[1] + " " + gids[2], g.toString());
    String groups = statusField("Groups");
    List<Long> listed = kernel.getgroups();
    assertEquals(groups.isEmpty() ? 0 : groups.split("\\s+").length, listed.size(), "getgroups() = " + listed + ", Groups: " + groups);
  }

  @Test
  void passwdLookupsAgreeBothWays() throws Exception {
    PasswdEntry root = kernel.getpwnam("root").orElseThrow();
    assertEquals(0, root.uid);
    assertEquals(0, root.gid);
    assertEquals("root", kernel.getpwuid(0).orElseThrow().name);
    assertEquals(Optional.empty(), kernel.getpwnam("no-such-user-confine-test"));
  }

  @Test
  void getcwdIsTheJvmsWorkingDirectory() throws Exception {
    assertEquals(Path.of("").toAbsolutePath().toString(), kernel.getcwd());
  }

  @Test
  void refusesASymlinkAndReportsTheErrno() {
    ErrnoException e = assertThrows(ErrnoException.class, () -> kernel.openDirectoryNoFollow("/proc/self"));
    assertEquals(Syscall.OPEN, e.syscall());
    // open(2): ELOOP for O_NOFOLLOW on a symlink; Linux says ENOTDIR when O_DIRECTORY is given too.
    assertTrue(List.of("ELOOP", "ENOTDIR").contains(e.errnoName()), e.getMessage());
  }

  @Test
  void failedCallsCarryTheirErrno() {
    ErrnoException e = assertThrows(ErrnoException.class, () -> kernel.chdir("/no-such-directory-confine-test"));
    assertEquals(Syscall.CHDIR, e.syscall());
    assertEquals("ENOENT", e.errnoName());
    assertThrows(IllegalArgumentException.class, () -> kernel.chdir("/tmp\0/x"), "a NUL would cut the path short");
  }

  @Test
  void openedDirectoryIsTheOneStatted() throws Exception {
    int fd = kernel.openDirectoryNoFollow("/proc/1");
    try {
      FileStatus opened = kernel.fstat(fd);
      FileStatus named = kernel.lstat("/proc/1").orElseThrow();
      assertEquals(FileStatus.Type.DIRECTORY, opened.type);
      assertEquals(named.inode, opened.inode);
    } finally {
      kernel.close(fd);
    }
  }
}
