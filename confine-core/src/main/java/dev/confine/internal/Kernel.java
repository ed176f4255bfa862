package dev.confine.internal;

import dev.confine.Syscall;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operating system as confine sees it: only the calls it makes, each result checked. A
 * failing call throws {@link ErrnoException}; nothing returns -1 for the caller to forget.
 *
 * <p>Implementations: {@link NativeKernel}, the real one (libc through {@link LibC}: jffi, or
 * java.lang.foreign on Java 22+; bound once); and, in the test kit (confine-testing, package
 * {@code dev.confine.testing.simulation}), {@code SimulatedKernel}, the kernel's rules in memory
 * (behind {@code FakeKernel}, which is a facade and not a {@code Kernel}), and
 * {@code FaultyKernel}, a decorator over either that fails any call on request. The unit tests add
 * a {@code ForwardingKernel} to make one call another way.
 *
 * <p>Each call that can fail says here, in {@link SyscallOf}, which {@link Syscall} it is failed
 * and recorded as: both decorators are proxies built from that, so a new call is written here,
 * in {@code NativeKernel} and in {@code SimulatedKernel}, and nowhere else.
 */
public interface Kernel {
  /** Ids are unsigned 32-bit values carried in a long. */
  final class Ids {
    public final long real;
    public final long effective;
    public final long saved;

    public Ids(long real, long effective, long saved) {
      this.real = real;
      this.effective = effective;
      this.saved = saved;
    }

    public boolean allEqual(long id) {
      return real == id && effective == id && saved == id;
    }

    @Override
    public String toString() {
      return real + " " + effective + " " + saved;
    }
  }

  /** The process at the other end of a connected Unix socket, as SO_PEERCRED gives it. */
  final class SocketPeer {
    public final long pid;
    public final long uid;
    public final long gid;

    public SocketPeer(long pid, long uid, long gid) {
      this.pid = pid;
      this.uid = uid;
      this.gid = gid;
    }

    @Override
    public String toString() {
      return "pid " + pid + " uid " + uid + " gid " + gid;
    }
  }

  /** Which binding makes the calls: "jffi", "FFM (java.lang.foreign)", or the fake's name. */
  String binding();

  /** open(".", O_PATH|O_DIRECTORY|O_CLOEXEC): the working directory, to fchdir back to. */
  @SyscallOf(value = Syscall.OPEN_WORKING_DIRECTORY, args = {".", "O_PATH|O_DIRECTORY|O_CLOEXEC"})
  int openWorkingDirectory() throws ErrnoException;

  // the controlling terminal

  /**
   * open("/dev/tty", O_RDWR|O_NOCTTY|O_CLOEXEC): this process's controlling terminal, or empty
   * when it has none (ENXIO) or no /dev/tty can name it (ENOENT: a /dev of its own).
   */
  @SyscallOf(value = Syscall.OPEN_TERMINAL, args = {"/dev/tty", "O_RDWR|O_NOCTTY|O_CLOEXEC"})
  java.util.OptionalInt openControllingTerminal() throws ErrnoException;

  /** getsid(0) == getpid(): this process leads its session. */
  @SyscallOf(value = Syscall.GETSID, args = "0")
  boolean leadsSession() throws ErrnoException;

  /** ioctl(fd, TIOCNOTTY): this process leaves its controlling terminal (it stays in its process group). */
  @SyscallOf(value = Syscall.TIOCNOTTY, args = {"{0}", "TIOCNOTTY"})
  void leaveControllingTerminal(int fd) throws ErrnoException;

  // identity
  @SyscallOf(Syscall.GETRESUID)
  Ids getresuid() throws ErrnoException;

  @SyscallOf(Syscall.GETRESGID)
  Ids getresgid() throws ErrnoException;

  @SyscallOf(Syscall.GETGROUPS)
  List<Long> getgroups() throws ErrnoException;

  @SyscallOf(Syscall.SETGROUPS)
  void setgroups(List<Long> gids) throws ErrnoException;

  @SyscallOf(Syscall.SETRESGID)
  void setresgid(long rgid, long egid, long sgid) throws ErrnoException;

  @SyscallOf(Syscall.SETRESUID)
  void setresuid(long ruid, long euid, long suid) throws ErrnoException;

  /**
   * setuid(2) itself, in the calling thread alone: not glibc's setuid, which first makes every
   * other thread run it (its set*id broadcast, a signal and a wait per thread). The verifier's
   * attempt to regain root needs one thread's answer: the kernel judges it on that thread's
   * credentials, which the verification reads in every thread; and a call that succeeded would
   * have changed that thread alone, which the verifier then halts on.
   */
  @SyscallOf(Syscall.SETUID)
  void setuid(long uid) throws ErrnoException;

  /** setgid(2) itself, in the calling thread alone; see {@link #setuid(long)}. */
  @SyscallOf(Syscall.SETGID)
  void setgid(long gid) throws ErrnoException;

  /** The permitted, effective and bounding capability sets of the calling thread, as bit masks. */
  @SyscallOf(value = Syscall.READ_PROC_FILE, args = "/proc/thread-self/status")
  Capabilities capabilities() throws ErrnoException;

  // user database, read before chroot
  @SyscallOf(Syscall.GETPWNAM)
  Optional<PasswdEntry> getpwnam(String name) throws ErrnoException;

  @SyscallOf(Syscall.GETPWUID)
  Optional<PasswdEntry> getpwuid(long uid) throws ErrnoException;

  // file system
  /**
   * Opens a directory without following a symbolic link in ANY component (each component is
   * opened with openat and O_NOFOLLOW), read-only and close-on-exec. Returns the descriptor.
   */
  @SyscallOf(value = Syscall.OPEN, args = {"{0}", Sequence.DIRECTORY_FLAGS})
  int openDirectoryNoFollow(String absolutePath) throws ErrnoException;

  /** The identity and type of what an open descriptor refers to. */
  @SyscallOf(value = Syscall.FSTAT, args = {"{0}", "", "AT_EMPTY_PATH"})
  FileStatus fstat(int fd) throws ErrnoException;

  /** lstat(2): the entry itself, never what a symlink points to; empty if it does not exist. */
  @SyscallOf(Syscall.LSTAT)
  Optional<FileStatus> lstat(String path) throws ErrnoException;

  /**
   * stat(2): what {@code path} names, following links, the last one too (as connect(2) to
   * /dev/log does); empty if it, or a link's target, does not exist.
   */
  @SyscallOf(Syscall.FSTAT)
  Optional<FileStatus> stat(String path) throws ErrnoException;

  @SyscallOf(Syscall.FCHDIR)
  void fchdir(int fd) throws ErrnoException;

  @SyscallOf(Syscall.CHDIR)
  void chdir(String path) throws ErrnoException;

  @SyscallOf(Syscall.CHROOT)
  void chroot(String path) throws ErrnoException;

  @SyscallOf(Syscall.CLOSE)
  void close(int fd) throws ErrnoException;

  @SyscallOf(Syscall.GETCWD)
  String getcwd() throws ErrnoException;

  @SyscallOf(value = Syscall.UMASK, args = "{0:mode}", canFail = false, result = "mode")
  int umask(int mask);

  /** Every open descriptor of the process, with what it refers to (from /proc/self/fd). */
  @SyscallOf(value = Syscall.READDIR, args = "/proc/self/fd")
  @SyscallOf(value = Syscall.READLINK, args = "/proc/self/fd/*")
  List<OpenFile> openFiles() throws ErrnoException;

  /** Receives each entry of {@link #walk}: its absolute path and its lstat. */
  @FunctionalInterface
  interface WalkVisitor {
    void visit(String path, FileStatus status) throws ErrnoException;

    /**
     * True if visiting this entry, not a directory, would do nothing whatever its path: the walk
     * may then skip the visit and the String of its path (most entries of a jail; issue 28).
     */
    default boolean passes(FileStatus status) {
      return false;
    }
  }

  /**
   * Visits {@code directory} and everything under it, each entry with lstat(2), never following a
   * symbolic link (a link is visited as a link, not entered). Mounted file systems below it are
   * entered and walked like the rest, except the directories named in {@code doNotEnter}
   * (absolute paths: kernel file systems such as proc, which preflight refuses on sight), which
   * are visited but not entered. Entries removed meanwhile are skipped.
   */
  @SyscallOf(value = Syscall.READDIR, args = "{0}")
  @SyscallOf(value = Syscall.LSTAT, args = "{0}/*")
  void walk(String directory, java.util.Set<String> doNotEnter, WalkVisitor visitor) throws ErrnoException;

  /** Every mount this process sees, from /proc/self/mountinfo. */
  @SyscallOf(value = Syscall.READ_PROC_FILE, args = "/proc/self/mountinfo")
  List<Mount> mounts() throws ErrnoException;

  /**
   * The whole of a small text file of /proc or /sys (/proc/self/cgroup, a cgroup's cpu.max),
   * following links; empty if it does not exist. Read before chroot, where the JVM reads them.
   */
  @SyscallOf(Syscall.READ_PROC_FILE)
  Optional<String> readText(String path) throws ErrnoException;

  /**
   * The POSIX ACL of {@code path} itself (lgetxattr, never following a link): the access ACL, or
   * with {@code defaultAcl} the default ACL a directory hands to what is created in it. Empty if
   * the entry has none (ENODATA) or its file system has no ACLs (EOPNOTSUPP).
   */
  @SyscallOf(value = Syscall.GETXATTR, args = {"{0}", "{1?system.posix_acl_default|system.posix_acl_access}"})
  Optional<PosixAcl> acl(String path, boolean defaultAcl) throws ErrnoException;

  /**
   * The file capabilities of {@code path} itself (lgetxattr of {@code security.capability}, never
   * following a link), as setcap(8) writes them. Empty if it has none (ENODATA), its file system
   * has no extended attributes (EOPNOTSUPP), or it was removed since it was listed.
   */
  @SyscallOf(value = Syscall.GETXATTR, args = {"{0}", "security.capability"})
  Optional<FileCapabilities> fileCapabilities(String path) throws ErrnoException;

  /**
   * The peer of an open descriptor that is a connected AF_UNIX socket (getsockopt SO_DOMAIN,
   * SO_ACCEPTCONN, SO_PEERCRED). Empty for anything else: not a socket, another family, a
   * listening socket, or one with no peer credentials (unconnected, or a datagram socket, whose
   * connect(2) records none).
   */
  @SyscallOf(value = Syscall.GETSOCKOPT, args = {"{0}", "SOL_SOCKET", "SO_PEERCRED"})
  Optional<SocketPeer> unixSocketPeer(int fd) throws ErrnoException;

  /**
   * statx(dirFd, path, 0): what {@code path}, relative to the open directory {@code dirFd}, names,
   * following a final link. Through the /proc/self/task descriptor, "TID/root" and "TID/cwd" are
   * that thread's root and working directory, whatever chroot made of the process's view.
   */
  @SyscallOf(value = Syscall.FSTAT, args = {"{0}", "{1}", "0"})
  FileStatus statAt(int dirFd, String path) throws ErrnoException;

  /**
   * {@link #statAt statAt}(threadListFd, "TID/view"): one thread's root or working directory
   * ({@code view} "root" or "cwd"), read through a descriptor from {@link #openThreadList()}. Apart
   * from statAt so that the path of each of thousands of threads can be built as bytes.
   */
  @SyscallOf(value = Syscall.FSTAT, args = {"{0}", "{1}/{2}", "0"})
  default FileStatus statThreadView(int threadListFd, long tid, String view) throws ErrnoException {
    return statAt(threadListFd, tid + "/" + view);
  }

  /**
   * openat(directoryFd, "..", O_PATH|O_DIRECTORY|O_CLOEXEC): the parent of an open directory, as
   * the kernel resolves ".." for this process (it stops at the process's root). The caller closes it.
   */
  @SyscallOf(value = Syscall.OPEN_PARENT, args = {"{0}", "..", "O_PATH|O_DIRECTORY|O_CLOEXEC"})
  int openParent(int directoryFd) throws ErrnoException;

  /**
   * The numbers of the process's open descriptors, listed through the /proc/self/task descriptor
   * ({@code ../fd}), so that it works after chroot; the listing's own descriptor is left out.
   */
  @SyscallOf(value = Syscall.READ_DESCRIPTORS, args = {"{0}", "../fd"})
  List<Integer> descriptorNumbers(int threadListFd) throws ErrnoException;

  /** The real, effective and saved uids of every process but this one, by pid (/proc/[0-9]+/status). */
  @SyscallOf(value = Syscall.READ_PROCESS_STATUS, args = "/proc")
  Map<Long, Ids> otherProcesses() throws ErrnoException;

  // Linux hardening. Every call here acts on the CALLING THREAD only (capabilities, keepcaps and
  // no_new_privs are per-thread attributes), except installSeccompFilterOnAllThreads.

  /** gettid(2): the calling thread's id, as /proc/self/task names it. */
  long threadId() throws ErrnoException;

  /** The highest capability number the kernel knows (PR_CAPBSET_READ until EINVAL). */
  @SyscallOf(value = Syscall.CAPBSET_READ, args = "PR_CAPBSET_READ")
  int lastCapability() throws ErrnoException;

  /** prctl(PR_CAPBSET_READ, cap): is it in this thread's bounding set. */
  @SyscallOf(value = Syscall.CAPBSET_READ, args = {"PR_CAPBSET_READ", "{0}"})
  boolean inBoundingSet(int capability) throws ErrnoException;

  /** prctl(PR_CAPBSET_DROP, cap); needs CAP_SETPCAP. */
  @SyscallOf(value = Syscall.CAPBSET_DROP, args = {"PR_CAPBSET_DROP", "{0}"})
  void dropFromBoundingSet(int capability) throws ErrnoException;

  /** prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL). */
  @SyscallOf(value = Syscall.CAP_AMBIENT_CLEAR, args = {"PR_CAP_AMBIENT", "PR_CAP_AMBIENT_CLEAR_ALL"})
  void clearAmbientCapabilities() throws ErrnoException;

  /** prctl(PR_SET_KEEPCAPS, keep). */
  @SyscallOf(value = Syscall.SET_KEEPCAPS, args = {"PR_SET_KEEPCAPS", "{0}"})
  void setKeepCapabilities(boolean keep) throws ErrnoException;

  /** capset(2), version 3, this thread: the three sets as masks. */
  @SyscallOf(value = Syscall.CAPSET, args = {"{0:hex}", "{1:hex}", "{2:hex}"})
  void capset(long permitted, long effective, long inheritable) throws ErrnoException;

  /** capget(2), version 3, this thread: {permitted, effective, inheritable}. */
  @SyscallOf(Syscall.CAPGET)
  long[] capget() throws ErrnoException;

  /** prctl(PR_SET_NO_NEW_PRIVS, 1). */
  @SyscallOf(value = Syscall.NO_NEW_PRIVS, args = {"PR_SET_NO_NEW_PRIVS", "1"})
  void setNoNewPrivileges() throws ErrnoException;

  /** prctl(PR_GET_NO_NEW_PRIVS). */
  @SyscallOf(value = Syscall.NO_NEW_PRIVS, args = "PR_GET_NO_NEW_PRIVS")
  boolean noNewPrivileges() throws ErrnoException;

  /** prctl(PR_GET_SECUREBITS): the calling thread's securebits. */
  @SyscallOf(value = Syscall.GET_SECUREBITS, args = "PR_GET_SECUREBITS")
  int securebits() throws ErrnoException;

  /** prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0): a process-wide attribute. */
  @SyscallOf(value = Syscall.SET_DUMPABLE, args = {"PR_SET_DUMPABLE", "{0}"})
  void setDumpable(boolean dumpable) throws ErrnoException;

  /** prctl(PR_GET_DUMPABLE) is not 0. */
  @SyscallOf(value = Syscall.SET_DUMPABLE, args = "PR_GET_DUMPABLE")
  boolean dumpable() throws ErrnoException;

  /**
   * seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, program): the filter in every
   * thread, and no_new_privs too if (and only if) the calling thread has it. The program is
   * struct sock_filter entries packed into longs (see internal.linux.SeccompFilter).
   */
  @SyscallOf(value = Syscall.SECCOMP, args = {"SECCOMP_SET_MODE_FILTER", "SECCOMP_FILTER_FLAG_TSYNC", "{0:length} instructions"})
  void installSeccompFilterOnAllThreads(long[] program) throws ErrnoException;

  /** Opens /proc/self/task (O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC) and returns the descriptor. */
  @SyscallOf(value = Syscall.OPEN_THREAD_LIST, args = {"/proc/self/task", Sequence.DIRECTORY_FLAGS})
  int openThreadList() throws ErrnoException;

  /**
   * Every thread's status, read now from /proc/self/task (opened and closed inside this call):
   * preflight's look at the threads, before anything changes.
   */
  @SyscallOf(value = Syscall.READ_THREAD_STATUS, args = "/proc/self/task")
  List<dev.confine.internal.linux.ThreadStatus> threadStatuses() throws ErrnoException;

  /** Every thread's status, read through a descriptor from {@link #openThreadList()}; works after chroot. */
  @SyscallOf(Syscall.READ_THREAD_STATUS)
  List<dev.confine.internal.linux.ThreadStatus> threadStatuses(int threadListFd) throws ErrnoException;

  /**
   * The ids of the threads listed through a descriptor from {@link #openThreadList()}, no status
   * read: what a check that looks at each thread by other means needs (its root and cwd).
   */
  @SyscallOf(Syscall.READ_THREAD_STATUS)
  default List<Long> threadIds(int threadListFd) throws ErrnoException {
    List<dev.confine.internal.linux.ThreadStatus> threads = threadStatuses(threadListFd);
    List<Long> tids = new java.util.ArrayList<>(threads.size());
    for (dev.confine.internal.linux.ThreadStatus t : threads) {
      tids.add(t.tid);
    }
    return tids;
  }

  /**
   * One thread's status, read through a descriptor from {@link #openThreadList()}; empty if no
   * such thread (it ended).
   */
  @SyscallOf(Syscall.READ_THREAD_STATUS)
  default java.util.Optional<dev.confine.internal.linux.ThreadStatus> threadStatus(int threadListFd, long tid) throws ErrnoException {
    for (dev.confine.internal.linux.ThreadStatus t : threadStatuses(threadListFd)) {
      if (t.tid == tid) {
        return java.util.Optional.of(t);
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * Sleeps about {@code nanos}: the verifier's wait for a thread that was ending during the drop
   * (see {@link Verifier}). Not a syscall that can fail.
   */
  void pause(long nanos);

  // syslog
  @SyscallOf(value = Syscall.OPENLOG, canFail = false)
  void openlog(String ident, int option, int facility);

  void syslog(int priority, String message);

  // systemd's service notification: a datagram socket connected to NOTIFY_SOCKET before chroot

  /** getenv(3): the variable as the process has it now; empty if unset. Not a call that can fail. */
  Optional<String> environment(String name);

  /** getpid(2): this process's id, as the receiver of a datagram sees it in SCM_CREDENTIALS. */
  long processId();

  /** socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC, 0); returns the descriptor. */
  @SyscallOf(value = Syscall.SOCKET, args = {"AF_UNIX", "SOCK_DGRAM|SOCK_CLOEXEC", "0"})
  int unixDatagramSocket() throws ErrnoException;

  /**
   * connect(2) of a socket from {@link #unixDatagramSocket()} to {@code address}: an absolute
   * path, or "@name" for the abstract name (sun_path starting with a NUL byte), as NOTIFY_SOCKET
   * writes them. A path is resolved now, from this process's root.
   */
  @SyscallOf(Syscall.CONNECT)
  void connect(int fd, String address) throws ErrnoException;

  /** send(2) of one datagram through a connected socket (MSG_NOSIGNAL); all of it or a failure. */
  @SyscallOf(value = Syscall.SEND, args = {"{0}", "{1}", "MSG_NOSIGNAL"})
  void send(int fd, byte[] message) throws ErrnoException;
}
