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
  /** The directory of its file system that is mounted there (mountinfo's fourth field): "/" for a whole one. */
  public final String root;
  /** The file system's own options (mountinfo's last field): a cgroup v1 hierarchy names its controllers there. */
  public final List<String> superOptions;

  public Mount(String mountPoint, String fsType, String source, List<String> options) {
    this(mountPoint, fsType, source, options, "/", List.of());
  }

  public Mount(String mountPoint, String fsType, String source, List<String> options, String root, List<String> superOptions) {
    this.mountPoint = mountPoint;
    this.fsType = fsType;
    this.source = source;
    this.options = List.copyOf(options);
    this.root = root;
    this.superOptions = List.copyOf(superOptions);
  }

  @Override
  public String toString() {
    return source + " on " + mountPoint + " type " + fsType + " (" + String.join(",", options) + ")";
  }
}
