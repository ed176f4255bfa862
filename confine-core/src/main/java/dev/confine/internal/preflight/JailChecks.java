package dev.confine.internal.preflight;

import static dev.confine.Severity.ERROR;

import dev.confine.Finding;
import dev.confine.internal.FileStatus;
import java.util.List;

/** Checks of the directory that becomes the root. */
final class JailChecks {
  private JailChecks() {}

  static void rootIsDirectory(PreflightContext context, List<Finding> findings) {
    String root = context.rootPath();
    if (context.root.isEmpty()) {
      findings.add(
          new Finding(ERROR, "root-missing", "the root " + root + " does not exist",
              "There is nothing to chroot into.", "Create it (owned by root, mode 0755) before apply()."));
      return;
    }
    FileStatus status = context.root.get();
    if (status.type == FileStatus.Type.SYMLINK) {
      findings.add(
          new Finding(ERROR, "root-symlink", "the root " + root + " is a symbolic link",
              "The directory checked could differ from the one entered.", "Give the real path (see realpath(1))."));
    } else if (status.type != FileStatus.Type.DIRECTORY) {
      findings.add(
          new Finding(ERROR, "root-not-directory", "the root " + root + " is a " + status.type.name().toLowerCase() + ", not a directory",
              "chroot(2) needs a directory.", "Give a directory."));
    }
  }
}
