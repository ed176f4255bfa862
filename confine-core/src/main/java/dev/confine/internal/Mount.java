package dev.confine.internal;

import java.util.List;

/** One line of /proc/self/mountinfo, reduced to what preflight needs. */
public final class Mount {
  /** Where it is mounted, as this process sees it (octal escapes such as \040 decoded). */
  public final String mountPoint;
  /** The file system type: "proc", "sysfs", "ext4", ... */
  public final String fsType;
  /** The mount source: a device, or a name such as "proc". */
  public final String source;
  /** The per-mount options (mountinfo's sixth field): "rw", "nosuid", "nodev", "noexec", ... */
  public final List<String> options;

  public Mount(String mountPoint, String fsType, String source, List<String> options) {
    this.mountPoint = mountPoint;
    this.fsType = fsType;
    this.source = source;
    this.options = List.copyOf(options);
  }

  @Override
  public String toString() {
    return source + " on " + mountPoint + " type " + fsType + " (" + String.join(",", options) + ")";
  }
}
