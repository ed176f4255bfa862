package dev.confine.internal;

/** One line of /proc/self/mountinfo, reduced to what preflight needs. */
public final class Mount {
  /** Where it is mounted, as this process sees it (octal escapes such as \040 decoded). */
  public final String mountPoint;
  /** The file system type: "proc", "sysfs", "ext4", ... */
  public final String fsType;
  /** The mount source: a device, or a name such as "proc". */
  public final String source;

  public Mount(String mountPoint, String fsType, String source) {
    this.mountPoint = mountPoint;
    this.fsType = fsType;
    this.source = source;
  }

  @Override
  public String toString() {
    return source + " on " + mountPoint + " type " + fsType;
  }
}
