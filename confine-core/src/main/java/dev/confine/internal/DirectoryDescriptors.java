package dev.confine.internal;

import java.util.Optional;
import dev.confine.internal.linux.Errno;

/**
 * Whether an open directory lies inside the new root, told by what the descriptor IS, not by a
 * path or a number: from the directory, ".." is opened again and again until it reaches the new
 * root (inside) or a directory that is its own parent (the top of the file system tree: outside,
 * where openat(fd, "../..") would lead out of any chroot). The kernel resolves ".." as it would
 * for an escape, so this holds before chroot and after it, and through renames. "Reaches the
 * root" means the same device, inode AND mount ({@link FileStatus#sameFileAndMountAs}): a jail
 * that is a bind mount shows its source's device and inode, and a directory in the source climbs
 * the source's tree, to the top, never through the jail (issue 23).
 */
public final class DirectoryDescriptors {
  /** Deeper than any real tree (PATH_MAX allows 2048 components); past it, the answer is "outside". */
  static final int MAX_STEPS = 4096;

  private DirectoryDescriptors() {}

  /**
   * Empty if directory descriptor {@code fd} lies at or below {@code root}; otherwise why not. A
   * step that fails (a directory this process may not search) counts as outside: what cannot be
   * shown inside is not trusted.
   *
   * @throws ErrnoException if {@code fd} itself cannot be read (EBADF: closed meanwhile)
   */
  public static Optional<String> outside(Kernel kernel, int fd, FileStatus root) throws ErrnoException {
    FileStatus current = kernel.fstat(fd);
    if (current.sameFileAndMountAs(root)) {
      return Optional.empty();
    }
    // The root's own directory met on another mount: the jail's bind source (or another bind of
    // it). Said in the answer, since "device and inode match" is what a reader would check first.
    Optional<FileStatus> rootElsewhere = sameFileOnAnotherMount(current, root);
    int at;
    try {
      at = kernel.openParent(fd);
    } catch (ErrnoException e) {
      if (closedMeanwhile(e)) {
        // fd itself closed since its fstat (openat's EBADF names its directory descriptor): no
        // longer open, so no way out; the callers skip it. Seen when confine-agent's check()
        // runs beside a starting Tomcat, which opens and closes its logs directory.
        throw e;
      }
      return Optional.of("its parent cannot be opened (" + e.errnoName() + "), so it cannot be shown to lie inside the root");
    }
    try {
      for (int steps = 1; steps <= MAX_STEPS; steps++) {
        FileStatus parent = kernel.fstat(at);
        if (parent.sameFileAndMountAs(root)) {
          return Optional.empty();
        }
        if (rootElsewhere.isEmpty()) {
          rootElsewhere = sameFileOnAnotherMount(parent, root);
        }
        if (parent.sameFileAndMountAs(current)) {
          return Optional.of(
              "\"..\" climbs " + steps + " level(s) to the top (device " + parent.device + ", inode " + parent.inode + ", mount "
                  + parent.mountId.getAsLong() + ") without meeting the root (device " + root.device + ", inode " + root.inode + ", mount "
                  + root.mountId.getAsLong() + ")"
                  + rootElsewhere.map(DirectoryDescriptors::onAnotherMount).orElse(""));
        }
        current = parent;
        int next;
        try {
          next = kernel.openParent(at);
        } catch (ErrnoException e) {
          return Optional.of("a parent " + steps + " level(s) up cannot be opened (" + e.errnoName() + "), so it cannot be shown to lie inside the root");
        }
        kernel.close(at);
        at = next;
      }
      return Optional.of("\"..\" climbs more than " + MAX_STEPS + " levels without meeting the root");
    } finally {
      kernel.close(at);
    }
  }

  private static Optional<FileStatus> sameFileOnAnotherMount(FileStatus status, FileStatus root) {
    return status.device == root.device && status.inode == root.inode ? Optional.of(status) : Optional.empty();
  }

  private static String onAnotherMount(FileStatus met) {
    return "; on the way it met the root's device and inode on another mount (mount " + met.mountId.getAsLong()
        + "): it lies in the source of a bind mount of the root, or another mount of the same directory, and its \"..\" leads out";
  }

  /** True for the errors that mean the descriptor was closed after it was listed. */
  static boolean closedMeanwhile(ErrnoException e) {
    return e.is(Errno.EBADF);
  }
}
