package dev.confine.internal;

import dev.confine.Syscall;
import dev.confine.VerificationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import dev.confine.internal.linux.Errno;

/**
 * Checks, after the drop, that it holds; OpenSSH's permanently_set_uid does the same and then
 * tries to regain root, which must fail.
 */
public final class Verifier {
  private Verifier() {}

  /**
   * Returns what was checked, one line each.
   *
   * @throws VerificationException on the first check that does not hold
   * @throws ErrnoException if a read of the state fails
   */
  public static List<String> verify(Kernel kernel, Identity identity) throws ErrnoException {
    List<String> checked = new ArrayList<>();
    Kernel.Ids uids = kernel.getresuid();
    if (!uids.allEqual(identity.uid)) {
      throw new VerificationException("getresuid() = " + uids + ", expected " + identity.uid + " three times");
    }
    checked.add("getresuid() = " + uids);
    Kernel.Ids gids = kernel.getresgid();
    if (!gids.allEqual(identity.gid)) {
      throw new VerificationException("getresgid() = " + gids + ", expected " + identity.gid + " three times");
    }
    checked.add("getresgid() = " + gids);
    List<Long> groups = kernel.getgroups();
    // The kernel keeps the group list sorted, so compare as sets of the same size.
    if (groups.size() != identity.groups.size() || !new HashSet<>(groups).equals(new HashSet<>(identity.groups))) {
      throw new VerificationException("getgroups() = " + groups + ", expected " + identity.groups);
    }
    checked.add("getgroups() = " + groups);
    // As calls, not lambdas: each lambda would spin a class on apply()'s cold path (issue 28).
    ErrnoException refusal = null;
    try {
      kernel.setuid(0);
    } catch (ErrnoException e) {
      refusal = e;
    }
    expectDenied(Syscall.SETUID, refusal);
    checked.add("setuid(0) fails with EPERM");
    refusal = null;
    try {
      kernel.setgid(0);
    } catch (ErrnoException e) {
      refusal = e;
    }
    expectDenied(Syscall.SETGID, refusal);
    checked.add("setgid(0) fails with EPERM");
    String cwd = kernel.getcwd();
    if (!cwd.equals("/")) {
      throw new VerificationException("getcwd() = " + cwd + ", expected \"/\"");
    }
    checked.add("getcwd() = \"/\"");
    return checked;
  }

  /**
   * Every thread's root and working directory, read through the /proc/self/task descriptor, are
   * the new root: a thread that called unshare(CLONE_FS) before apply() keeps its own, which
   * chroot in another thread never changes. A thread that ended meanwhile is passed over.
   *
   * @throws VerificationException naming each thread whose root or cwd is elsewhere
   */
  public static String verifyThreadViews(Kernel kernel, int threadListFd, FileStatus root) throws ErrnoException {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    // The ids alone, listed afresh (a thread born since verifyThreads read the statuses is looked
    // at too); the name is read only for a thread that fails.
    for (long tid : kernel.threadIds(threadListFd)) {
      boolean seen = false;
      for (String link : THREAD_VIEWS) {
        FileStatus status;
        try {
          status = kernel.statThreadView(threadListFd, tid, link);
        } catch (ErrnoException e) {
          if (e.is(Errno.ENOENT) || e.is(Errno.ESRCH)) {
            continue; // the thread ended after it was listed
          }
          throw e;
        }
        seen = true;
        // Device and inode alone would pass a thread whose root is the jail's bind source: the
        // same directory on another mount, from which ".." climbs the host's tree (issue 23).
        if (!status.sameFileAndMountAs(root)) {
          boolean otherMount = status.device == root.device && status.inode == root.inode;
          problems.add(
              "thread " + tid + " \"" + threadName(kernel, threadListFd, tid) + "\": " + link + " is device " + status.device + " inode " + status.inode
                  + " mount " + status.mountId.getAsLong() + ", not the new root (device " + root.device + " inode " + root.inode
                  + " mount " + root.mountId.getAsLong() + ")" + (otherMount ? ", the same directory on another mount (a bind mount's source?)" : "")
                  + ": it does not share the process's root (unshare(CLONE_FS)?) and still sees the host");
        }
      }
      if (seen) {
        checked++;
      }
    }
    if (!problems.isEmpty()) {
      throw new VerificationException("not every thread is inside the new root:\n  " + String.join("\n  ", problems));
    }
    return checked + " threads: root and cwd (/proc/self/task/*/root, cwd) are the new root (device " + root.device + " inode " + root.inode + " mount " + root.mountId.getAsLong() + ")";
  }

  private static final String[] THREAD_VIEWS = {"root", "cwd"};

  /** A thread's name for a message, "?" if it has ended. */
  private static String threadName(Kernel kernel, int threadListFd, long tid) throws ErrnoException {
    java.util.Optional<dev.confine.internal.linux.ThreadStatus> status = kernel.threadStatus(threadListFd, tid);
    return status.isPresent() ? status.get().name : "?";
  }

  /**
   * No open descriptor is a directory outside the new root: one opened by another thread after
   * preflight's look, or kept across the drop, would let openat(2) reach the host. Listed through
   * the /proc/self/task descriptor ({@code ../fd}); each directory judged by
   * {@link DirectoryDescriptors}. The thread-list descriptor itself is left out: it is closed
   * before apply() returns.
   *
   * @throws VerificationException naming each directory outside
   */
  public static String verifyDescriptors(Kernel kernel, int threadListFd, FileStatus root) throws ErrnoException {
    List<String> problems = new ArrayList<>();
    int descriptors = 0;
    int directories = 0;
    for (int fd : kernel.descriptorNumbers(threadListFd)) {
      if (fd == threadListFd) {
        continue;
      }
      FileStatus status;
      try {
        status = kernel.fstat(fd);
      } catch (ErrnoException e) {
        if (DirectoryDescriptors.closedMeanwhile(e)) {
          continue;
        }
        throw e;
      }
      descriptors++;
      if (status.type != FileStatus.Type.DIRECTORY) {
        continue;
      }
      directories++;
      java.util.Optional<String> outside;
      try {
        outside = DirectoryDescriptors.outside(kernel, fd, root);
      } catch (ErrnoException e) {
        if (DirectoryDescriptors.closedMeanwhile(e)) {
          continue;
        }
        throw e;
      }
      if (outside.isPresent()) {
        problems.add("fd " + fd + " is a directory outside the new root (device " + status.device + " inode " + status.inode + "): " + outside.get());
      }
    }
    if (!problems.isEmpty()) {
      throw new VerificationException(
          "a directory outside the new root is still open; openat(2) from it reaches the host:\n  " + String.join("\n  ", problems));
    }
    return descriptors + " open descriptors (/proc/self/fd): " + directories + " directories, each inside the new root";
  }

  /**
   * The descriptor kept for systemd's notify socket is a socket: it stays open in the jail, and
   * must be nothing that leads out of it (a directory would: fchdir, openat). A connected datagram
   * socket reaches only what it can send datagrams to.
   */
  public static String verifyNotifySocket(Kernel kernel, int fd, String address) throws ErrnoException {
    FileStatus status = kernel.fstat(fd);
    if (status.type != FileStatus.Type.SOCKET) {
      throw new VerificationException(
          "fd " + fd + ", kept for systemd's notify socket (" + address + "), is a " + status.type + ", not a socket");
    }
    return "fd " + fd + " (systemd's notify socket, connected to " + address + " before chroot) is a socket, not a directory";
  }

  /** PR_GET_DUMPABLE is 0: no core dump of what was loaded as root, no ptrace by the target uid's other processes. */
  public static String verifyNotDumpable(Kernel kernel) throws ErrnoException {
    if (kernel.dumpable()) {
      throw new VerificationException("PR_GET_DUMPABLE is not 0: other processes of the target uid could ptrace this one and read its memory");
    }
    return "PR_GET_DUMPABLE = 0: no core dumps; other processes of the target uid cannot ptrace this one or read its /proc files";
  }

  /** How often, and how long at most, the threads are read again while an ending one lingers. */
  static final long PAUSE_NANOS = 1_000_000L;

  static final int MAX_PAUSES = 2_000;

  /**
   * {@link #verifyThreads(List, long, Identity, long, boolean)} on the threads read through
   * {@code threadListFd}, tolerant of one race only: glibc's set*id skips a thread that has begun
   * to exit (from then on it blocks signals and runs no application code, glibc bug 12889), so
   * such a thread can still show root for a moment. A thread other than the caller that fails
   * the checks is read again, every millisecond, for up to two seconds; the drop holds once every
   * such thread is gone. One that is still there after that, or a failing caller, fails the
   * verification. A thread born after the drop inherits the dropped credentials, so the wait
   * ends.
   */
  public static List<String> verifyThreads(
      Kernel kernel, int threadListFd, long callerTid, Identity identity, long keptMask, boolean noNewPrivileges)
      throws ErrnoException {
    List<dev.confine.internal.linux.ThreadStatus> threads = kernel.threadStatuses(threadListFd);
    VerificationException firstFailure;
    try {
      return verifyThreads(threads, callerTid, identity, keptMask, noNewPrivileges);
    } catch (VerificationException e) {
      firstFailure = e;
    }
    java.util.Set<Long> failing = failingOthers(threads, callerTid, identity, keptMask, noNewPrivileges);
    if (failing.isEmpty()) {
      throw firstFailure; // the caller itself failed, or is missing: nothing to wait for
    }
    java.util.Set<Long> ended = new java.util.TreeSet<>();
    int pauses = 0;
    while (!failing.isEmpty() && pauses < MAX_PAUSES) {
      kernel.pause(PAUSE_NANOS);
      pauses++;
      threads = kernel.threadStatuses(threadListFd);
      java.util.Set<Long> present = new HashSet<>();
      for (dev.confine.internal.linux.ThreadStatus t : threads) {
        present.add(t.tid);
      }
      for (Long tid : failing) {
        if (!present.contains(tid)) {
          ended.add(tid);
        }
      }
      failing = failingOthers(threads, callerTid, identity, keptMask, noNewPrivileges);
    }
    List<String> checked = new ArrayList<>(verifyThreads(threads, callerTid, identity, keptMask, noNewPrivileges));
    if (!ended.isEmpty()) { // a thread may also have passed on a later read without ending: not counted
      checked.add(
          1,
          ended.size() + " thread(s) " + ended + " were ending during the drop and still showed what they had before"
              + " (glibc's set*id skips a thread that has begun to exit; it runs no application code);"
              + " all were gone after " + pauses + " re-read(s), " + pauses * PAUSE_NANOS / 1_000_000 + " ms of pauses");
    }
    return checked;
  }

  /** The threads, other than the caller, that fail a check; the caller's failure is never waited on. */
  private static java.util.Set<Long> failingOthers(
      List<dev.confine.internal.linux.ThreadStatus> threads, long callerTid, Identity identity, long keptMask, boolean noNewPrivileges) {
    java.util.Set<Long> failing = new java.util.TreeSet<>();
    for (dev.confine.internal.linux.ThreadStatus t : threads) {
      if (t.tid == callerTid) {
        if (!problems(t, true, identity, keptMask, noNewPrivileges, "").isEmpty()) {
          return java.util.Set.of();
        }
      } else if (!problems(t, false, identity, keptMask, noNewPrivileges, "").isEmpty()) {
        failing.add(t.tid);
      }
    }
    return failing;
  }

  /**
   * Checks every thread of the process, from its /proc status read after the drop: all four uids
   * and gids are the target's, the groups are the asked list, no inheritable or ambient
   * capability, no permitted or effective one except {@code keptMask} in the calling thread
   * (exactly that), the caller's bounding set empty, and, with no_new_privs, NoNewPrivs 1 and a
   * seccomp filter in every thread. Returns one line per thread and a summary of what remains of
   * the bounding sets, and why.
   *
   * @throws VerificationException listing every thread that is not dropped
   */
  public static List<String> verifyThreads(
      List<dev.confine.internal.linux.ThreadStatus> threads, long callerTid, Identity identity, long keptMask, boolean noNewPrivileges) {
    List<String> problems = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    boolean callerSeen = false;
    long otherBounding = -1;
    int othersWithBounding = 0;
    // Each thread's line is its id and name, then what it showed; the threads of a dropped
    // process show the same, so that part is made once and shared while it stays the same: a
    // dozen concatenations and hex conversions per thread of thousands, in the timed VERIFY
    // phase of a cold JVM, cost more than reading the thread's status (issue 28).
    dev.confine.internal.linux.ThreadStatus shown = null;
    String values = "";
    StringBuilder row = new StringBuilder(160);
    for (dev.confine.internal.linux.ThreadStatus t : threads) {
      boolean caller = t.tid == callerTid;
      callerSeen |= caller;
      row.setLength(0);
      row.append("  thread ").append(t.tid).append(" \"").append(t.name).append("\"");
      if (caller) {
        row.append(" (caller)");
      }
      // The row as it stands names the thread, seen through a view (no copy): problems() makes a
      // String of it only for a thread that fails, which none of thousands does.
      problems.addAll(problems(t, caller, identity, keptMask, noNewPrivileges, java.nio.CharBuffer.wrap(row, 2, row.length())));
      if (!caller && t.capBnd != 0) {
        othersWithBounding++;
        otherBounding = t.capBnd;
      }
      if (shown == null || !sameValues(shown, t)) {
        // Concatenation, not String.format: where each Formatter call cost about as much as
        // reading the thread's status.
        values = ": Uid " + t.uid.get(0) + " Gid " + t.gid.get(0) + " Groups " + t.groups
            + " CapInh " + Long.toHexString(t.capInh) + " CapPrm " + Long.toHexString(t.capPrm)
            + " CapEff " + Long.toHexString(t.capEff) + " CapAmb " + Long.toHexString(t.capAmb)
            + " CapBnd " + hex16(t.capBnd) + " NoNewPrivs " + t.noNewPrivs + " Seccomp " + t.seccomp;
        shown = t;
      }
      lines.add(row.append(values).toString()); // indented: a line of the summary above it
    }
    if (!callerSeen) {
      problems.add("the calling thread " + callerTid + " is not in /proc/self/task");
    }
    if (!problems.isEmpty()) {
      throw new VerificationException("not every thread is dropped:\n  " + String.join("\n  ", problems));
    }
    List<String> checked = new ArrayList<>();
    checked.add(
        threads.size() + " threads (/proc/self/task/*/status): Uid and Gid " + identity.uid + "/" + identity.gid
            + " in all four fields, Groups " + identity.groups + ", CapInh/CapAmb 0, CapPrm/CapEff "
            + (keptMask == 0 ? "0" : "0 except " + Long.toHexString(keptMask) + " in the caller")
            + (noNewPrivileges ? ", NoNewPrivs 1, Seccomp 2" : ", no_new_privs NOT set (allowNewPrivileges)"));
    checked.add(
        "bounding set: empty in the caller (PR_CAPBSET_DROP acts on the calling thread only); "
            + (othersWithBounding == 0
                ? "empty in every other thread too"
                : othersWithBounding + " other threads keep " + hex16(otherBounding)
                    + (noNewPrivileges
                        ? ", inert: they hold no permitted capability and no_new_privs keeps execve from granting any"
                        : ", and without no_new_privs a setuid-root program exec'd from one of them regains those capabilities")));
    checked.addAll(lines);
    return checked;
  }

  /** Whether a thread's line shows what {@code shown}'s does (its id and name aside). */
  private static boolean sameValues(dev.confine.internal.linux.ThreadStatus shown, dev.confine.internal.linux.ThreadStatus t) {
    return shown.uid.get(0).equals(t.uid.get(0)) && shown.gid.get(0).equals(t.gid.get(0)) && shown.groups.equals(t.groups)
        && shown.capInh == t.capInh && shown.capPrm == t.capPrm && shown.capEff == t.capEff && shown.capAmb == t.capAmb
        && shown.capBnd == t.capBnd && shown.noNewPrivs == t.noNewPrivs && shown.seccomp == t.seccomp;
  }

  private static List<String> problems(
      dev.confine.internal.linux.ThreadStatus t, boolean caller, Identity identity, long keptMask, boolean noNewPrivileges, CharSequence who) {
    List<String> found = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      if (t.uid.get(i) != identity.uid) {
        found.add(who + ": Uid " + t.uid);
        break;
      }
    }
    for (int i = 0; i < 4; i++) {
      if (t.gid.get(i) != identity.gid) {
        found.add(who + ": Gid " + t.gid);
        break;
      }
    }
    // The same list in the same order (the kernel's sorted one, as setgroups was given it) is the
    // usual case and needs no set per thread; any other is compared as sets of the same size.
    if (!t.groups.equals(identity.groups)
        && (t.groups.size() != identity.groups.size() || !new HashSet<>(t.groups).equals(new HashSet<>(identity.groups)))) {
      found.add(who + ": Groups " + t.groups + ", expected " + identity.groups);
    }
    long allowed = caller ? keptMask : 0;
    if (t.capPrm != allowed) {
      found.add(who + String.format(": CapPrm %016x, expected %016x", t.capPrm, allowed));
    }
    if (t.capEff != allowed) {
      found.add(who + String.format(": CapEff %016x, expected %016x", t.capEff, allowed));
    }
    if (t.capInh != 0) {
      found.add(who + String.format(": CapInh %016x", t.capInh));
    }
    if (t.capAmb != 0) {
      found.add(who + String.format(": CapAmb %016x", t.capAmb));
    }
    if (caller && t.capBnd != 0) {
      found.add(who + String.format(": CapBnd %016x after PR_CAPBSET_DROP", t.capBnd));
    }
    if (noNewPrivileges && t.noNewPrivs != 1) {
      found.add(who + ": NoNewPrivs " + t.noNewPrivs);
    }
    if (noNewPrivileges && t.seccomp != 2) {
      found.add(who + ": Seccomp " + t.seccomp + " (no filter)");
    }
    return found;
  }

  /** %016x. */
  public static String hex16(long value) {
    String hex = Long.toHexString(value);
    return "0000000000000000".substring(hex.length()) + hex;
  }

  /** The attempt to regain root ended in {@code refusal}, null if the call succeeded: EPERM passes. */
  private static void expectDenied(Syscall syscall, ErrnoException refusal) {
    if (refusal == null) {
      throw new VerificationException(syscall.cName() + "(0) succeeded: this process can regain root");
    }
    if (!refusal.is(Errno.EPERM)) {
      throw new VerificationException(syscall.cName() + "(0) failed with " + refusal.errnoName() + ", expected EPERM");
    }
  }
}
