package dev.confine.internal.preflight;

import static dev.confine.Severity.ERROR;
import static dev.confine.Severity.INFO;
import static dev.confine.Severity.WARNING;

import dev.confine.Finding;
import dev.confine.internal.Capabilities;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.OpenFile;
import dev.confine.internal.DirectoryDescriptors;
import dev.confine.internal.FileStatus;
import dev.confine.internal.PosixAcl;
import dev.confine.internal.Verifier;
import dev.confine.internal.linux.ThreadStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.confine.internal.linux.Errno;

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
    // The sequence empties the bounding set after chroot (PR_CAPBSET_DROP), which the kernel
    // refuses without CAP_SETPCAP: found here, not as a halt past the point of no return.
    if (!caps.hasEffective(Capabilities.CAP_SETPCAP)) missing.add("CAP_SETPCAP");
    if (!missing.isEmpty()) {
      findings.add(
          new Finding(
              ERROR,
              "missing-capability",
              "this process is uid 0 but lacks " + String.join(", ", missing) + " (" + caps + ")",
              "Without them chroot(2), setgroups(2), emptying the bounding set or setresuid(2) fail half way, past chroot.",
              "Run the daemon with these capabilities: under systemd, a CapabilityBoundingSet= that keeps them (CAP_SYS_CHROOT"
                  + " CAP_SETUID CAP_SETGID CAP_SETPCAP), or none."));
    }
  }

  /**
   * Every open directory: one outside the new root is an escape (openat or fchdir from it, after
   * chroot) and cannot be allowed; one inside is allowed by allowOpenDirectory(fd). Inside or
   * outside is decided by what the descriptor is ({@link DirectoryDescriptors}), at each look:
   * an allowed number that now holds another directory is judged again. apply() runs this in
   * preflight and again right before chroot; the verification after the drop looks once more.
   */
  static void openDirectories(PreflightContext context, List<Finding> findings) throws ErrnoException {
    for (OpenFile file : context.openFiles()) {
      if (!file.directory) {
        continue;
      }
      Optional<String> outside;
      if (context.root.isEmpty() || context.root.get().type != FileStatus.Type.DIRECTORY) {
        outside = context.insideRoot(file.target) ? Optional.empty() : Optional.of("the root is not a directory");
      } else {
        try {
          outside = DirectoryDescriptors.outside(context.kernel, file.fd, context.root.get());
        } catch (ErrnoException e) {
          if (e.is(Errno.EBADF)) {
            continue; // closed since it was listed
          }
          throw e;
        }
      }
      boolean inside = outside.isEmpty();
      boolean allowed = context.policy.allowedOpenDirectories().contains(file.fd);
      Finding finding =
          new Finding(
              ERROR,
              "open-directory-fd",
              "fd " + file.fd + " is an open directory (" + file.target + ") " + (inside ? "inside" : "outside") + " the new root"
                  + (inside ? "" : ": " + outside.get())
                  + (allowed && !inside ? "; allowOpenDirectory(" + file.fd + ") does not cover a directory outside the root" : ""),
              inside
                  ? "An open directory inside the root is harmless after chroot only if it is known; a forgotten one may be replaced by another directory later."
                  : "After chroot, openat(2) or fchdir(2) from a directory outside the root reaches the host's files.",
              inside
                  ? "Close it before apply(), or accept it knowingly with allowOpenDirectory(" + file.fd + ")."
                  : "Close it before apply() (and keep no directory of the host open in any thread while apply() runs).");
      findings.add(allowed && inside ? Allowance.allowed(finding, "allowOpenDirectory(" + file.fd + ")") : finding);
    }
  }

  /** O_ACCMODE's values and O_PATH (asm-generic/fcntl.h; the same on x86_64 and aarch64). */
  private static final int O_ACCMODE = 3;
  private static final int O_WRONLY = 1;
  private static final int O_PATH = 010000000;

  /**
   * Descriptors that grant more than the target could get by itself, and keep granting it after
   * chroot and the drop, for a descriptor is checked when it is opened, not when it is used: a
   * file open for reading that the target's ids could not open (mode, owner, ACL), a Unix socket
   * connected to another uid (a root-only service answers it as root), a memfd (memory another
   * process may share), a pidfd (a handle on another process). Directories are
   * {@link #openDirectories}'; what the target could open itself, files open write-only (a
   * daemon's own logs), listening sockets and the JVM's own descriptors are not counted. A
   * WARNING, an ERROR under refuseInheritedDescriptors().
   */
  static void inheritedDescriptors(PreflightContext context, List<Finding> findings) throws ErrnoException {
    Optional<JailChecks.Target> target = JailChecks.Target.of(context);
    if (target.isEmpty()) {
      return; // unknown-identity says so; what the target could open is unknown
    }
    Collector out = new Collector(findings);
    for (OpenFile file : context.openFiles()) {
      if (file.directory) {
        continue;
      }
      Optional<String> grant;
      try {
        grant = grantsMore(context, target.get(), file);
      } catch (ErrnoException e) {
        if (e.is(Errno.EBADF) || e.is(Errno.ENOENT)) {
          continue; // closed since it was listed
        }
        throw e;
      }
      if (grant.isEmpty()) {
        continue;
      }
      boolean refused = context.policy.inheritedDescriptorsRefused();
      out.add(
          new Finding(refused ? ERROR : WARNING, "inherited-descriptor",
              "fd " + file.fd + " (" + file.target + ") is " + grant.get(),
              "A descriptor is checked when it is opened, not when it is used: this one stays open through chroot and the drop,"
                  + " and the confined process keeps reading or talking through it as uid " + target.get().uid + ".",
              "Close it before apply() (or open it with O_CLOEXEC in the parent that started the daemon)"
                  + (refused ? "." : "; refuseInheritedDescriptors() makes this an ERROR.")));
    }
    out.finish();
  }

  /** The code of an io_uring ring open at apply(): {@link #ioUringRings}. */
  static final String IO_URING_RING = "io-uring-ring";

  /**
   * An io_uring ring made before apply() can hold what no look at the descriptor table sees:
   * files registered in it (a directory of the host: out of the chroot) and a registered
   * personality (root's credentials, with which any later operation runs), and an SQPOLL ring
   * works with its creator's credentials. /proc/self/fdinfo shows the files and the thread but not
   * the personalities (Linux 6.18), so no ring can be judged harmless: each is an ERROR, here and
   * in the look right before chroot. Found by the review of issue 23 (a ring set up as root read
   * /etc/shadow after the drop).
   */
  static void ioUringRings(PreflightContext context, List<Finding> findings) throws ErrnoException {
    Collector out = new Collector(findings);
    for (OpenFile file : context.openFiles()) {
      if (file.target.equals("anon_inode:[io_uring]")) {
        out.add(
            new Finding(ERROR, IO_URING_RING,
                "fd " + file.fd + " is an io_uring ring made before apply()",
                "A ring keeps the files and credentials registered in it and an SQPOLL ring its creator's: made as root, it"
                    + " reads and writes as root, and outside the root, after the drop; none of that shows in the descriptor table.",
                "Create io_uring rings (Netty's io_uring event loops) after apply(), or use another transport for what must exist"
                    + " before it."));
      }
    }
    out.finish();
  }

  /** What the descriptor grants that the target could not get by itself, or empty. */
  private static Optional<String> grantsMore(PreflightContext context, JailChecks.Target t, OpenFile file) throws ErrnoException {
    String name = file.target;
    if (name.startsWith("socket:[")) {
      Optional<Kernel.SocketPeer> peer = context.kernel.unixSocketPeer(file.fd);
      // A peer of this very process is a socketpair(2) made here: the JDK keeps one whose other
      // end it closed (NIO's pre-close descriptor, in every JVM that uses it). Its other end may
      // have gone to a child, which SO_PEERCRED cannot tell: a privilege-separation helper's channel.
      return peer.isPresent() && peer.get().uid != t.uid && peer.get().pid != context.kernel.processId()
          ? Optional.of("a Unix socket connected to " + peer.get() + ", another uid than the target's " + t.uid)
          : Optional.empty();
    }
    if (name.startsWith("/memfd:")) {
      // ZGC backs the Java heap with a memfd of this name: the process's own memory, mapped anyway.
      return name.startsWith("/memfd:java_heap") ? Optional.empty() : Optional.of("a memfd: memory that another process may share and read or write");
    }
    if (name.equals("anon_inode:[pidfd]")) {
      return Optional.of("a pidfd: a handle on another process (signals, pidfd_getfd, setns) that outlives the drop");
    }
    if (!name.startsWith("/")) {
      return Optional.empty(); // pipes, eventfd, epoll, inotify, timerfd, and other anon inodes
    }
    FileStatus s = context.kernel.fstat(file.fd);
    if (s.type != FileStatus.Type.REGULAR) {
      return Optional.empty(); // devices (/dev/null, a terminal: see terminal) and the rest
    }
    Optional<String> fdinfo = context.kernel.readText("/proc/self/fdinfo/" + file.fd);
    if (fdinfo.isEmpty()) {
      return Optional.empty(); // closed since it was listed
    }
    int flags = openFlags(fdinfo.get(), file.fd);
    if ((flags & O_PATH) != 0 || (flags & O_ACCMODE) == O_WRONLY) {
      return Optional.empty(); // reads nothing: a daemon's own log, opened for appending
    }
    if (readableBy(context, t, name, s) || onClassPath(context, name, s)) {
      return Optional.empty();
    }
    return Optional.of(
        "a file open for " + ((flags & O_ACCMODE) == 0 ? "reading" : "reading and writing") + " (flags 0" + Integer.toOctalString(flags)
            + ") that uid " + t.uid + " with groups " + new java.util.TreeSet<>(t.groups) + " could not open for reading (mode "
            + String.format("%04o", s.permissions) + ", owner uid " + s.uid + ", gid " + s.gid + ")");
  }

  /** The "flags:" line of /proc/self/fdinfo/N, in octal. */
  private static int openFlags(String fdinfo, int fd) throws ErrnoException {
    for (String line : fdinfo.split("\n")) {
      if (line.startsWith("flags:")) {
        try {
          return Integer.parseInt(line.substring(6).trim(), 8);
        } catch (NumberFormatException e) {
          break;
        }
      }
    }
    throw new ErrnoException(dev.confine.Syscall.READ_PROC_FILE, List.of("\"/proc/self/fdinfo/" + fd + "\""), Errno.EINVAL);
  }

  /**
   * May the target's ids open the file for reading, as the kernel decides (acl(5)'s order): the
   * owner by the owner's bits; then a named user entry, the owning or a named group entry (any of
   * them granting r, each under the mask: one that matches without r denies); then others. The
   * ACL is read through the descriptor's path only while that path still names the same file;
   * otherwise the mode alone decides, which can only count more as unreadable.
   */
  private static boolean readableBy(PreflightContext context, JailChecks.Target t, String path, FileStatus s) throws ErrnoException {
    if (s.uid == t.uid) {
      return (s.permissions & 0400) != 0;
    }
    Optional<PosixAcl> acl = Optional.empty();
    if ((s.permissions & 0040) != 0) { // with an ACL, the group bits are its mask: without r no entry grants it
      Optional<FileStatus> named = context.kernel.stat(path);
      if (named.isPresent() && named.get().sameFileAndMountAs(s)) {
        acl = context.kernel.acl(path, false);
      }
    }
    if (acl.isPresent()) {
      return acl.get().grantsRead(t.uid, t.groups, s.gid);
    }
    if (t.groups.contains(s.gid)) {
      return (s.permissions & 0040) != 0;
    }
    return (s.permissions & 0004) != 0;
  }

  /**
   * A jar of the class path or module path: the JVM (and confine's own preparations) opened it,
   * and the confined process reads its classes from it after chroot, by design. Compared by
   * device, inode and mount, so a relative or linked entry matches the file the descriptor holds; a
   * module path entry may also be a directory of jars.
   */
  private static boolean onClassPath(PreflightContext context, String path, FileStatus s) throws ErrnoException {
    for (String property : List.of("java.class.path", "jdk.module.path")) {
      for (String entry : System.getProperty(property, "").split(java.io.File.pathSeparator)) {
        if (entry.isEmpty()) {
          continue;
        }
        String absolute = java.nio.file.Path.of(entry).toAbsolutePath().normalize().toString();
        Optional<FileStatus> status = context.kernel.stat(absolute);
        if (status.isPresent() && status.get().sameFileAndMountAs(s)) {
          return true;
        }
        if (status.isPresent() && status.get().type == FileStatus.Type.DIRECTORY && property.equals("jdk.module.path")
            && path.endsWith(".jar") && path.startsWith(absolute + "/") && path.indexOf('/', absolute.length() + 1) < 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static final java.util.regex.Pattern TERMINAL = java.util.regex.Pattern.compile("/dev/(pts/[0-9]+|tty[A-Za-z0-9]*|console)");

  /**
   * A terminal on fd 0, 1 or 2: apply() gives up the controlling terminal and the baseline filter
   * refuses the ioctls that type into it, but the descriptor still reads and writes it.
   */
  static void terminal(PreflightContext context, List<Finding> findings) throws ErrnoException {
    java.util.Map<String, List<Integer>> byTerminal = new java.util.TreeMap<>();
    for (OpenFile file : context.openFiles()) {
      if (file.fd <= 2 && TERMINAL.matcher(file.target).matches()) {
        byTerminal.computeIfAbsent(file.target, k -> new ArrayList<>()).add(file.fd);
      }
    }
    // A loop, not forEach with a lambda: the lambda's class is spun even where no descriptor is a
    // terminal, on apply()'s cold path (issue 28).
    for (java.util.Map.Entry<String, List<Integer>> entry : byTerminal.entrySet()) {
      String terminal = entry.getKey();
      List<Integer> fds = entry.getValue();
      java.util.Collections.sort(fds);
      String which =
          fds.size() == 1
              ? "fd " + fds.get(0) + " is "
              : "fd " + fds.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")) + " are ";
      findings.add(
          new Finding(INFO, "terminal",
              which + terminal + ": apply() gives up the controlling terminal (TIOCNOTTY) and the baseline seccomp filter refuses"
                  + " TIOCSTI and TIOCLINUX; the descriptor itself still reads and writes that terminal",
              "Whoever types at that terminal, or reads it, meets the confined process there, and it reads what is typed.",
              "Start the daemon with its standard streams elsewhere (a service manager, or < /dev/null > log)."));
    }
  }

  /** Securebits that change what setresuid(2) does to capabilities (linux/securebits.h). */
  private static final String[] SECUREBIT_NAMES = {
    "NOROOT", "NOROOT_LOCKED", "NO_SETUID_FIXUP", "NO_SETUID_FIXUP_LOCKED", "KEEP_CAPS", "KEEP_CAPS_LOCKED",
    "NO_CAP_AMBIENT_RAISE", "NO_CAP_AMBIENT_RAISE_LOCKED"
  };

  /** glibc's signal for its set*id broadcast (SIGSETXID: SIGRTMIN + 1, 33 on Linux). */
  static final int SIGSETXID = 33;

  /** NO_SETUID_FIXUP, its lock, KEEP_CAPS and its lock: bits 2 to 5. */
  static final int DROP_DEFEATING_SECUREBITS = 0x3c;

  /**
   * What the process was started with that the drop cannot undo in every thread: inheritable or
   * ambient capabilities (per thread: capset and PR_CAP_AMBIENT reach only the caller, and the
   * other threads would fail verification after chroot), and securebits that keep capabilities
   * across setresuid or stop the kernel's fix-up. Seen now, while it is still reversible.
   */
  /** How often a thread seen blocking SIGSETXID is read again, a millisecond apart, before it counts. */
  static final int SETXID_REREADS = 200;

  /**
   * The threads that block SIGSETXID and stay. glibc blocks every signal in a thread that is
   * exiting (start_thread, right before it ends) and its set*id broadcast skips such a thread; a
   * JVM that ends threads while apply() runs shows them for a moment (ChurnIT: 3 runs of 20
   * refused for an ending thread before this). So a blocking thread is read again, every
   * millisecond for up to {@value #SETXID_REREADS} ms, and counts only if it is still there and
   * still blocking (a thread that truly blocks it costs a refusal those 200 ms later).
   */
  private static List<String> blockingSetxid(PreflightContext context, List<ThreadStatus> threads) throws ErrnoException {
    List<ThreadStatus> blocking = new ArrayList<>();
    for (ThreadStatus t : threads) {
      if ((t.sigBlk & (1L << (SIGSETXID - 1))) != 0) {
        blocking.add(t);
      }
    }
    for (int i = 0; i < SETXID_REREADS && !blocking.isEmpty(); i++) {
      context.kernel.pause(1_000_000L);
      List<ThreadStatus> still = new ArrayList<>();
      for (ThreadStatus t : context.kernel.threadStatuses()) {
        if ((t.sigBlk & (1L << (SIGSETXID - 1))) != 0 && blocking.stream().anyMatch(b -> b.tid == t.tid)) {
          still.add(t);
        }
      }
      blocking = still;
    }
    List<String> shown = new ArrayList<>();
    for (ThreadStatus t : blocking) {
      shown.add("thread " + t.tid + " \"" + t.name + "\" SigBlk " + Verifier.hex16(t.sigBlk));
    }
    return shown;
  }

  static void launchState(PreflightContext context, List<Finding> findings) throws ErrnoException {
    List<ThreadStatus> threads = context.kernel.threadStatuses();
    List<String> inheritable = new ArrayList<>();
    List<String> ambient = new ArrayList<>();
    for (ThreadStatus t : threads) {
      if (t.capInh != 0) {
        inheritable.add("thread " + t.tid + " \"" + t.name + "\" CapInh " + Verifier.hex16(t.capInh) + " (" + Capabilities.names(t.capInh) + ")");
      }
      if (t.capAmb != 0) {
        ambient.add("thread " + t.tid + " \"" + t.name + "\" CapAmb " + Verifier.hex16(t.capAmb) + " (" + Capabilities.names(t.capAmb) + ")");
      }
    }
    if (!inheritable.isEmpty()) {
      findings.add(
          new Finding(ERROR, "inheritable-capabilities",
              inheritable.size() + " thread(s) hold inheritable capabilities: " + summary(inheritable),
              "capset(2) empties the inheritable set of the calling thread only; every other thread would keep it after the drop, and the verification would then halt the process past chroot.",
              "Start the daemon without inheritable capabilities (no capsh --inh, no setpriv --inh-caps, no CapabilityInheritable= in its unit)."));
    }
    if (!ambient.isEmpty()) {
      findings.add(
          new Finding(ERROR, "ambient-capabilities",
              ambient.size() + " thread(s) hold ambient capabilities: " + summary(ambient),
              "Ambient capabilities pass to every program the daemon runs; they are per thread, and a drop that cannot be verified in every thread halts the process past chroot.",
              "Start the daemon without ambient capabilities (no AmbientCapabilities= in its unit, no setpriv --ambient-caps)."));
    }
    // glibc's set*id reaches the other threads with signal 33 (SIGSETXID) and waits for each; a
    // thread that blocks it (only a raw rt_sigprocmask can: glibc's own calls leave it out) never
    // answers, and apply() would hang past chroot with every thread still root (ThreadFaultIT).
    List<String> blocking = blockingSetxid(context, threads);
    if (!blocking.isEmpty()) {
      findings.add(
          new Finding(ERROR, "setxid-signal-blocked",
              blocking.size() + " thread(s) block signal " + SIGSETXID + " (glibc's SIGSETXID): " + summary(blocking),
              "setgroups, setresgid and setresuid reach every thread through that signal and wait for each to answer; a thread that blocks it never does, and apply() would hang after chroot with every thread still root.",
              "Leave signal " + SIGSETXID + " unblocked in native threads: block signals with pthread_sigmask or sigprocmask (glibc leaves its own signals out), not with a raw rt_sigprocmask system call."));
    }
    // Every TSYNC filter confine installs needs every thread to have the caller's filters: a
    // filter a thread installed for itself makes it fail with ESRCH after chroot, a halt where a
    // refusal is possible now (Seccomp_filters, kernel 5.9 and later).
    // The names only when the counts differ: a string per thread of thousands, for nothing, cost
    // the cold path more than the comparison (issue 28).
    boolean differ = false;
    int firstCount = -1;
    for (ThreadStatus t : threads) {
      if (t.seccompFilters >= 0) {
        differ |= firstCount >= 0 && t.seccompFilters != firstCount;
        firstCount = firstCount >= 0 ? firstCount : t.seccompFilters;
      }
    }
    java.util.Map<Integer, List<String>> byFilters = new java.util.TreeMap<>();
    for (ThreadStatus t : differ ? threads : List.<ThreadStatus>of()) {
      if (t.seccompFilters >= 0) {
        byFilters.computeIfAbsent(t.seccompFilters, k -> new ArrayList<>()).add("thread " + t.tid + " \"" + t.name + "\"");
      }
    }
    if (byFilters.size() > 1) {
      List<String> counts = new ArrayList<>();
      byFilters.forEach((count, names) -> counts.add(names.size() + " thread(s) with " + count + " filter(s) (" + summary(names) + ")"));
      findings.add(
          new Finding(ERROR, "seccomp-filters-differ",
              "the threads do not share their seccomp filters: " + String.join("; ", counts),
              "confine installs its filters in every thread at once (SECCOMP_FILTER_FLAG_TSYNC), which the kernel refuses while a thread has filters the caller has not; that refusal would come after chroot and halt the process.",
              "Install the daemon's own seccomp filters with SECCOMP_FILTER_FLAG_TSYNC (in every thread), or after apply()."));
    }
    int bits = context.kernel.securebits();
    if ((bits & DROP_DEFEATING_SECUREBITS) != 0) {
      List<String> names = new ArrayList<>();
      for (int bit = 0; bit < SECUREBIT_NAMES.length; bit++) {
        if ((bits & DROP_DEFEATING_SECUREBITS & (1 << bit)) != 0) {
          names.add("SECBIT_" + SECUREBIT_NAMES[bit]);
        }
      }
      findings.add(
          new Finding(ERROR, "securebits",
              "the process runs with securebits 0x" + Integer.toHexString(bits) + ": " + String.join(", ", names),
              "NO_SETUID_FIXUP and KEEP_CAPS keep capabilities across setresuid(2), so root's powers would survive the drop, and a locked KEEP_CAPS refuses the PR_SET_KEEPCAPS that keepCapabilities() needs; the drop would fail after chroot.",
              "Start the daemon without these securebits (no setpriv --securebits, no SecureBits= in its unit)."));
    }
  }

  private static String summary(List<String> lines) {
    return lines.size() <= 3 ? String.join("; ", lines) : String.join("; ", lines.subList(0, 3)) + "; and " + (lines.size() - 3) + " more";
  }

  /**
   * The builder refuses uid 0 and gid 0, and the resolver a user whose uid is 0; this says so
   * again, in the report, should any path around them open.
   */
  static void targetIdentity(PreflightContext context, List<Finding> findings) {
    // isPresent()/get(), not map() with lambdas: a class spun each on apply()'s cold path.
    long uid = context.identity.isPresent() ? context.identity.get().uid : context.policy.uid().orElse(-1);
    long gid = context.identity.isPresent() ? context.identity.get().gid : context.policy.gid().orElse(-1);
    List<Long> groups = context.identity.isPresent() ? context.identity.get().groups : context.policy.supplementaryGroups();
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
    long uid = context.identity.isPresent() ? context.identity.get().uid : context.policy.uid().orElse(-1);
    if (uid < 0) {
      return;
    }
    List<Long> pids = new ArrayList<>();
    for (java.util.Map.Entry<Long, Kernel.Ids> process : context.kernel.otherProcesses().entrySet()) {
      Kernel.Ids ids = process.getValue();
      if (ids.real == uid || ids.effective == uid || ids.saved == uid) {
        pids.add(process.getKey());
      }
    }
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
            "Processes of one uid can act on each other: signal, ptrace and pidfd_getfd(2) where Yama's ptrace_scope allows, and"
                + " setns(2) into the namespaces the other holds (a user namespace made by uid " + uid + " gives it every capability"
                + " inside, and a mount namespace there a root outside the jail). The others cannot ptrace the confined process or take"
                + " its descriptors (apply() turns its dumpable flag off), and confine's default baseline seccomp filter refuses setns,"
                + " unshare, ptrace, process_vm_readv/writev, pidfd_getfd and kcmp in the confined process, so it cannot reach into"
                + " them; signals both ways stay possible.",
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
