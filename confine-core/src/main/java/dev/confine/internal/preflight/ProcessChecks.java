package dev.confine.internal.preflight;

import static dev.confine.Severity.ERROR;
import static dev.confine.Severity.INFO;
import static dev.confine.Severity.WARNING;

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
      boolean inside = context.insideRoot(file.target);
      boolean allowed = context.policy.allowedOpenDirectories().contains(file.fd);
      Finding finding =
          new Finding(
              ERROR,
              "open-directory-fd",
              "fd " + file.fd + " is an open directory (" + file.target + ") " + (inside ? "inside" : "outside") + " the new root"
                  + (allowed && !inside ? "; allowOpenDirectory(" + file.fd + ") does not cover a directory outside the root" : ""),
              "An open directory lets a confined process escape with fchdir(2)"
                  + (inside ? " to its parent, and from there on upward." : "."),
              inside
                  ? "Close it before apply(), or accept it knowingly with allowOpenDirectory(" + file.fd + ")."
                  : "Close it before apply().");
      findings.add(allowed && inside ? Allowance.allowed(finding, "allowOpenDirectory(" + file.fd + ")") : finding);
    }
  }

  /**
   * The builder refuses uid 0 and gid 0, and the resolver a user whose uid is 0; this says so
   * again, in the report, should any path around them open.
   */
  static void targetIdentity(PreflightContext context, List<Finding> findings) {
    long uid = context.identity.map(i -> i.uid).orElse(context.policy.uid().orElse(-1));
    long gid = context.identity.map(i -> i.gid).orElse(context.policy.gid().orElse(-1));
    List<Long> groups = context.identity.map(i -> i.groups).orElse(context.policy.supplementaryGroups());
    List<String> zero = new ArrayList<>();
    if (uid == 0) zero.add("uid 0");
    if (gid == 0) zero.add("gid 0");
    if (groups.contains(0L)) zero.add("supplementary group 0 (in " + groups + ")");
    if (!zero.isEmpty()) {
      findings.add(
          new Finding(
              ERROR,
              "target-is-root",
              "the target identity has " + String.join(", ", zero),
              "Confining to root keeps root: root leaves a chroot at will, and group 0 owns much of the system.",
              "Give an unprivileged user and group (for example a dedicated system user)."));
    }
  }

  /** Other processes with the target uid can ptrace or signal the confined one. */
  static void sharedUid(PreflightContext context, List<Finding> findings) throws ErrnoException {
    long uid = context.identity.map(i -> i.uid).orElse(context.policy.uid().orElse(-1));
    if (uid < 0) {
      return;
    }
    List<Long> pids = new ArrayList<>();
    context.kernel.otherProcesses().forEach(
        (pid, ids) -> {
          if (ids.real == uid || ids.effective == uid || ids.saved == uid) {
            pids.add(pid);
          }
        });
    if (pids.isEmpty()) {
      return;
    }
    java.util.Collections.sort(pids);
    int shown = Math.min(pids.size(), 20);
    Finding finding =
        new Finding(
            WARNING,
            "shared-uid",
            pids.size() + (pids.size() == 1 ? " other process already runs" : " other processes already run") + " as uid " + uid + ": pid "
                + pids.subList(0, shown).stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
                + (pids.size() > shown ? " and " + (pids.size() - shown) + " more" : ""),
            "A process with the same uid can ptrace, signal or read the memory of the confined one, and act for it outside the jail.",
            "Give the daemon a uid of its own, or accept this knowingly with allowSharedUid().");
    findings.add(context.policy.sharedUidAllowed() ? Allowance.allowed(finding, "allowSharedUid()") : finding);
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
