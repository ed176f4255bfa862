package dev.confine.internal;

import java.util.OptionalLong;

/** What stat(2) says of a file, reduced to what the checks need. */
public final class FileStatus {
  public enum Type { REGULAR, DIRECTORY, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET, OTHER }

  public final Type type;
  /** Permission bits with setuid, setgid and sticky: mode & 07777. */
  public final int permissions;
  public final long uid;
  public final long gid;
  public final long device;
  public final long inode;
  public final long links;
  /**
   * The mount the file was reached through (statx's stx_mnt_id, /proc/self/fdinfo's mnt_id): a
   * bind mount shows the same device and inode as its source, and only this tells them apart.
   * Empty where it was not asked for (the jail walk's entries); never compared then.
   */
  public final OptionalLong mountId;

  /** A status without the mount: {@link #sameFileAndMountAs} refuses to compare it. */
  public FileStatus(Type type, int permissions, long uid, long gid, long device, long inode, long links) {
    this(type, permissions, uid, gid, device, inode, links, OptionalLong.empty());
  }

  public FileStatus(Type type, int permissions, long uid, long gid, long device, long inode, long links, OptionalLong mountId) {
    this.type = type;
    this.permissions = permissions;
    this.uid = uid;
    this.gid = gid;
    this.device = device;
    this.inode = inode;
    this.links = links;
    this.mountId = java.util.Objects.requireNonNull(mountId, "mountId");
  }

  /** Decodes st_mode. */
  public static Type typeOf(int mode) {
    switch (mode & 0170000) {
      case 0100000: return Type.REGULAR;
      case 0040000: return Type.DIRECTORY;
      case 0120000: return Type.SYMLINK;
      case 0020000: return Type.CHAR_DEVICE;
      case 0060000: return Type.BLOCK_DEVICE;
      case 0010000: return Type.FIFO;
      case 0140000: return Type.SOCKET;
      default: return Type.OTHER;
    }
  }

  /**
   * The same file reached through the same mount: what "this directory is the new root" means.
   * Device and inode alone are equal on both sides of a bind mount, and ".." from the bind's
   * source climbs the source's tree, not the jail's (issue 23).
   *
   * @throws IllegalStateException if either status lacks its mount id: a comparison without it
   *     would pass a bind mount's source for the jail, so none is made
   */
  public boolean sameFileAndMountAs(FileStatus other) {
    if (mountId.isEmpty() || other.mountId.isEmpty()) {
      throw new IllegalStateException(
          "cannot compare " + this + " with " + other + ": a status without its mount id cannot tell a bind mount from its source");
    }
    return device == other.device && inode == other.inode && mountId.getAsLong() == other.mountId.getAsLong();
  }

  public boolean groupOrWorldWritable() {
    return (permissions & 0022) != 0;
  }

  @Override
  public String toString() {
    return type + " " + Integer.toOctalString(permissions) + " uid=" + uid + " gid=" + gid + " dev=" + device + " ino=" + inode
        + (mountId.isPresent() ? " mnt=" + mountId.getAsLong() : "");
  }
}
