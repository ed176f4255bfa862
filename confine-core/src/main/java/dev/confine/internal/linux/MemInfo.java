package dev.confine.internal.linux;

import java.util.OptionalLong;

/** The one parser of /proc/meminfo; confine needs its first line alone. */
public final class MemInfo {
  private MemInfo() {}

  /** "MemTotal:       24567890 kB" in bytes: the machine's memory, which the JVM reports without its cgroup's limit. */
  public static OptionalLong totalBytes(String meminfo) {
    for (String line : meminfo.split("\n")) {
      if (line.startsWith("MemTotal:")) {
        String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
        try {
          long value = Long.parseLong(parts[0]);
          return OptionalLong.of(parts.length > 1 && parts[1].equals("kB") ? value * 1024 : value);
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }
}
