package dev.confine.internal;

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

  public FileStatus(Type type, int permissions, long uid, long gid, long device, long inode, long links) {
    this.type = type;
    this.permissions = permissions;
    this.uid = uid;
    this.gid = gid;
    this.device = device;
    this.inode = inode;
    this.links = links;
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

  public boolean sameFileAs(FileStatus other) {
    return device == other.device && inode == other.inode;
  }

  public boolean groupOrWorldWritable() {
    return (permissions & 0022) != 0;
  }

  @Override
  public String toString() {
    return type + " " + Integer.toOctalString(permissions) + " uid=" + uid + " gid=" + gid + " dev=" + device + " ino=" + inode;
  }
}
