package dev.confine.internal;

import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.Step;
import dev.confine.Syscall;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

  private static final String OPEN_FLAGS = "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC";

  private Sequence() {}

  /** The steps for the policy; ids by name when the identity is not resolved yet. */
  public static List<Step> plan(ConfinementPolicy policy, Optional<Identity> identity) {
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
    String root = policy.root().toString();
    steps.add(Step.reversible(Syscall.OPEN, "hold the checked root: no symlink in any component", root, OPEN_FLAGS));
    steps.add(Step.reversible(Syscall.FCHDIR, "stand in the new root", Step.ROOT_FD));
    steps.add(Step.irreversible(Syscall.CHROOT, "make it \"/\"", "."));
    steps.add(Step.irreversible(Syscall.CHDIR, "leave no working directory outside the root", "/"));
    steps.add(Step.irreversible(Syscall.CLOSE, "keep no descriptor of a directory outside (fchdir escape)", Step.ROOT_FD));
    steps.add(Step.irreversible(Syscall.SETGROUPS, "drop supplementary groups while still root", policy.supplementaryGroups()));
    steps.add(Step.irreversible(Syscall.SETRESGID, "real, effective and saved gid", gid, gid, gid));
    steps.add(Step.irreversible(Syscall.SETRESUID, "real, effective and saved uid: root is gone", uid, uid, uid));
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
      case OPEN:
        {
          int fd = kernel.openDirectoryNoFollow(step.stringArgument(0));
          state.rootFd = fd;
          FileStatus opened = kernel.fstat(fd);
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
        default: return "the operation needs privileges this process does not have";
      }
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
