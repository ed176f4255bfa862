package dev.confine.internal;

import dev.confine.Capability;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.Step;
import dev.confine.Syscall;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import jnr.constants.platform.Errno;

/**
 * The confinement sequence, as OpenSSH's privilege separation does it: open the new root
 * without following links, fchdir to it, chroot("."), chdir("/"), then setgroups, setresgid and
 * setresuid, groups first because they can only be changed while still root.
 *
 * <p>The same list serves {@code plan()}, {@code apply()} and the test kit.
 */
public final class Sequence {
  /** openlog(3) options: LOG_PID, and LOG_NDELAY to connect to /dev/log now, before chroot. */
  public static final long LOG_PID_NDELAY = 0x01 | 0x08;

  /** Stands for every capability the kernel knows (0 to the last, probed with PR_CAPBSET_READ). */
  public static final String EVERY_CAPABILITY = "<every capability>";
  /** Stands for the seccomp program that refuses nothing (it only carries no_new_privs). */
  public static final String ALLOW_ALL = "<allow all>";
  /** Stands for the seccomp program of denyExec(): no execve, no fork, no clone of a process. */
  public static final String EXEC_BLOCK = "<deny with EPERM: execve, execveat, fork, vfork, clone without CLONE_THREAD; clone3 ENOSYS>";

  private static final String OPEN_FLAGS = "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC";

  private Sequence() {}

  /** Where the Linux-only steps appear: this JVM's operating system. */
  public static final boolean LINUX = System.getProperty("os.name", "").equals("Linux");

  /** Steps that exist on Linux only; elsewhere they are not planned, or apply() refuses if asked for. */
  public static final Set<Syscall> LINUX_ONLY =
      EnumSet.of(
          Syscall.OPEN_THREAD_LIST, Syscall.CAPBSET_DROP, Syscall.CAP_AMBIENT_CLEAR, Syscall.SET_KEEPCAPS,
          Syscall.CAPSET, Syscall.NO_NEW_PRIVS, Syscall.SECCOMP);

  /** The steps for the policy on this JVM's operating system. */
  public static List<Step> plan(ConfinementPolicy policy, Optional<Identity> identity) {
    return plan(policy, identity, LINUX);
  }

  /**
   * The steps for the policy; ids by name when the identity is not resolved yet. On Linux the
   * hardening steps are added: the thread list is opened before chroot (to verify every thread
   * after the drop); the bounding and ambient sets are emptied (and keep-caps set if capabilities
   * are kept) while still root; the kept capabilities are set after setresuid; then
   * no_new_privs and a seccomp filter with TSYNC, which carries no_new_privs to every thread.
   */
  public static List<Step> plan(ConfinementPolicy policy, Optional<Identity> identity, boolean linux) {
    Object uid = identity.<Object>map(i -> i.uid).orElseGet(() -> policy.userName().<Object>map(n -> n).orElseGet(() -> policy.uid().getAsLong()));
    Object gid =
        identity.<Object>map(i -> i.gid)
            .orElseGet(() -> policy.gid().isPresent() ? (Object) policy.gid().getAsLong() : "<primary gid of " + uid + ">");
    List<Step> steps = new ArrayList<>();
    policy.syslogIdent().ifPresent(
        ident ->
            steps.add(
                Step.reversible(
                    Syscall.OPENLOG,
                    "connect to /dev/log while it is still visible",
                    ident,
                    LOG_PID_NDELAY,
                    (long) policy.syslogFacility().code())));
    policy.umask().ifPresent(
        mask -> steps.add(Step.reversible(Syscall.UMASK, "files created in the jail get these permissions", (long) mask)));
    if (linux) {
      steps.add(
          Step.reversible(
              Syscall.OPEN_THREAD_LIST,
              "/proc is not in the jail: keep the thread list to verify every thread after the drop (closed before apply() returns)",
              "/proc/self/task",
              OPEN_FLAGS));
    }
    String root = policy.root().toString();
    steps.add(Step.reversible(Syscall.OPEN, "hold the checked root: no symlink in any component", root, OPEN_FLAGS));
    steps.add(Step.reversible(Syscall.FCHDIR, "stand in the new root", Step.ROOT_FD));
    if (linux && policy.execDenied()) {
      steps.add(
          Step.irreversible(
              Syscall.SECCOMP,
              "from here on no thread may start a program or a process (a child forked between chroot and setresuid would keep root); installed as root, in every thread",
              "SECCOMP_SET_MODE_FILTER",
              "SECCOMP_FILTER_FLAG_TSYNC",
              EXEC_BLOCK));
    }
    steps.add(Step.irreversible(Syscall.CHROOT, "make it \"/\"", "."));
    steps.add(Step.irreversible(Syscall.CHDIR, "leave no working directory outside the root", "/"));
    steps.add(Step.irreversible(Syscall.CLOSE, "keep no descriptor of a directory outside (fchdir escape)", Step.ROOT_FD));
    steps.add(Step.irreversible(Syscall.SETGROUPS, "drop supplementary groups while still root", policy.supplementaryGroups()));
    long keep = Capability.maskOf(policy.keptCapabilities());
    String kept = policy.keptCapabilities().isEmpty() ? "none" : policy.keptCapabilities().stream().map(Capability::capName).collect(Collectors.joining(", "));
    if (linux) {
      steps.add(
          Step.irreversible(
              Syscall.CAPBSET_DROP,
              "empty this thread's bounding set (per thread: the other threads keep theirs; no_new_privs makes it moot for execve)",
              "PR_CAPBSET_DROP",
              EVERY_CAPABILITY));
      steps.add(Step.irreversible(Syscall.CAP_AMBIENT_CLEAR, "no ambient capability survives execve", "PR_CAP_AMBIENT", "PR_CAP_AMBIENT_CLEAR_ALL"));
      if (keep != 0) {
        steps.add(Step.irreversible(Syscall.SET_KEEPCAPS, "keep the permitted set across setresuid, in this thread only", "PR_SET_KEEPCAPS", 1L));
      }
    }
    steps.add(Step.irreversible(Syscall.SETRESGID, "real, effective and saved gid", gid, gid, gid));
    steps.add(Step.irreversible(Syscall.SETRESUID, "real, effective and saved uid: root is gone", uid, uid, uid));
    if (linux) {
      steps.add(
          Step.irreversible(
              Syscall.CAPSET,
              "permitted = effective = kept (" + kept + ") in this thread, inheritable empty",
              keep,
              keep,
              0L));
      if (keep != 0) {
        steps.add(Step.irreversible(Syscall.SET_KEEPCAPS, "keep-caps off again", "PR_SET_KEEPCAPS", 0L));
      }
      steps.add(
          Step.irreversible(
              Syscall.SET_DUMPABLE,
              "no core dump, no ptrace and no /proc access by other processes of uid " + uid + ": the memory holds what was loaded as root",
              "PR_SET_DUMPABLE",
              0L));
      if (policy.noNewPrivileges()) {
        steps.add(
            Step.irreversible(
                Syscall.NO_NEW_PRIVS,
                "execve can no longer grant privileges (setuid files, file capabilities); must precede TSYNC",
                "PR_SET_NO_NEW_PRIVS",
                1L));
        steps.add(
            Step.irreversible(
                Syscall.SECCOMP,
                "TSYNC gives every thread this filter and, as the caller has it, no_new_privs",
                "SECCOMP_SET_MODE_FILTER",
                "SECCOMP_FILTER_FLAG_TSYNC",
                policy.deniedSyscalls().isEmpty() ? ALLOW_ALL : "<deny with EPERM: " + String.join(", ", policy.deniedSyscalls()) + ">"));
      }
    }
    return List.copyOf(steps);
  }

  /** Runs one step. The root descriptor lives in {@code state} between OPEN and CLOSE. */
  public static void execute(Step step, Kernel kernel, ExecutionState state) throws ErrnoException {
    switch (step.syscall()) {
      case OPENLOG:
        kernel.openlog(step.stringArgument(0), (int) step.longArgument(1), (int) step.longArgument(2));
        return;
      case UMASK:
        kernel.umask((int) step.longArgument(0));
        return;
      case OPEN_THREAD_LIST:
        {
          int fd = kernel.openThreadList();
          state.threadListFd = fd;
          // Read once now, while a failure is still harmless: proves the fields are there and
          // loads every class the reading needs while the class path is still reachable.
          state.threadsBefore = kernel.threadStatuses(fd);
          state.callerTid = kernel.threadId();
          return;
        }
      case CAPBSET_DROP:
        {
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
          state.lastCapability = last;
          return;
        }
      case CAP_AMBIENT_CLEAR:
        kernel.clearAmbientCapabilities();
        return;
      case SET_KEEPCAPS:
        kernel.setKeepCapabilities(step.longArgument(1) != 0);
        return;
      case CAPSET:
        {
          long permitted = step.longArgument(0);
          long effective = step.longArgument(1);
          long inheritable = step.longArgument(2);
          kernel.capset(permitted, effective, inheritable);
          long[] got = kernel.capget();
          if (got[0] != permitted || got[1] != effective || got[2] != inheritable) {
            throw new ConfinementException(
                String.format("capget() after capset: permitted=%x effective=%x inheritable=%x, expected %x %x %x",
                    got[0], got[1], got[2], permitted, effective, inheritable), true, null);
          }
          return;
        }
      case NO_NEW_PRIVS:
        kernel.setNoNewPrivileges();
        if (!kernel.noNewPrivileges()) {
          throw new ConfinementException("PR_GET_NO_NEW_PRIVS returned 0 right after PR_SET_NO_NEW_PRIVS", true, null);
        }
        return;
      case SECCOMP:
        kernel.installSeccompFilterOnAllThreads(state.seccompProgram(step));
        return;
      case SET_DUMPABLE:
        kernel.setDumpable(false);
        if (kernel.dumpable()) {
          throw new ConfinementException("PR_GET_DUMPABLE is not 0 right after PR_SET_DUMPABLE 0", true, null);
        }
        return;
      case OPEN:
        {
          int fd = kernel.openDirectoryNoFollow(step.stringArgument(0));
          state.rootFd = fd;
          FileStatus opened = kernel.fstat(fd);
          state.rootStatus = opened;
          if (state.checkedRoot.isPresent() && !opened.sameFileAs(state.checkedRoot.get())) {
            kernel.close(fd);
            state.rootFd = -1;
            throw new ConfinementException(
                step.stringArgument(0)
                    + " changed between preflight and open (was "
                    + state.checkedRoot.get()
                    + ", now "
                    + opened
                    + "): refusing to chroot into a directory that was not checked");
          }
          return;
        }
      case FCHDIR:
        kernel.fchdir(state.rootFd());
        return;
      case CHROOT:
        kernel.chroot(step.stringArgument(0));
        return;
      case CHDIR:
        kernel.chdir(step.stringArgument(0));
        return;
      case CLOSE:
        kernel.close(state.rootFd());
        state.rootFd = -1;
        return;
      case SETGROUPS:
        kernel.setgroups(step.idListArgument(0));
        return;
      case SETRESGID:
        kernel.setresgid(step.longArgument(0), step.longArgument(1), step.longArgument(2));
        return;
      case SETRESUID:
        kernel.setresuid(step.longArgument(0), step.longArgument(1), step.longArgument(2));
        return;
      default:
        throw new IllegalArgumentException("not a step of the sequence: " + step);
    }
  }

  /** What most likely made this call fail, and what to do. */
  public static String hint(ErrnoException e) {
    Syscall call = e.syscall();
    if (e.is(Errno.EPERM)) {
      switch (call) {
        case CHROOT: return "chroot(2) needs CAP_SYS_CHROOT: start the daemon as root";
        case SETGROUPS:
        case SETRESGID: return "changing groups needs CAP_SETGID: start the daemon as root";
        case SETRESUID: return "changing uids needs CAP_SETUID: start the daemon as root";
        case CAPBSET_DROP: return "PR_CAPBSET_DROP needs CAP_SETPCAP: start the daemon as root with a full capability set";
        case CAPSET: return "capset(2) can only lower the permitted set: the kept capabilities must still be permitted";
        case SECCOMP: return "a seccomp filter needs no_new_privs first (or CAP_SYS_ADMIN)";
        default: return "the operation needs privileges this process does not have";
      }
    }
    if (e.is(Errno.ENOSYS) && LINUX_ONLY.contains(call)) {
      return call.cName() + " is Linux-only; this system does not have it";
    }
    if (e.is(Errno.ESRCH) && call == Syscall.SECCOMP) {
      return "another seccomp filter is installed in one thread only; TSYNC cannot reach that thread";
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
    if (e.is(Errno.EAGAIN) && call == Syscall.SETRESUID) {
      return "the target user is at its RLIMIT_NPROC process limit";
    }
    if (e.is(Errno.EINVAL) && (call == Syscall.SETRESUID || call == Syscall.SETRESGID || call == Syscall.SETGROUPS)) {
      return "the id is not valid in this user namespace";
    }
    return "";
  }

  /** What lives between steps: the root descriptor and the identity of the root preflight checked. */
  public static final class ExecutionState {
    final Optional<FileStatus> checkedRoot;
    int rootFd = -1;
    int threadListFd = -1;
    long callerTid = -1;
    int lastCapability = -1;
    /** The new root as opened (device and inode): what every thread's root and cwd must be after the drop. */
    FileStatus rootStatus;
    List<dev.confine.internal.linux.ThreadStatus> threadsBefore = List.of();
    private final Map<Step, long[]> programs = new HashMap<>();

    /**
     * Builds the seccomp programs of the plan now, before chroot: nothing of the assembler has to
     * be loaded (or can fail) once the process is past the point of no return.
     */
    public void prepare(List<Step> steps, ConfinementPolicy policy) {
      for (Step step : steps) {
        if (step.syscall() == Syscall.SECCOMP && EXEC_BLOCK.equals(step.arguments().get(2))) {
          programs.put(step, dev.confine.internal.linux.SeccompFilter.denyExec(architecture("denyExec()")));
        } else if (step.syscall() == Syscall.SECCOMP) {
          if (policy.deniedSyscalls().isEmpty()) {
            programs.put(step, dev.confine.internal.linux.SeccompFilter.allowAll());
          } else {
            programs.put(step, dev.confine.internal.linux.SeccompFilter.denyList(architecture("denySyscalls()"), policy.deniedSyscalls()));
          }
        }
      }
    }

    private static dev.confine.internal.linux.LinuxArch architecture(String option) {
      return dev.confine.internal.linux.LinuxArch.current()
          .orElseThrow(() -> new ConfinementException(
              option + ": no syscall table for os.arch " + System.getProperty("os.arch") + " (x86_64 and aarch64 only)", false, null));
    }

    /** The new root as it was opened, or empty before OPEN. */
    public java.util.Optional<FileStatus> rootStatus() {
      return java.util.Optional.ofNullable(rootStatus);
    }

    long[] seccompProgram(Step step) {
      long[] program = programs.get(step);
      if (program == null) {
        throw new IllegalStateException("seccomp program not prepared before the sequence: call prepare()");
      }
      return program;
    }

    /** The descriptor of /proc/self/task, or -1. */
    public int threadListFd() {
      return threadListFd;
    }

    /** Marks the thread list closed. */
    public void threadListClosed() {
      threadListFd = -1;
    }

    /** The thread that ran the sequence (gettid), or -1 if the thread list was not opened. */
    public long callerTid() {
      return callerTid;
    }

    /** The last capability number the kernel knows, or -1 if the bounding set was not dropped. */
    public int lastCapability() {
      return lastCapability;
    }

    /** How many threads the process had when the thread list was opened. */
    public int threadsBefore() {
      return threadsBefore.size();
    }

    public ExecutionState(Optional<FileStatus> checkedRoot) {
      this.checkedRoot = checkedRoot;
    }

    int rootFd() {
      if (rootFd < 0) {
        throw new IllegalStateException("the root is not open: OPEN must come first");
      }
      return rootFd;
    }

    /** The root descriptor still open after a failure, or -1. */
    public int openRootFd() {
      return rootFd;
    }
  }
}
