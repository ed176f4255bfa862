package dev.confine.internal.preflight;

import static dev.confine.Severity.ERROR;
import static dev.confine.Severity.INFO;
import static dev.confine.Severity.WARNING;

import dev.confine.Finding;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.FileStatus;
import dev.confine.internal.Kernel;
import dev.confine.internal.Mount;
import dev.confine.internal.PosixAcl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Checks of the directory that becomes the root, the path to it, and what lies inside. */
final class JailChecks {
  /** File systems that must never appear inside a jail: each is a window on the host's kernel. */
  static final Set<String> SPECIAL_FILE_SYSTEMS =
      Set.of(
          "proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs", "securityfs", "cgroup", "cgroup2",
          "bpf", "configfs", "fusectl", "efivarfs", "pstore", "binfmt_misc", "selinuxfs", "hugetlbfs",
          "mqueue", "autofs", "nsfs", "rpc_pipefs");

  private JailChecks() {}

  /**
   * A path an allowance names that is not in the jail: allowWritable("var/spoo") for var/spool is
   * accepted by the builder (it cannot look) and then allows nothing, while the directory meant
   * stays refused or, worse, is created later unchecked. Issue 25's sixth friction.
   */
  static void allowedPathsExist(PreflightContext context, List<Finding> findings) throws ErrnoException {
    if (context.root.isEmpty() || context.root.get().type != FileStatus.Type.DIRECTORY) {
      return; // root-missing or root-not-directory says so
    }
    java.util.Map<String, List<String>> allowances = new java.util.LinkedHashMap<>();
    allowances.put("allowWritable", context.policy.allowedWritable());
    allowances.put("allowDeviceNodes", context.policy.allowedDeviceNodes());
    allowances.put("allowSetuidFiles", context.policy.allowedSetuidFiles());
    allowances.put("allowMounts", context.policy.allowedMounts());
    for (java.util.Map.Entry<String, List<String>> allowance : allowances.entrySet()) {
      for (String relative : allowance.getValue()) {
        String path = context.rootPath() + "/" + relative;
        if (context.kernel.lstat(path).isEmpty()) {
          findings.add(
              new Finding(WARNING, "allowed-path-missing",
                  allowance.getKey() + "(\"" + relative + "\") names " + path + ", which does not exist",
                  "An allowance of a path that is not there allows nothing: a misspelling leaves the path meant refused, or"
                      + " unchecked if it is made later.",
                  "Correct the path, or drop the allowance."));
        }
      }
    }
  }

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

  /**
   * Every component from "/" to the root: no symbolic link (so the canonical path is the given
   * one), owned by root, not writable by group or other. OpenSSH refuses a ChrootDirectory for
   * the same reasons: whoever can rename a component can swap the jail.
   */
  static void pathComponents(PreflightContext context, List<Finding> findings) throws ErrnoException {
    List<String> components = new ArrayList<>();
    components.add("/");
    StringBuilder path = new StringBuilder();
    for (java.nio.file.Path name : context.policy.root()) {
      path.append('/').append(name);
      components.add(path.toString());
    }
    for (int i = 0; i < components.size(); i++) {
      String component = components.get(i);
      boolean isRoot = i == components.size() - 1;
      Optional<FileStatus> status = context.kernel.lstat(component);
      if (status.isEmpty()) {
        return; // root-missing says so
      }
      FileStatus s = status.get();
      if (s.type == FileStatus.Type.SYMLINK) {
        if (!isRoot) { // root-symlink covers the last component
          findings.add(
              new Finding(ERROR, "symlink-in-path",
                  "component " + component + " of the root " + context.rootPath() + " is a symbolic link",
                  "The path checked is not the path entered: whoever controls the link chooses the jail.",
                  "Give the canonical path (realpath " + context.rootPath() + ")."));
        }
        return; // what lies beyond a link is not on this path
      }
      if (s.uid != 0) {
        findings.add(
            new Finding(ERROR, "component-not-root-owned",
                (isRoot ? "the root " : "component ") + component + " is owned by uid " + s.uid + ", not root",
                "Its owner can rename or replace what lies below it, including the jail (OpenSSH refuses this too).",
                isRoot ? "chown root " + component : moveTheJail(component, "belongs to uid " + s.uid)));
      }
      // With an access ACL, the mode's group bits show the mask, not the owning group's rights:
      // the group class is then judged through the ACL's entries (group::, named ones, masked).
      boolean hasAccessAcl = false;
      for (boolean defaultAcl : s.type == FileStatus.Type.DIRECTORY ? new boolean[] {false, true} : new boolean[] {false}) {
        // An access ACL grants write to no one but the owner unless the mask (the mode's group bits) has w.
        Optional<PosixAcl> acl = !defaultAcl && (s.permissions & 0020) == 0 ? Optional.empty() : context.kernel.acl(component, defaultAcl);
        hasAccessAcl |= !defaultAcl && acl.isPresent();
        List<PosixAcl.Entry> grants =
            acl.isPresent() ? acl.get().grantsWrite(Optional.empty(), Set.of(), true, s.gid) : List.of();
        if (!grants.isEmpty()) {
          findings.add(
              new Finding(ERROR, "component-writable",
                  (isRoot ? "the root " : "component ") + component + (defaultAcl ? " has a default ACL that grants write to " : " is writable through its ACL by ")
                      + grants + " (mode " + String.format("%04o", s.permissions) + ")",
                  defaultAcl
                      ? "What is created in it inherits that entry: whoever it names could rename or replace it, including the jail."
                      : "Whoever an ACL entry lets write it can rename or replace what lies below it, including the jail (the mode bits do not show it).",
                  "setfacl -" + (defaultAcl ? "k" : "b") + " " + component));
        }
      }
      boolean groupWritable = !hasAccessAcl && (s.permissions & 0020) != 0;
      boolean otherWritable = (s.permissions & 0002) != 0;
      if (groupWritable || otherWritable) {
        findings.add(
            new Finding(ERROR, "component-writable",
                (isRoot ? "the root " : "component ") + component + " is writable by "
                    + (groupWritable ? "group " + s.gid : "")
                    + (groupWritable && otherWritable ? " and " : "")
                    + (otherWritable ? "others" : "")
                    + " (mode " + String.format("%04o", s.permissions) + ")",
                "Anyone who can write it can rename or replace what lies below it, including the jail (OpenSSH refuses this too).",
                isRoot || (s.permissions & 01000) == 0 ? "chmod go-w " + component
                    : moveTheJail(component, "is a shared directory (mode " + String.format("%04o", s.permissions) + ") that others must go on writing")));
      }
    }
  }

  /**
   * The fix for a directory above the root that is not the operator's to change: a sticky,
   * world-writable one (/tmp) or another user's. Advice never weakens, nor takes from its users, a
   * directory of the system: the jail moves instead.
   */
  private static String moveTheJail(String component, String what) {
    return "Leave " + component + " as it is (it " + what + "): move the jail below directories only root may write,"
        + " such as /srv/NAME or /var/lib/NAME (root-owned, mode 0755), never under /tmp.";
  }

  /**
   * One walk of the jail, never following a symlink: entries the target can write, setuid and
   * setgid files, files with file capabilities, device nodes, FIFOs and sockets, and regular files
   * with more than one link.
   */
  static void contents(PreflightContext context, List<Finding> findings) throws ErrnoException {
    if (context.root.isEmpty() || context.root.get().type != FileStatus.Type.DIRECTORY) {
      return;
    }
    String root = context.rootPath();
    int prefix = root.length() + 1;
    Optional<Target> target = Target.of(context);
    Collector out = new Collector(findings);
    // An anonymous class, not a lambda: a lambda spins a class on apply()'s cold path (issue 28).
    Kernel.WalkVisitor each =
        new Kernel.WalkVisitor() {
          @Override
          public void visit(String path, FileStatus s) throws ErrnoException {
            if (plain(s, target)) {
              return;
            }
            String relative = path.length() <= root.length() ? "" : path.substring(prefix);
            String shown = relative.isEmpty() ? root + " (the root)" : path;
            if (s.type == FileStatus.Type.SYMLINK) {
              return; // a link's own mode means nothing, and it is never followed
            }
            boolean device = s.type == FileStatus.Type.CHAR_DEVICE || s.type == FileStatus.Type.BLOCK_DEVICE;
            // A socket's write bit lets a process connect to it, nothing more: no file is planted and
            // no disk filled through it. The syslog socket a log daemon makes at dev/log must be
            // writable by everyone to be of use (SyslogChecks reports it); any other socket still
            // counts as writable, for what listens on it is unknown.
            boolean syslogSocket =
                s.type == FileStatus.Type.SOCKET && relative.equals(SyslogChecks.JAIL_PATH) && context.policy.syslogIdent().isPresent();
            Optional<String> writableBy =
                target.isPresent() && !syslogSocket ? writableBy(context, target.get(), path, s) : Optional.empty();
            if (!device && writableBy.isPresent()) {
              // A device node's mode is part of the device-node finding: /dev/null only works
              // writable by everyone, and allowing the node by name accepts it as it is.
              writable(context, relative, shown, s, writableBy.get(), out);
            }
            if (s.type == FileStatus.Type.REGULAR && (s.permissions & 04000) != 0) {
              Finding setuid =
                  new Finding(ERROR, "setuid-file",
                      shown + " is setuid (mode " + String.format("%04o", s.permissions) + ", owner uid " + s.uid + ")",
                      "A setuid program runs as its owner: a way back to " + (s.uid == 0 ? "root" : "uid " + s.uid) + " from inside the jail"
                          + " (unless no_new_privs is set, the default on Linux).",
                      "chmod u-s " + path + " (or remove it from the jail), or accept it knowingly with allowSetuidFiles(\"" + relative + "\")");
              out.add(unlessAllowedByName(context, relative, setuid));
            }
            // execve(2) grants a file's capabilities to whoever runs it, setuid or not, unless
            // no_new_privs is set in the thread that runs it. It runs no file without an x bit, not
            // even for root, and of the confined process's ids only an owner could chmod one on: so
            // one lgetxattr per file that can be run, not per file (one each made a 100k-file walk 50% slower).
            boolean runnable = (s.permissions & 0111) != 0 || target.map(t -> t.uid == s.uid).orElse(true);
            if (s.type == FileStatus.Type.REGULAR && runnable) {
              Optional<dev.confine.internal.FileCapabilities> capabilities = context.kernel.fileCapabilities(path);
              if (capabilities.isPresent()) {
                Finding capable =
                    new Finding(ERROR, "file-capabilities",
                        shown + " carries file capabilities (security.capability: " + capabilities.get() + "; mode "
                            + String.format("%04o", s.permissions) + ", owner uid " + s.uid + ")",
                        "execve(2) gives a program its file capabilities whoever runs it, as a setuid program gets its owner's uid: with cap_setuid"
                            + " it becomes root again. no_new_privs (the default) stops that only in threads that have it: a thread started"
                            + " before apply() lacks it under allowNewPrivileges().",
                        "setcap -r " + path + " (or remove it from the jail), or accept it knowingly with allowSetuidFiles(\"" + relative + "\")");
                out.add(unlessAllowedByName(context, relative, capable));
              }
            }
            if ((s.type == FileStatus.Type.FIFO || s.type == FileStatus.Type.SOCKET) && !syslogSocket) {
              // A FIFO or socket node is a channel, not a file: whoever holds the other end (a
              // process outside the jail, or the host's socket hard-linked in) talks to the confined
              // process through it, whatever its mode says.
              boolean socket = s.type == FileStatus.Type.SOCKET;
              out.add(
                  new Finding(WARNING, "fifo-or-socket",
                      shown + " is a " + (socket ? "socket" : "FIFO") + " (mode " + String.format("%04o", s.permissions) + ", owner uid " + s.uid
                          + ", gid " + s.gid + ", " + s.links + (s.links == 1 ? " link" : " links") + ")",
                      socket
                          ? "connect(2) to a socket node reaches whatever listens on it, which may run outside the jail as any user; a socket"
                              + " node with more than one link is a host socket hard-linked into the jail."
                          : "A FIFO joins the confined process to whoever opens its other end, which may be a process outside the jail.",
                      "Remove it from the jail (rm " + path + "), unless the daemon needs this channel and what listens on it is trusted."));
            }
            if (s.type == FileStatus.Type.REGULAR && (s.permissions & 02000) != 0) {
              Finding setgid =
                  new Finding(ERROR, "setgid-file",
                      shown + " is setgid (mode " + String.format("%04o", s.permissions) + ", group " + s.gid + ")",
                      "A setgid program runs with its group: a way to gid " + s.gid + " from inside the jail.",
                      "chmod g-s " + path + " (or remove it from the jail), or accept it knowingly with allowSetuidFiles(\"" + relative + "\")");
              out.add(unlessAllowedByName(context, relative, setgid));
            }
            if (device) {
              Finding deviceNode =
                  new Finding(ERROR, "device-node",
                      shown + " is a " + (s.type == FileStatus.Type.CHAR_DEVICE ? "character" : "block") + " device node"
                          + writableBy.map(by -> ", writable by " + by + " (mode " + String.format("%04o", s.permissions) + ")").orElse(""),
                      "A device node reaches the hardware or the kernel directly (a disk, memory), past every file permission of the jail.",
                      "Remove it, or accept it knowingly with allowDeviceNodes(\"" + relative + "\")");
              out.add(
                  context.policy.allowedDeviceNodes().contains(relative)
                      ? Allowance.allowed(deviceNode, "allowDeviceNodes(\"" + relative + "\")")
                      : deviceNode);
            }
            if (s.type == FileStatus.Type.REGULAR && s.links > 1) {
              out.add(
                  new Finding(WARNING, "hard-link",
                      shown + " has " + s.links + " links (inode " + s.inode + ")",
                      "A hard link may be the same file as one outside the jail: writing or reading it reaches that file.",
                      "Copy the file into the jail instead of linking it (cp, not ln)."));
            }
          }

          @Override
          public boolean passes(FileStatus s) {
            return plain(s, target);
          }
        };
    context.kernel.walk(root, specialMountPoints(context), each);
    out.finish();
  }

  /**
   * Most entries of a jail: a plain file the target neither owns, nor may write or run, with one
   * link. Every check of contents() passes it without a call or a finding; saying so spares the
   * walk their work per entry (its path's String, and their tests).
   */
  /** A set-id or capable file's finding, or, where the policy names the file in allowSetuidFiles, its allowance. */
  private static Finding unlessAllowedByName(PreflightContext context, String relative, Finding finding) {
    return context.policy.allowedSetuidFiles().contains(relative)
        ? Allowance.allowed(finding, "allowSetuidFiles(\"" + relative + "\")")
        : finding;
  }

  private static boolean plain(FileStatus s, Optional<Target> target) {
    return s.type == FileStatus.Type.REGULAR && s.links <= 1 && (s.permissions & (06000 | 0111 | 0020 | 0002)) == 0
        && target.isPresent() && target.get().uid != s.uid;
  }

  /**
   * Who, of the target's identity, may write the entry: its owner whatever the mode (the owner
   * may chmod it), its group, everyone, or a POSIX ACL entry (the access ACL, and a directory's
   * default ACL, which what is created in it inherits); or no one.
   */
  private static Optional<String> writableBy(PreflightContext context, Target t, String path, FileStatus s) throws ErrnoException {
    if (s.uid == t.uid) {
      return Optional.of("the target uid " + t.uid + " (its owner, who may chmod it whatever its mode)");
    }
    // With an access ACL, the mode's group bits are the mask, and every entry but the owner's is
    // masked: without g+w no ACL entry can grant write, and the ACL need not be read (a read per
    // entry doubled the cost of a walk). With g+w, the ACL's entries decide, not the mode.
    Optional<PosixAcl> access =
        s.type == FileStatus.Type.SYMLINK || (s.permissions & 0020) == 0 ? Optional.empty() : context.kernel.acl(path, false);
    if (access.isEmpty() && t.groups.contains(s.gid) && (s.permissions & 0020) != 0) {
      return Optional.of("the target's group " + s.gid);
    } else if ((s.permissions & 0002) != 0) {
      return Optional.of("everyone");
    }
    if (access.isPresent()) {
      List<PosixAcl.Entry> grants = access.get().grantsWrite(Optional.of(t.uid), t.groups, false, s.gid);
      if (!grants.isEmpty()) {
        return Optional.of("the target through its ACL (" + grants + ")");
      }
    }
    if (s.type == FileStatus.Type.DIRECTORY) {
      Optional<PosixAcl> inherited = context.kernel.acl(path, true);
      if (inherited.isPresent()) {
        List<PosixAcl.Entry> grants = inherited.get().grantsWrite(Optional.of(t.uid), t.groups, false, s.gid);
        if (!grants.isEmpty()) {
          return Optional.of("the target in what is created in it, through its default ACL (" + grants + ")");
        }
      }
    }
    return Optional.empty();
  }

  private static void writable(PreflightContext context, String relative, String shown, FileStatus s, String by, Collector out) {
    Finding finding =
        new Finding(ERROR, "jail-writable",
            shown + " is writable by " + by + " (mode " + String.format("%04o", s.permissions) + ", uid " + s.uid + ", gid " + s.gid + ")",
            "A confined process that can write its jail can plant files that it (or root, later) trusts, or fill the disk.",
            relative.isEmpty()
                ? "chown root:root " + context.rootPath() + ", chmod go-w it and remove any ACL (setfacl -b): the root itself cannot be allowed"
                : "chown root:root, chmod go-w and setfacl -b it, or accept it knowingly with allowWritable(\"" + relative + "\")");
    Optional<String> allowedBy =
        relative.isEmpty()
            ? Optional.empty()
            : context.policy.allowedWritable().stream()
                .filter(sub -> relative.equals(sub) || relative.startsWith(sub + "/"))
                .findFirst();
    out.add(allowedBy.map(sub -> Allowance.allowed(finding, "allowWritable(\"" + sub + "\")")).orElse(finding));
  }

  /** What glibc reads by path at each host name lookup. */
  private static final List<String> NAME_LOOKUP_FILES = List.of("etc/nsswitch.conf", "etc/hosts", "etc/resolv.conf");

  /** With NAME_LOOKUPS prepared: each file a name lookup reads that the jail lacks. */
  static void nameLookupFiles(PreflightContext context, List<Finding> findings) throws ErrnoException {
    if (!context.policy.jvmFacilities().contains(dev.confine.JvmFacility.NAME_LOOKUPS)
        || context.root.isEmpty()
        || context.root.get().type != FileStatus.Type.DIRECTORY) {
      return;
    }
    // lstat follows links in the middle of a path: etc must itself be a directory of the jail.
    Optional<FileStatus> etc = context.kernel.lstat(context.rootPath() + "/etc");
    boolean etcIsDirectory = etc.isPresent() && etc.get().type == FileStatus.Type.DIRECTORY;
    for (String file : NAME_LOOKUP_FILES) {
      String path = context.rootPath() + "/" + file;
      Optional<FileStatus> status = etcIsDirectory ? context.kernel.lstat(path) : Optional.empty();
      if (status.isEmpty() || status.get().type != FileStatus.Type.REGULAR) {
        findings.add(
            new Finding(WARNING, "name-lookup-file-missing",
                path + " is not a regular file of the jail, and NAME_LOOKUPS is prepared",
                "glibc reads /" + file + " at each host name lookup; inside the jail it is this file, so names other than localhost will not resolve after apply().",
                "cp /" + file + " " + path + " (root-owned, 0644: it holds no secret), or resolve the names before apply() with -Dnetworkaddress.cache.ttl=-1."));
      }
    }
  }

  /** Kernel file systems mounted at or under the root: the walk does not enter them (mounts() refuses them). */
  private static Set<String> specialMountPoints(PreflightContext context) throws ErrnoException {
    Set<String> points = new java.util.HashSet<>();
    for (Mount mount : context.kernel.mounts()) {
      if (context.insideRoot(mount.mountPoint) && SPECIAL_FILE_SYSTEMS.contains(mount.fsType)) {
        points.add(mount.mountPoint);
      }
    }
    return points;
  }

  /**
   * proc, sysfs, devtmpfs and the like at or under the root are refused. Any other mount below the
   * root is walked like the rest (contents()), and must be nodev and nosuid: what appears on it
   * later (a device node made by root, a setuid program copied in) would otherwise work in the jail.
   */
  static void mounts(PreflightContext context, List<Finding> findings) throws ErrnoException {
    for (Mount mount : context.kernel.mounts()) {
      if (!context.insideRoot(mount.mountPoint)) {
        continue;
      }
      if (SPECIAL_FILE_SYSTEMS.contains(mount.fsType)) {
        findings.add(
            new Finding(ERROR, "special-mount",
                "a " + mount.fsType + " file system is mounted at " + mount.mountPoint + ", inside the jail",
                "Kernel file systems expose the host (other processes' roots and fds in /proc, devices in /dev, kernel knobs in /sys): a way out of the chroot.",
                "umount " + mount.mountPoint + " (and do not mount it again at boot)"));
        continue;
      }
      if (mount.mountPoint.equals(context.rootPath())) {
        continue; // the jail's own file system: walked as the jail
      }
      String relative = mount.mountPoint.substring(context.rootPath().length() + 1);
      List<String> missing = new ArrayList<>();
      if (!mount.options.contains("nodev")) missing.add("nodev");
      if (!mount.options.contains("nosuid")) missing.add("nosuid");
      if (missing.isEmpty()) {
        findings.add(
            new Finding(INFO, "mount-inside-jail",
                mount.source + " (" + mount.fsType + ", " + String.join(",", mount.options) + ") is mounted at " + mount.mountPoint + ", inside the jail",
                "A mount inside the jail is part of it: it was walked and checked like the rest, and nodev,nosuid keep device nodes and setuid programs that appear on it later inert.",
                "Nothing to do."));
        continue;
      }
      Finding finding =
          new Finding(ERROR, "mount-inside-jail",
              mount.source + " (" + mount.fsType + ") is mounted at " + mount.mountPoint + ", inside the jail, without " + String.join(" and ", missing)
                  + " (options " + String.join(",", mount.options) + ")",
              "Without nodev a device node on it reaches the hardware past every file permission; without nosuid a setuid program on it runs with its owner's privileges. Either may appear after this check.",
              "mount -o remount,bind,nodev,nosuid " + mount.mountPoint + " (and in fstab), or accept it knowingly with allowMounts(\"" + relative + "\")");
      findings.add(
          context.policy.allowedMounts().contains(relative) ? Allowance.allowed(finding, "allowMounts(\"" + relative + "\")") : finding);
    }
  }

  /** The ids the process will have, as far as they are known. */
  static final class Target {
    final long uid;
    final Set<Long> groups;

    private Target(long uid, Set<Long> groups) {
      this.uid = uid;
      this.groups = groups;
    }

    static Optional<Target> of(PreflightContext context) {
      if (context.identity.isPresent()) {
        java.util.Set<Long> groups = new java.util.HashSet<>(context.identity.get().groups);
        groups.add(context.identity.get().gid);
        return Optional.of(new Target(context.identity.get().uid, Set.copyOf(groups)));
      }
      if (context.policy.uid().isPresent() && context.policy.gid().isPresent()) {
        java.util.Set<Long> groups = new java.util.HashSet<>(context.policy.supplementaryGroups());
        groups.add(context.policy.gid().getAsLong());
        return Optional.of(new Target(context.policy.uid().getAsLong(), Set.copyOf(groups)));
      }
      return Optional.empty();
    }
  }
}
