package dev.confine.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every syscall number confine carries, against the kernel's headers on this machine
 * (linux-libc-dev: asm/unistd_64.h for x86_64, asm-generic/unistd.h for aarch64). Calls newer
 * than those headers (open_tree_attr, Linux 6.15) were checked against the kernel's tables by
 * hand and are named below.
 */
class LinuxArchTest {
  private static final List<String> NEWER_THAN_DEBIAN_12_HEADERS = List.of("open_tree_attr");

  private static Map<String, Integer> header(Path file) throws IOException {
    Map<String, Integer> numbers = new HashMap<>();
    Matcher m = Pattern.compile("#define __NR(?:3264)?_(\\w+)\\s+(\\d+)").matcher(Files.readString(file));
    while (m.find()) {
      numbers.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    return numbers;
  }

  private static void check(LinuxArch arch, Path file) throws IOException {
    assumeTrue(Files.isRegularFile(file), "SKIPPED: no " + file + " on this machine (linux-libc-dev)");
    Map<String, Integer> kernel = header(file);
    int checked = 0;
    for (String name : arch.names()) {
      if (NEWER_THAN_DEBIAN_12_HEADERS.contains(name) && !kernel.containsKey(name)) {
        continue;
      }
      assertTrue(kernel.containsKey(name), name + " is not in " + file);
      assertEquals(kernel.get(name), arch.number(name), name + " on " + arch);
      checked++;
    }
    assertTrue(checked > 60, checked + " checked");
  }

  @Test
  void x86_64MatchesTheKernelHeader() throws IOException {
    check(LinuxArch.X86_64, Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"));
  }

  @Test
  void aarch64MatchesTheGenericHeader() throws IOException {
    check(LinuxArch.AARCH64, Path.of("/usr/include/asm-generic/unistd.h"));
  }

  @Test
  void openTreeAttrIs467OnBoth() {
    assertEquals(467, LinuxArch.X86_64.number("open_tree_attr"));
    assertEquals(467, LinuxArch.AARCH64.number("open_tree_attr"));
  }
}
