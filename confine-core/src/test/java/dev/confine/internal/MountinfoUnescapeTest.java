package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** /proc/self/mountinfo escapes space, tab, newline and backslash as three octal digits. */
class MountinfoUnescapeTest {
  @Test
  void decodesOctalEscapes() {
    assertEquals("/run/my jail/proc", NativeKernel.unescape("/run/my\\040jail/proc"));
    assertEquals("a\tb\\c", NativeKernel.unescape("a\\011b\\134c"));
  }

  @Test
  void leavesEverythingElseAlone() {
    assertEquals("/proc", NativeKernel.unescape("/proc"));
    assertEquals("a\\9", NativeKernel.unescape("a\\9"));
    assertEquals("end\\04", NativeKernel.unescape("end\\04"));
  }
}
