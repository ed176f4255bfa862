package dev.confine.internal.preflight;

import static dev.confine.Severity.ERROR;
import static dev.confine.Severity.INFO;

import dev.confine.Finding;
import dev.confine.internal.Capabilities;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.OpenFile;
import java.util.ArrayList;
import java.util.List;

/** Checks of the process's own state: privileges, open descriptors, working directory. */
final class ProcessChecks {
  private ProcessChecks() {}

  static void privileges(PreflightContext context, List<Finding> findings) throws ErrnoException {
    Kernel.Ids uids = context.kernel.getresuid();
    if (uids.effective != 0) {
      findings.add(
          new Finding(
              ERROR,
              "not-root",
              "this process runs as uid " + uids.effective + ", not root",
              "chroot(2) and giving up uids need root (CAP_SYS_CHROOT, CAP_SETUID, CAP_SETGID).",
              "Start the daemon as root; it drops root itself in apply()."));
      return;
    }
    Capabilities caps = context.kernel.capabilities();
    List<String> missing = new ArrayList<>();
    if (!caps.hasEffective(Capabilities.CAP_SYS_CHROOT)) missing.add("CAP_SYS_CHROOT");
    if (!caps.hasEffective(Capabilities.CAP_SETUID)) missing.add("CAP_SETUID");
    if (!caps.hasEffective(Capabilities.CAP_SETGID)) missing.add("CAP_SETGID");
    if (!missing.isEmpty()) {
      findings.add(
          new Finding(
              ERROR,
              "missing-capability",
              "this process is uid 0 but lacks " + String.join(", ", missing) + " (" + caps + ")",
              "Without them chroot(2), setgroups(2) or setresuid(2) fail half way.",
              "Run the daemon with these capabilities (for example, not under a capability-dropping supervisor)."));
    }
  }

  static void openDirectories(PreflightContext context, List<Finding> findings) throws ErrnoException {
    for (OpenFile file : context.kernel.openFiles()) {
      if (!file.directory) {
        continue;
      }
      String where = context.insideRoot(file.target) ? "inside" : "outside";
      findings.add(
          new Finding(
              ERROR,
              "open-directory-fd",
              "fd " + file.fd + " is an open directory (" + file.target + ") " + where + " the new root",
              "An open directory lets a confined process escape with fchdir(2).",
              "Close it before apply()."));
    }
  }

  static void workingDirectory(PreflightContext context, List<Finding> findings) throws ErrnoException {
    String cwd = context.kernel.getcwd();
    if (!context.insideRoot(cwd)) {
      findings.add(
          new Finding(
              INFO,
              "cwd-outside-root",
              "the working directory " + cwd + " is outside the new root",
              "A working directory left outside the root would let relative paths escape.",
              "Nothing to do: apply() moves it to the new root, and checks getcwd() is \"/\" afterwards."));
    }
  }
}
