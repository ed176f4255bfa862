package dev.confine.internal;

import dev.confine.Capability;
import dev.confine.ConfinementException;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.internal.linux.LinuxArch;
import dev.confine.internal.linux.SeccompFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import dev.confine.internal.linux.Errno;

/**
 * The confinement sequence, in one method ({@link #run}), read top to bottom as OpenSSH's
 * privilege separation or minijail's {@code minijail_enter}: each line a step with its reason,
 * and beside it the hint a failure of its call carries.
 * It runs twice: once with a {@link Recorder}, which lists the steps and executes nothing
 * ({@code plan()}), and once with an {@link Executor}, which makes the calls, checks each result,
 * times each step and knows where the point of no return lies ({@code apply()}).
 */
public final class Sequence {
  /** openlog(3) options: LOG_PID, and LOG_NDELAY to connect to /dev/log now, before chroot. */
  static final long LOG_PID_NDELAY = 0x01 | 0x08;
  /** The one set of open(2) flags for a directory confine holds: no link followed, no child inherits it. */
  public static final String DIRECTORY_FLAGS = "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC";

  /** Stands for the descriptor of systemd's notify socket, made by the step before it. */
  static final String NOTIFY_FD = "<notify socket fd>";
  /** Stands for every capability the kernel knows (0 to the last, probed with PR_CAPBSET_READ). */
  public static final String EVERY_CAPABILITY = "<every capability>";
  /** Stands for the descriptor of the controlling terminal, opened by the step before the point of no return. */
  static final String TERMINAL_FD = "<terminal fd>";
  /** Stands for the seccomp program that refuses nothing (it only carries no_new_privs). */
  public static final String ALLOW_ALL = "<allow all>";
  /** Stands for the seccomp program of denyExec(): no execve, no fork, no clone of a process. */
  public static final String EXEC_BLOCK = "<deny with EPERM: execve, execveat, fork, vfork, clone without CLONE_THREAD; clone3 ENOSYS>";

  private Sequence() {}

  /**
   * The sequence for {@code policy}, becoming {@code target}. Groups go first because only root
   * may change them; the bounding and ambient sets are emptied while still root; the kept
   * capabilities are set after setresuid; then no_new_privs and a seccomp filter with TSYNC,
   * which carries no_new_privs to every thread.
   *
   * <p>Each step is written once, here: the call as a plan lists it (syscall and arguments), its
   * reason, what apply() does for it (the call on the kernel, and its check where the
   * {@link Executor} method it names reads the result back), and the hints a failure of its call
   * carries ({@code when(errno, hint)}; any other failure gets {@link #hint}'s). {@code plan()} runs this same method
   * with a {@link Recorder}, which lists each step and makes none of the calls.
   */
  static void run(PolicyView policy, Target target, Optional<String> notifySocket, Steps s) throws ErrnoException {
    if (policy.syslogIdent().isPresent()) {
      String ident = policy.syslogIdent().get();
      int facility = policy.syslogFacility().code();
      s.step(Syscall.OPENLOG, args(ident, LOG_PID_NDELAY, (long) facility), "connect to /dev/log while it is still visible",
          x -> x.openlog(ident, facility));
    }
    if (notifySocket.isPresent()) {
      String address = notifySocket.get();
      s.step(Syscall.SOCKET, args("AF_UNIX", "SOCK_DGRAM|SOCK_CLOEXEC", 0L), "systemd's NOTIFY_SOCKET: a datagram socket, close-on-exec",
          x -> x.notifyFd = x.kernel.unixDatagramSocket(), Sequence::notifyHint);
      s.step(Syscall.CONNECT, args(NOTIFY_FD, address),
          "connect while the path is still visible: STATUS= after the drop, READY=1 through the report's handle",
          x -> x.kernel.connect(x.notifyFd, address), Sequence::notifyHint);
    }
    if (policy.umask().isPresent()) {
      int mask = policy.umask().getAsInt();
      s.step(Syscall.UMASK, args((long) mask), "files created in the jail get these permissions", x -> x.kernel.umask(mask));
    }
    s.step(Syscall.OPEN_TERMINAL, args("/dev/tty", "O_RDWR|O_NOCTTY|O_CLOEXEC"),
        "/dev/tty is not in the jail: open the controlling terminal, if any, while it can be named (no terminal: nothing to leave)",
        Executor::openTerminal);
    s.step(Syscall.OPEN_THREAD_LIST, args("/proc/self/task", DIRECTORY_FLAGS),
        "/proc is not in the jail: keep the thread list to verify every thread after the drop (closed before apply() returns)",
        Executor::openThreadList);
    String root = policy.root().toString();
    s.step(Syscall.OPEN, args(root, DIRECTORY_FLAGS), "hold the checked root: no symlink in any component", x -> x.openRoot(root));
    s.step(Syscall.FCHDIR, args(Step.ROOT_FD), "stand in the new root", Executor::fchdirRoot);

    s.pointOfNoReturn();
    if (policy.execDenied()) {
      s.step(Syscall.SECCOMP, args("SECCOMP_SET_MODE_FILTER", "SECCOMP_FILTER_FLAG_TSYNC", EXEC_BLOCK),
          "from here on no thread may start a program or a process (a child forked between chroot and setresuid would keep root); installed as root, in every thread",
          x -> x.kernel.installSeccompFilterOnAllThreads(x.execBlock), SECCOMP_REFUSED);
    }
    s.step(Syscall.CHROOT, args("."), "make it \"/\"", x -> x.kernel.chroot("."),
        when(Errno.EPERM, "chroot(2) needs CAP_SYS_CHROOT: start the daemon as root"));
    s.step(Syscall.CHDIR, args("/"), "leave no working directory outside the root", x -> x.kernel.chdir("/"));
    s.step(Syscall.CLOSE, args(Step.ROOT_FD), "keep no descriptor of a directory outside (fchdir escape)", Executor::closeRoot);
    s.step(Syscall.TIOCNOTTY, args(TERMINAL_FD, "TIOCNOTTY"),
        "leave the controlling terminal, staying in the process group: a root shell may read from it, and TIOCSTI by any uid pushes input into the caller's own controlling terminal (CVE-2005-4890)",
        Executor::leaveTerminal);
    if (policy.baselineFilter()) {
      s.step(Syscall.SECCOMP, args("SECCOMP_SET_MODE_FILTER", "SECCOMP_FILTER_FLAG_TSYNC", baselineDescription(policy.baselineEntries())),
          "what a confined JVM server never needs and what reaches past the uid change (root's session keyring, another process's namespaces, TIOCSTI); installed as root, in every thread",
          x -> x.kernel.installSeccompFilterOnAllThreads(x.baseline), SECCOMP_REFUSED);
    }
    List<Long> groups = policy.supplementaryGroups();
    s.step(Syscall.SETGROUPS, args(groups), "drop supplementary groups while still root", x -> x.kernel.setgroups(groups),
        when(Errno.EPERM, "changing groups needs CAP_SETGID: start the daemon as root"), when(Errno.EINVAL, ID_NOT_VALID));
    s.step(Syscall.CAPBSET_DROP, args("PR_CAPBSET_DROP", EVERY_CAPABILITY),
        "empty this thread's bounding set (per thread: the other threads keep theirs; no_new_privs makes it moot for execve)",
        Executor::dropBoundingSet, when(Errno.EPERM, "PR_CAPBSET_DROP needs CAP_SETPCAP: start the daemon as root with a full capability set"));
    s.step(Syscall.CAP_AMBIENT_CLEAR, args("PR_CAP_AMBIENT", "PR_CAP_AMBIENT_CLEAR_ALL"), "no ambient capability survives execve",
        x -> x.kernel.clearAmbientCapabilities());
    List<Capability> kept = policy.keptCapabilities();
    if (!kept.isEmpty()) {
      s.step(Syscall.SET_KEEPCAPS, args("PR_SET_KEEPCAPS", 1L), "keep the permitted set across setresuid, in this thread only",
          x -> x.kernel.setKeepCapabilities(true));
    }
    s.step(Syscall.SETRESGID, args(target.gidShown, target.gidShown, target.gidShown), "real, effective and saved gid",
        x -> x.kernel.setresgid(target.identity().gid, target.identity().gid, target.identity().gid),
        when(Errno.EPERM, "changing groups needs CAP_SETGID: start the daemon as root"), when(Errno.EINVAL, ID_NOT_VALID));
    s.step(Syscall.SETRESUID, args(target.uidShown, target.uidShown, target.uidShown), "real, effective and saved uid: root is gone",
        x -> x.kernel.setresuid(target.identity().uid, target.identity().uid, target.identity().uid),
        when(Errno.EPERM, "changing uids needs CAP_SETUID: start the daemon as root"),
        when(Errno.EAGAIN, "the target user is at its RLIMIT_NPROC process limit"), when(Errno.EINVAL, ID_NOT_VALID));
    long mask = Internal.maskOf(kept);
    String names = kept.isEmpty() ? "none" : kept.stream().map(Capability::capName).collect(Collectors.joining(", "));
    s.step(Syscall.CAPSET, args(mask, mask, 0L), "permitted = effective = kept (" + names + "), in this thread; inheritable empty",
        x -> x.capset(mask), when(Errno.EPERM, "capset(2) can only lower the permitted set: the kept capabilities must still be permitted"));
    if (!kept.isEmpty()) {
      s.step(Syscall.SET_KEEPCAPS, args("PR_SET_KEEPCAPS", 0L), "keep-caps off again", x -> x.kernel.setKeepCapabilities(false));
    }
    s.step(Syscall.SET_DUMPABLE, args("PR_SET_DUMPABLE", 0L),
        "no core dump, no ptrace and no /proc access by other processes of uid " + target.uidShown + ": the memory holds what was loaded as root",
        Executor::notDumpable);
    if (policy.noNewPrivileges()) {
      s.step(Syscall.NO_NEW_PRIVS, args("PR_SET_NO_NEW_PRIVS", 1L),
          "execve can no longer grant privileges (setuid files, file capabilities); must precede TSYNC", Executor::noNewPrivileges);
      s.step(Syscall.SECCOMP,
          args("SECCOMP_SET_MODE_FILTER", "SECCOMP_FILTER_FLAG_TSYNC",
              policy.deniedSyscalls().isEmpty() ? ALLOW_ALL : "<deny with EPERM: " + String.join(", ", policy.deniedSyscalls()) + ">"),
          "TSYNC gives every thread this filter and, as the caller has it, no_new_privs",
          x -> x.kernel.installSeccompFilterOnAllThreads(x.lastFilter), SECCOMP_REFUSED);
    }
  }

  /** A step's arguments as the plan shows them. */
  private static Object[] args(Object... shown) {
    return shown;
  }

  /** The hint for a step whose own call fails with {@code errno}. */
  private static Hint when(int errno, String hint) {
    return failed -> failed == errno ? hint : null;
  }

  /** The three seccomp steps' hints. */
  private static final Hint SECCOMP_REFUSED = failed ->
      failed == Errno.EPERM ? "a seccomp filter needs no_new_privs first (or CAP_SYS_ADMIN)"
          : failed == Errno.ESRCH ? "another seccomp filter is installed in one thread only; TSYNC cannot reach that thread"
          : null;

  private static final String ID_NOT_VALID = "the id is not valid in this user namespace";

  /** The ids to become, as numbers once resolved, or as the policy names them for a plan. */
  static final class Target {
    final Object uidShown;
    final Object gidShown;
    private final Optional<Identity> identity;

    private Target(Object uidShown, Object gidShown, Optional<Identity> identity) {
      this.uidShown = uidShown;
      this.gidShown = gidShown;
      this.identity = identity;
    }

    static Target of(Identity identity) {
      return new Target(identity.uid, identity.gid, Optional.of(identity));
    }

    /** For a plan before the user is resolved: the name, or "primary gid of ...". */
    static Target unresolved(PolicyView policy) {
      Object uid = policy.userName().<Object>map(n -> n).orElseGet(() -> policy.uid().getAsLong());
      Object gid = policy.gid().isPresent() ? (Object) policy.gid().getAsLong() : "<primary gid of " + uid + ">";
      return new Target(uid, gid, Optional.empty());
    }

    Identity identity() {
      // Not orElseThrow(supplier): a lambda here would be spun on the sequence's own path.
      if (identity.isEmpty()) {
        throw new IllegalStateException("the identity must be resolved before the sequence runs");
      }
      return identity.get();
    }
  }

  /** What {@link #run} hands each step to: the plan lists it, apply() also makes its call. */
  interface Steps {
    /**
     * One step: {@code syscall} with the {@code arguments} a plan shows, for the reason
     * {@code why}; {@code call} is what apply() does for it, given the executor (its kernel and
     * what the sequence holds). A recorder never runs {@code call}. {@code hints}: what most likely
     * made the step's own call ({@code syscall}) fail, and what to do; otherwise {@link #hint}'s.
     */
    void step(Syscall syscall, Object[] arguments, String why, Call call, Hint... hints) throws ErrnoException;

    /** Every step from here on is irreversible: a failure leaves the process changed. */
    void pointOfNoReturn();
  }

  /** What apply() does for one step. */
  @FunctionalInterface
  interface Call {
    void make(Executor x) throws ErrnoException;
  }

  /** A step's hint for a failure of its own call: null if it has none for {@code errno}. */
  @FunctionalInterface
  interface Hint {
    String of(int errno);
  }

  /**
   * The plan of {@code policy}; ids by name when the identity is not resolved yet. The environment
   * is apply()'s to read: the plan has no notify-socket steps.
   */
  public static List<Step> plan(PolicyView policy, Optional<Identity> identity) {
    Recorder recorder = new Recorder();
    try {
      run(policy, identity.map(Target::of).orElseGet(() -> Target.unresolved(policy)), Optional.empty(), recorder);
    } catch (ErrnoException e) {
      throw new AssertionError("the recorder makes no call", e);
    }
    return List.copyOf(recorder.steps);
  }

  /** Lists the steps as data; makes no call. */
  static class Recorder implements Steps {
    final List<Step> steps = new ArrayList<>();
    private boolean irreversible;

    /** Adds the step; returns it so that the executor can time it. */
    Step add(Syscall syscall, String why, Object... arguments) {
      Step step = Internal.get().newStep(syscall, why, irreversible, arguments);
      steps.add(step);
      return step;
    }

    @Override
    public void step(Syscall syscall, Object[] arguments, String why, Call call, Hint... hints) throws ErrnoException {
      add(syscall, why, arguments);
    }

    @Override
    public void pointOfNoReturn() {
      irreversible = true;
    }
  }

  /**
   * Makes the calls, each checked, each timed, and records the same steps the recorder lists.
   * The seccomp programs are built before the sequence (in the constructor): nothing of the
   * assembler is loaded, or can fail, past the point of no return.
   */
  static final class Executor extends Recorder {
    private final Kernel kernel;
    private final NanoClock clock;
    /** The root as preflight saw it: what open must find again (device and inode). */
    private final Optional<FileStatus> checkedRoot;
    private final long[] execBlock;
    private final long[] baseline;
    private final long[] lastFilter;
    final List<Duration> times = new ArrayList<>();
    private long stepStart;

    /** An irreversible step has begun: from here on, a failure of any kind ends in the halt. */
    boolean irreversibleAttempted;
    /** An irreversible step has succeeded: a syscall that fails from here on leaves the process changed. */
    boolean pastPointOfNoReturn;
    boolean syslogOpen;
    int rootFd = -1;
    int threadListFd = -1;
    /** systemd's notify socket: kept open for the report's notifier once confined, closed on a refusal. */
    int notifyFd = -1;
    /**
     * The working directory as apply() found it, held from fchdir into the root until chroot has
     * succeeded: a refusal in between puts it back (a directory outside the root, closed with it).
     */
    int savedCwdFd = -1;
    /** fchdir into the root succeeded: a refusal from here until chroot puts the cwd back. */
    boolean cwdMoved;
    /** The controlling terminal, from before chroot until it is left; -1 when there is none. */
    int terminalFd = -1;
    /** What became of the controlling terminal, for the report. */
    String terminalOutcome = "no controlling terminal (or no /dev/tty to name it by)";
    long callerTid = -1;
    /** The new root as opened: what every thread's root and cwd must be after the drop. */
    FileStatus rootStatus;
    /** The failure of a step's own call that the step has a hint for, and that hint. */
    private ErrnoException failed;
    private String failedStepHint;

    Executor(Kernel kernel, NanoClock clock, PolicyView policy, Optional<FileStatus> checkedRoot) {
      this.kernel = kernel;
      this.clock = clock;
      this.checkedRoot = checkedRoot;
      this.execBlock = policy.execDenied() ? SeccompFilter.denyExec(architecture("denyExec()")) : null;
      this.baseline =
          policy.baselineFilter() ? SeccompFilter.baseline(architecture("the baseline filter (noBaselineFilter() turns it off)"), policy.allowedSyscalls()) : null;
      this.lastFilter =
          !policy.noNewPrivileges() ? null
              : policy.deniedSyscalls().isEmpty() ? SeccompFilter.allowAll()
              : SeccompFilter.denyList(architecture("denySyscalls()"), policy.deniedSyscalls());
    }

    private static LinuxArch architecture(String option) {
      Optional<LinuxArch> arch = LinuxArch.current(); // no orElseThrow(supplier): a lambda spun on apply()'s cold path
      if (arch.isEmpty()) {
        throw new ConfinementException(
            option + ": no syscall table for os.arch " + System.getProperty("os.arch") + " (x86_64 and aarch64 only)", false, null);
      }
      return arch.get();
    }

    /**
     * A refusal before chroot leaves the process as it was: the working directory, moved into the
     * root by fchdir, goes back to where it was. Returns "" or what could not be put back, for the
     * exception's message.
     */
    String restoreWorkingDirectory() {
      if (savedCwdFd < 0 || !cwdMoved) {
        return ""; // fchdir failed, or was never reached: the working directory did not move
      }
      try {
        kernel.fchdir(savedCwdFd);
        return "";
      } catch (ErrnoException e) {
        return "; and the working directory could not be put back (" + e.getMessage() + "): it is now the root's, " + rootStatus;
      }
    }

    /**
     * Closes what the sequence holds: the /proc/self/task descriptor, the root's, the terminal,
     * the saved working directory and systemd's notify socket (kept only by an apply() that
     * returns). The first points outside the jail (openat(fd, "../../..") reaches the host's "/"):
     * O_CLOEXEC, used by this thread only, and closed before apply() returns, whatever happens.
     */
    void closeQuietly() {
      for (int fd : new int[] {threadListFd, rootFd, notifyFd, terminalFd, savedCwdFd}) {
        if (fd >= 0) {
          try {
            kernel.close(fd);
          } catch (ErrnoException ignored) {
            // The failure being reported matters more than this one.
          }
        }
      }
      threadListFd = -1;
      rootFd = -1;
      notifyFd = -1;
    }

    /** Runs the sequence; with {@code notifySocket}, connects to it first. */
    void run(PolicyView policy, Identity identity, Optional<String> notifySocket) throws ErrnoException {
      Target target = Target.of(identity);
      // Once through with a recorder first, making no call: each step's call is a lambda, linked
      // (a class spun by the JVM) where it is first evaluated; this way all of them are linked
      // now, as root and before anything changed, and none past chroot.
      Sequence.run(policy, target, notifySocket, new Recorder());
      stepStart = clock.nanoTime();
      Sequence.run(policy, target, notifySocket, this);
    }

    /** Records the step, and notes that an irreversible one has begun. */
    @Override
    Step add(Syscall syscall, String why, Object... arguments) {
      Step step = super.add(syscall, why, arguments);
      if (step.irreversible()) {
        // Set before the call: an Error thrown inside it (after the kernel acted) must still halt.
        irreversibleAttempted = true;
      }
      return step;
    }

    /** The step succeeded: its time, and the point of no return if it was irreversible. */
    private void done() {
      if (steps.get(steps.size() - 1).irreversible()) {
        pastPointOfNoReturn = true;
      }
      long now = clock.nanoTime();
      times.add(Duration.ofNanos(now - stepStart));
      stepStart = now;
    }

    /** Makes the step's call, then records its time: a step that throws is not done. */
    @Override
    public void step(Syscall syscall, Object[] arguments, String why, Call call, Hint... hints) throws ErrnoException {
      super.step(syscall, arguments, why, call);
      try {
        call.make(this);
      } catch (ErrnoException e) {
        // Only the step's own call: a failure of another it makes on the way (the root's fstat)
        // has the general hint.
        for (int i = 0; i < hints.length && e.syscall() == syscall && failed == null; i++) {
          String text = hints[i].of(e.errno());
          if (text != null) {
            failed = e;
            failedStepHint = text;
          }
        }
        throw e;
      }
      done();
    }

    /** What most likely made this call of the sequence fail: its step's hint, or {@link Sequence#hint}. */
    String hint(ErrnoException e) {
      return e == failed ? failedStepHint : Sequence.hint(e);
    }

    // The calls of the steps that hold something, or check what they did: named by run().

    void openlog(String ident, int facility) {
      kernel.openlog(ident, (int) LOG_PID_NDELAY, facility);
      syslogOpen = true;
    }

    void openThreadList() throws ErrnoException {
      threadListFd = kernel.openThreadList();
      callerTid = kernel.threadId();
      // This thread's status read once now, while a failure is still harmless: proves the fields
      // are there and loads every class the reading needs while the class path is still
      // reachable. This thread's alone: every thread's was read by preflight just before, and all
      // are read after the drop; a second look at each here cost a server with 4,000 threads
      // 150 ms (issue 28).
      if (kernel.threadStatus(threadListFd, callerTid).isEmpty()) {
        throw new IllegalStateException("the calling thread " + callerTid + " is not in /proc/self/task");
      }
      // And this thread's root as the verification will read it, with its mount: a kernel that
      // cannot tell the mount (before 5.8) is refused here, not after the drop (issue 23).
      kernel.statThreadView(threadListFd, callerTid, "root");
    }

    void openTerminal() throws ErrnoException {
      java.util.OptionalInt fd = kernel.openControllingTerminal();
      if (fd.isPresent()) {
        terminalFd = fd.getAsInt();
        if (kernel.leadsSession()) {
          // Leaving would send SIGHUP to the terminal's foreground group, this JVM among it. A
          // shell may still read that terminal (setsid --ctty takes it from a root shell's
          // session): here the baseline filter's TIOCSTI rule is the only guard.
          kernel.close(terminalFd);
          terminalFd = -1;
          terminalOutcome = "kept the controlling terminal: this process leads its session (leaving would hang up its own foreground);"
              + " only the baseline filter's TIOCSTI rule keeps input from being pushed into it";
        }
      }
    }

    void leaveTerminal() throws ErrnoException {
      if (terminalFd >= 0) {
        kernel.leaveControllingTerminal(terminalFd);
        int fd = terminalFd;
        terminalFd = -1;
        kernel.close(fd);
        terminalOutcome = "left the controlling terminal (TIOCNOTTY): no input can be pushed into it from now on";
      }
    }

    void openRoot(String root) throws ErrnoException {
      rootFd = kernel.openDirectoryNoFollow(root);
      rootStatus = kernel.fstat(rootFd);
      // The mount counts: a mount put on the path since preflight (a bind of the same directory)
      // shows the same device and inode, but is not what preflight walked.
      if (checkedRoot.isPresent() && !rootStatus.sameFileAndMountAs(checkedRoot.get())) {
        throw new ConfinementException(
            root + " changed between preflight and open (was " + checkedRoot.get() + ", now " + rootStatus
                + "): refusing to chroot into a directory that was not checked");
      }
    }

    void fchdirRoot() throws ErrnoException {
      savedCwdFd = kernel.openWorkingDirectory();
      kernel.fchdir(rootFd);
      cwdMoved = true;
    }

    void closeRoot() throws ErrnoException {
      int fd = rootFd;
      rootFd = -1;
      kernel.close(fd);
      int cwd = savedCwdFd;
      savedCwdFd = -1;
      kernel.close(cwd);
    }

    void dropBoundingSet() throws ErrnoException {
      int last = kernel.lastCapability();
      for (int cap = 0; cap <= last; cap++) {
        if (kernel.inBoundingSet(cap)) {
          kernel.dropFromBoundingSet(cap);
        }
      }
      for (int cap = 0; cap <= last; cap++) {
        if (kernel.inBoundingSet(cap)) {
          throw new ConfinementException("capability " + cap + " is still in the bounding set after PR_CAPBSET_DROP", true, null);
        }
      }
    }

    void capset(long mask) throws ErrnoException {
      kernel.capset(mask, mask, 0);
      long[] got = kernel.capget();
      if (got[0] != mask || got[1] != mask || got[2] != 0) {
        throw new ConfinementException(
            "capget() after capset: permitted=" + Long.toHexString(got[0]) + " effective=" + Long.toHexString(got[1])
                + " inheritable=" + Long.toHexString(got[2]) + ", expected " + Long.toHexString(mask) + " " + Long.toHexString(mask) + " 0",
            true, null);
      }
    }

    void notDumpable() throws ErrnoException {
      kernel.setDumpable(false);
      if (kernel.dumpable()) {
        throw new ConfinementException("PR_GET_DUMPABLE is not 0 right after PR_SET_DUMPABLE 0", true, null);
      }
    }

    void noNewPrivileges() throws ErrnoException {
      kernel.setNoNewPrivileges();
      if (!kernel.noNewPrivileges()) {
        throw new ConfinementException("PR_GET_NO_NEW_PRIVS returned 0 right after PR_SET_NO_NEW_PRIVS", true, null);
      }
    }
  }

  /** How a plan shows the baseline filter: its entries, as the report and check() name them. */
  static String baselineDescription(List<String> entries) {
    return "<baseline: deny with EPERM: " + String.join(", ", entries) + "; clone3 ENOSYS>";
  }

  /**
   * What most likely made this call fail, and what to do, for a call of no step's own (preflight's,
   * the service notifier's, one a step makes on the way such as the root's fstat) or a failure its
   * step has no hint for. A step's own hints are written beside it, in {@link #run}.
   */
  public static String hint(ErrnoException e) {
    Syscall call = e.syscall();
    if (call == Syscall.SEND) {
      return sendHint(e.errno());
    }
    if (e.is(Errno.EPERM)) {
      return "the operation needs privileges this process does not have";
    }
    if (call == Syscall.FSTAT && (e.is(Errno.EOPNOTSUPP) || e.is(Errno.ENOSYS))) {
      return "the kernel does not report the mount of a file (statx's STATX_MNT_ID needs Linux 5.8; /proc/self/fdinfo is"
          + " read instead only before chroot): without it a bind mount of the root cannot be told from its source, whose"
          + " \"..\" leads out, so confine refuses to judge by device and inode alone";
    }
    if (call == Syscall.READ_PROCESS_STATUS) {
      return "preflight reads /proc to find other processes of the target uid: mount /proc (proc(5)) before apply()";
    }
    if (e.is(Errno.ELOOP)) {
      return "a component of the root is a symbolic link: give the real path (see realpath(1))";
    }
    if (e.is(Errno.ENOENT)) {
      return "the path does not exist";
    }
    if (e.is(Errno.ENOTDIR)) {
      return "a component of the path is not a directory";
    }
    if (e.is(Errno.EACCES)) {
      return "a component of the path is not searchable by this process";
    }
    return "";
  }

  /** systemd's notify socket after the drop: the notifier's send. */
  private static String sendHint(int errno) {
    if (errno == Errno.ECONNREFUSED || errno == Errno.ENOTCONN) {
      return "nothing receives at NOTIFY_SOCKET any more: the service manager stopped or closed its socket";
    }
    if (errno == Errno.EAGAIN || errno == Errno.ENOBUFS) {
      return "the service manager's socket is full: it does not read its notifications";
    }
    return "";
  }

  /**
   * The socket and connect steps' hints: NOTIFY_SOCKET came from outside, so say where to look.
   * Never null: a failure these do not name has no hint (not the general one).
   */
  private static String notifyHint(int errno) {
    String off = "; unset NOTIFY_SOCKET, or turn service notification off with noServiceNotification()";
    if (errno == Errno.ENOENT || errno == Errno.ENOTDIR) {
      return "nothing exists at NOTIFY_SOCKET's path: the service manager that set it is gone, or the variable was inherited" + off;
    }
    if (errno == Errno.ECONNREFUSED) {
      return "nothing listens at NOTIFY_SOCKET's address (no socket bound there, or not a socket)" + off;
    }
    if (errno == Errno.EACCES) {
      return "this process may not write to the socket at NOTIFY_SOCKET's path, or search a directory on the way" + off;
    }
    if (errno == Errno.EPROTOTYPE) {
      return "NOTIFY_SOCKET names a socket that is not a datagram socket" + off;
    }
    if (errno == Errno.EMFILE || errno == Errno.ENFILE) {
      return "no descriptor is free (RLIMIT_NOFILE)";
    }
    return "";
  }
}
