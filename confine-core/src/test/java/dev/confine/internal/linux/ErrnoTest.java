package dev.confine.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErrnoTest {
  @Test
  void namesAndTextsOfTheValuesConfineMeets() {
    assertEquals("EPERM", Errno.name(1));
    assertEquals("ENOENT", Errno.name(Errno.ENOENT));
    assertEquals("No such file or directory", Errno.text(2));
    assertEquals("ENOSYS", Errno.name(38));
    assertEquals("EHWPOISON", Errno.name(133));
  }

  @Test
  void aSharedNumberShowsOneNameAndEveryNameResolves() {
    assertEquals("EAGAIN", Errno.name(Errno.EWOULDBLOCK));
    assertEquals("ENOTSUP", Errno.name(Errno.EOPNOTSUPP));
    assertEquals(95, Errno.byName("EOPNOTSUPP"));
    assertEquals(95, Errno.byName("ENOTSUP"));
    assertEquals(35, Errno.byName("EDEADLK"));
    assertEquals(Errno.ELOOP, Errno.byName("ELOOP"));
  }

  @Test
  void numbersLinuxLeavesUnusedAreNamedByNumber() {
    assertEquals("errno 0", Errno.name(0));
    assertEquals("errno 41", Errno.name(41));
    assertEquals("errno 134", Errno.name(134));
    assertEquals("errno -1", Errno.name(-1));
    assertEquals("unknown error", Errno.text(9999));
  }

  @Test
  void anUnknownNameIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Errno.byName("ENOPE"));
    assertTrue(e.getMessage().contains("ENOPE"), e.getMessage());
  }

  /** The kernel's own header, where the machine has it: every name and number agree. */
  @Test
  void agreesWithTheKernelHeaderWhereInstalled() throws Exception {
    java.nio.file.Path header = java.nio.file.Path.of("/usr/include/asm-generic/errno.h");
    java.nio.file.Path base = java.nio.file.Path.of("/usr/include/asm-generic/errno-base.h");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(header) && java.nio.file.Files.exists(base), "no kernel headers here");
    java.util.regex.Pattern define = java.util.regex.Pattern.compile("#define\\s+(E[A-Z0-9]+)\\s+(\\d+)\\b");
    int checked = 0;
    for (java.nio.file.Path file : java.util.List.of(base, header)) {
      for (String line : java.nio.file.Files.readAllLines(file)) {
        java.util.regex.Matcher m = define.matcher(line);
        if (m.find()) {
          assertEquals(Integer.parseInt(m.group(2)), Errno.byName(m.group(1)), m.group(1));
          checked++;
        }
      }
    }
    assertTrue(checked > 120, "only " + checked + " definitions read");
  }
}
