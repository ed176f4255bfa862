package dev.confine;

/**
 * The system calls confine makes, by name. A {@link Step} names one, a {@link SyscallException}
 * names the one that failed, and the test kit's fake kernel can be told to fail any of them.
 */
public enum Syscall {
  OPENLOG("openlog"),
  UMASK("umask"),
  OPEN("open"),
  FCHDIR("fchdir"),
  CHROOT("chroot"),
  CHDIR("chdir"),
  CLOSE("close"),
  SETGROUPS("setgroups"),
  SETRESGID("setresgid"),
  SETRESUID("setresuid"),
  GETRESUID("getresuid"),
  GETRESGID("getresgid"),
  GETGROUPS("getgroups"),
  SETUID("setuid"),
  SETGID("setgid"),
  GETCWD("getcwd"),
  GETPWNAM("getpwnam_r"),
  GETPWUID("getpwuid_r"),
  // Linux only, below. Several name the same C function (prctl) with another option: each is its
  // own entry so that a report names the operation, and the test kit can fail each one alone.
  /** open("/proc/self/task") before chroot, kept to read every thread's status after the drop. */
  OPEN_THREAD_LIST("open"),
  /** prctl(PR_CAPBSET_DROP, cap) for every capability: the calling thread's bounding set. */
  CAPBSET_DROP("prctl"),
  /**
   * prctl(PR_CAPBSET_READ, cap): the probe for the last capability the kernel knows, and the read
   * of each before and after the drop; its own entry, so that a failure armed for the drop lands on it.
   */
  CAPBSET_READ("prctl"),
  /** prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL): the calling thread's ambient set. */
  CAP_AMBIENT_CLEAR("prctl"),
  /** prctl(PR_SET_KEEPCAPS, 1 or 0): keep the permitted set across setresuid, in this thread. */
  SET_KEEPCAPS("prctl"),
  /** capset(2): the calling thread's permitted, effective and inheritable sets. */
  CAPSET("capset"),
  /** capget(2): read back the calling thread's sets. */
  CAPGET("capget"),
  /** prctl(PR_SET_NO_NEW_PRIVS, 1): execve can no longer grant privileges (this thread). */
  NO_NEW_PRIVS("prctl"),
  /** seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC): a filter, and no_new_privs, in every thread. */
  SECCOMP("seccomp"),
  /** openat/getdents64/read of /proc/self/task/TID/status, through the descriptor kept. */
  READ_THREAD_STATUS("read"),
  /** getdents64 of /proc, openat/read of /proc/PID/status: preflight's look for other processes of the target uid. */
  READ_PROCESS_STATUS("read"),
  // What preflight reads before anything changes, named by the C call that failed underneath.
  /** lstat(2) of the root's components and of every entry of the jail. */
  LSTAT("lstat"),
  /** opendir/readdir(3) of a directory of the jail, or of /proc/self/fd. */
  READDIR("readdir"),
  /** readlink(2) of /proc/self/fd/N: what an open descriptor refers to. */
  READLINK("readlink"),
  /**
   * read(2) of a file of /proc or /sys before chroot: /proc/self/mountinfo, /proc/thread-self/status,
   * /proc/self/cgroup and the limits of the process's cgroups.
   */
  READ_PROC_FILE("read"),
  /**
   * statx(2) of an open descriptor, of a path below one (a thread's root and cwd in /proc/self/task),
   * or of a path through its links (/dev/log, as syslog(3) will reach it).
   */
  FSTAT("statx"),
  /**
   * openat(fd, "..", O_PATH|O_DIRECTORY): one step up from an open directory, to tell whether it
   * lies inside the new root (the walk up meets the root) or outside (it reaches the top).
   */
  OPEN_PARENT("openat"),
  /** getdents64 of /proc/self/fd, through the /proc/self/task descriptor after chroot: the process's descriptors. */
  READ_DESCRIPTORS("getdents64"),
  /**
   * lgetxattr(2) of system.posix_acl_access or system.posix_acl_default (who else may write a jail
   * entry), or of security.capability (a jail file that gains capabilities when run).
   */
  GETXATTR("lgetxattr"),
  /** prctl(PR_GET_SECUREBITS): securebits that would keep capabilities across setresuid. */
  GET_SECUREBITS("prctl"),
  /** prctl(PR_SET_DUMPABLE, 0): no core dump, and no ptrace or /proc access by other processes of the target uid. */
  SET_DUMPABLE("prctl"),
  // systemd's service notification (NOTIFY_SOCKET), connected before chroot.
  /** socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC, 0): the datagram socket for systemd's notify socket. */
  SOCKET("socket"),
  /** connect(2) of that socket to the address NOTIFY_SOCKET names, while its path is still visible. */
  CONNECT("connect"),
  /** sendto(2) of one notification (STATUS=, READY=1, WATCHDOG=1, STOPPING=1) through the connected socket. */
  SEND("sendto"),
  // The controlling terminal: opened before chroot (where /dev/tty is), left after it.
  /**
   * open(".", O_PATH|O_DIRECTORY|O_CLOEXEC): the working directory as it was, so that a refusal
   * after fchdir into the root and before chroot can put it back.
   */
  OPEN_WORKING_DIRECTORY("open"),
  /** open("/dev/tty", O_RDWR|O_NOCTTY|O_CLOEXEC): the controlling terminal, if the process has one (ENXIO: none). */
  OPEN_TERMINAL("open"),
  /** getsid(0): whether this process leads its session (then leaving the terminal would hang up its foreground). */
  GETSID("getsid"),
  /** ioctl(fd, TIOCNOTTY): the process leaves its controlling terminal, so TIOCSTI into it fails with EPERM. */
  TIOCNOTTY("ioctl"),
  /**
   * getsockopt(2) of an inherited socket (SO_DOMAIN, SO_ACCEPTCONN, SO_PEERCRED): whether it is
   * a Unix socket connected to a process of another uid, which the descriptor keeps reaching.
   */
  GETSOCKOPT("getsockopt");

  private final String cName;

  Syscall(String cName) {
    this.cName = cName;
  }

  /** The name of the C function, as in its manual page: {@code "setresuid"}. */
  public String cName() {
    return cName;
  }
}
