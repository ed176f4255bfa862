package dev.confine.internal;

/** One open descriptor of the process and what it refers to. */
public final class OpenFile {
  public final int fd;
  /** Where /proc/self/fd/N points: a path, or a pseudo name such as "socket:[123]". */
  public final String target;
  public final boolean directory;

  public OpenFile(int fd, String target, boolean directory) {
    this.fd = fd;
    this.target = target;
    this.directory = directory;
  }

  @Override
  public String toString() {
    return "fd " + fd + " -> " + target + (directory ? " (directory)" : "");
  }
}
