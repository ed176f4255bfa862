package dev.confine.testing.simulation;

import dev.confine.ConfinementPolicy;
import dev.confine.Syscall;
import dev.confine.internal.Capabilities;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.FileCapabilities;
import dev.confine.internal.FileStatus;
import dev.confine.internal.Kernel;
import dev.confine.internal.Mount;
import dev.confine.internal.OpenFile;
import dev.confine.internal.PasswdEntry;
import dev.confine.internal.PosixAcl;
import dev.confine.internal.linux.Errno;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The model: a {@link Kernel} in memory with the kernel's rules, and the machine's state those
 * rules act on. The test kit's {@code dev.confine.testing.FakeKernel} stands on it, and internal
 * tests read it directly (its threads, seccomp programs, descriptors). It knows nothing of confine:
 * setting a scene on it is {@link Scene}'s, running confine against it (through a
 * {@link FaultyKernel}, a halt recorded, stderr kept) is {@link Simulation}'s; both live in this
 * package, which is what the state's package-private fields are open to. In this file: the state,
 * what a test reads of it ("what happened"), the {@code Kernel} calls, and the rules they share.
 *
 * <p>A kernel in memory that keeps the real rules, so a daemon's confinement policy can be tested
 * without root and without touching the machine: chroot, setgroups and setuid(0) need the
 * capabilities root has; an unprivileged setresuid may only pick among the current real,
 * effective and saved ids; leaving uid 0 clears the capability sets as capabilities(7) says;
 * ".." stops at the root only for a working directory inside it.
 *
 * <p>Starts as root (uid 0, gid 0, every capability) with "/" and the working directory "/".
 * Not thread-safe: one test, one kernel.
 */
public final class SimulatedKernel implements Kernel {
  /** The mount of "/"; the descriptors that are no file of the tree have their own (proc, sockfs, devpts). */
  private static final long ROOT_MOUNT_ID = 21;
  private static final long PROC_MOUNT_ID = 3;
  private static final long SOCKFS_MOUNT_ID = 8;
  private static final long DEVPTS_MOUNT_ID = 2;
  /** (uid_t) -1: "leave unchanged" to setresuid and setresgid. */
  private static final long UNCHANGED = 0xFFFF_FFFFL;
  private static final long ALL_CAPABILITIES = (1L << 41) - 1;

  static final class Node {
    final FileStatus.Type type;
    final long uid;
    final long gid;
    final int permissions;
    final String symlinkTarget;
    final long inode;
    final long links;

    Node(FileStatus.Type type, long uid, int permissions, String symlinkTarget, long inode) {
      this(type, uid, 0, permissions, symlinkTarget, inode, 1);
    }

    Node(FileStatus.Type type, long uid, long gid, int permissions, String symlinkTarget, long inode, long links) {
      this.type = type;
      this.uid = uid;
      this.gid = gid;
      this.permissions = permissions;
      this.symlinkTarget = symlinkTarget;
      this.inode = inode;
      this.links = links;
    }

    /** Every file is on device 1: a bind mount shows its source's device and inode, on its own mount. */
    FileStatus status(long mountId) {
      return new FileStatus(type, permissions, uid, gid, 1, inode, links, java.util.OptionalLong.of(mountId));
    }
  }

  final Map<String, Node> files = new TreeMap<>();
  final Map<Integer, String> descriptors = new TreeMap<>();
  final List<Mount> mounts = new ArrayList<>();
  /**
   * Mount ids by mount point: a path is on the mount of its longest mount point. "/" is the first
   * mount; each later mount (a line added to mountinfo, a bind mount) gets the next id.
   */
  final Map<String, Long> mountIds = new TreeMap<>(Map.of("/", ROOT_MOUNT_ID));
  long nextMountId = ROOT_MOUNT_ID + 1;
  final Map<String, String> texts = new HashMap<>();
  final Map<Long, Ids> otherProcesses = new TreeMap<>();
  final Map<String, PasswdEntry> users = new LinkedHashMap<>();
  /** Read by the test's thread while a daemon's threads log. */
  private final List<String> syslogMessages = new java.util.concurrent.CopyOnWriteArrayList<>();
  final Map<String, String> environment = new TreeMap<>();
  private final Map<Integer, DatagramSocket> sockets = new TreeMap<>();
  /**
   * Receivers by address ("@name", or the socket's path outside): true while bound, false once closed.
   * The test's thread closes one while a daemon's watchdog thread may be sending to it.
   */
  final Map<String, Boolean> receivers = new java.util.concurrent.ConcurrentSkipListMap<>();
  /** A daemon's threads send (a watchdog beside the main one) while the test's thread reads. */
  private final List<Datagram> datagrams = new java.util.concurrent.CopyOnWriteArrayList<>();
  long nextInode = 2;

  long ruid, euid, suid;
  long rgid, egid, sgid;
  /** A set*id call armed to fail in one thread only (Scene.failNextInThread); null when none. */
  OneThreadFailure oneThreadFailure;
  /** Set once glibc would have aborted the process (a set*id call failed in one thread only). */
  boolean aborted;

  /** The call, the thread it fails in, and the errno. */
  static final class OneThreadFailure {
    final Syscall syscall;
    final long tid;
    final int errno;

    OneThreadFailure(Syscall syscall, long tid, int errno) {
      this.syscall = syscall;
      this.tid = tid;
      this.errno = errno;
    }
  }
  List<Long> groups = List.of(0L);
  /**
   * Capabilities, keep-caps, no_new_privs and seccomp are per thread, as in Linux; ids and groups
   * are process-wide here because glibc applies set*id calls to every thread. The first task is
   * the thread that calls apply().
   */
  static final class Task {
    final long tid;
    final String name;
    long inheritable;
    long permitted = ALL_CAPABILITIES;
    long effective = ALL_CAPABILITIES;
    long bounding = ALL_CAPABILITIES;
    long ambient;
    boolean keepCaps;
    boolean noNewPrivs;
    int filters;
    /** The signals the thread blocks (SigBlk). */
    long blocked;
    /**
     * A thread glibc's set*id does not reach keeps the ids it had: one that has begun to exit
     * (gone after {@link #pausesLeft} pauses) or one made by a raw clone(2) (never gone).
     */
    boolean missedBySetxid;
    List<Long> ownUids = List.of();
    List<Long> ownGids = List.of();
    List<Long> ownGroups = List.of();
    int pausesLeft = Integer.MAX_VALUE;
    /** Root and working directory of a thread that called unshare(CLONE_FS); null while it shares the process's. */
    String ownRoot;
    String ownCwd;

    Task(long tid, String name) {
      this.tid = tid;
      this.name = name;
    }
  }

  private static final int LAST_CAPABILITY = 40;
  private static final int SECBIT_NO_SETUID_FIXUP = 1 << 2;
  private static final int SECBIT_KEEP_CAPS = 1 << 4;
  private static final int CAP_SETPCAP = 8;
  private static final int CAP_SYS_ADMIN = 21;
  final List<Task> tasks = new ArrayList<>();
  private int pauses;
  long nextThreadId = 1101;
  final Task caller;
  private final List<long[]> seccompPrograms = new ArrayList<>();
  String root = "/";
  /** As a daemon started from a shell on its standard descriptors' terminal (a job of that shell). */
  Optional<String> controllingTerminal = Optional.of("/dev/pts/0");
  boolean sessionLeader;
  private boolean foregroundHungUp;
  String cwd = "/";
  private int umask = 022;
  private Optional<String> syslogIdent = Optional.empty();
  final Map<String, PosixAcl> accessAcls = new HashMap<>();
  final Map<String, PosixAcl> defaultAcls = new HashMap<>();
  final Map<String, FileCapabilities> fileCapabilities = new HashMap<>();
  /** Connected Unix stream sockets by descriptor, with the peer SO_PEERCRED names. */
  final Map<Integer, SocketPeer> socketPeers = new TreeMap<>();
  int securebits;
  private boolean dumpable = true;
  boolean suidDumpable;

  public SimulatedKernel() {
    caller = new Task(100, "main");
    tasks.add(caller);
    // Two of the threads every JVM has, started before main: they take no part in apply().
    tasks.add(new Task(101, "Reference Handl"));
    tasks.add(new Task(102, "Signal Dispatch"));
    files.put("/", new Node(FileStatus.Type.DIRECTORY, 0, 0755, null, nextInode++));
    descriptors.put(0, "/dev/pts/0");
    descriptors.put(1, "/dev/pts/0");
    descriptors.put(2, "/dev/pts/0");
  }


  /** The mount a path is on: that of the longest mount point at or above it. */
  private long mountIdOf(String path) {
    long id = ROOT_MOUNT_ID;
    int longest = 0;
    for (Map.Entry<String, Long> e : mountIds.entrySet()) {
      String point = e.getKey();
      boolean under = path.equals(point) || path.startsWith(point.equals("/") ? "/" : point + "/");
      if (under && point.length() >= longest) {
        longest = point.length();
        id = e.getValue();
      }
    }
    return id;
  }

  private FileStatus status(String path, Node node) {
    return node.status(mountIdOf(path));
  }


  /** The controlling terminal now; empty once the process has left it (TIOCNOTTY) or never had one. */
  public Optional<String> controllingTerminal() {
    return controllingTerminal;
  }

  /**
   * TIOCSTI's rule (drivers/tty/tty_io.c): input may be pushed into a terminal only by a process
   * whose controlling terminal it is, or with CAP_SYS_ADMIN; the uid does not matter.
   */
  public boolean mayPushInputInto(String tty) {
    return controllingTerminal.equals(Optional.of(tty)) || capable(CAP_SYS_ADMIN);
  }

  /** True if a session leader left its terminal: the kernel then sent SIGHUP to the terminal's foreground group. */
  public boolean foregroundHungUp() {
    return foregroundHungUp;
  }


  /** Whether the process is dumpable now (PR_GET_DUMPABLE). */
  public boolean isDumpable() {
    return dumpable;
  }


  /** One datagram a receiver got, with the sender's pid, uid and gid as SCM_CREDENTIALS gives them. */
  public static final class Datagram {
    public final String address;
    public final long pid;
    public final long uid;
    public final long gid;
    public final String text;

    Datagram(String address, long pid, long uid, long gid, String text) {
      this.address = address;
      this.pid = pid;
      this.uid = uid;
      this.gid = gid;
      this.text = text;
    }

    @Override
    public String toString() {
      return "pid " + pid + " uid " + uid + " gid " + gid + " -> " + address + ": " + text;
    }
  }

  /** Every datagram the receivers got, in order. */
  public List<Datagram> datagrams() {
    return List.copyOf(datagrams);
  }


  /** How many times the verifier paused to let an ending thread go. */
  public int pauses() {
    return pauses;
  }


  /** Every thread's status as /proc/self/task/TID/status would show it now. */
  public List<dev.confine.internal.linux.ThreadStatus> threads() {
    List<dev.confine.internal.linux.ThreadStatus> statuses = new ArrayList<>();
    for (Task t : tasks) {
      statuses.add(
          new dev.confine.internal.linux.ThreadStatus(
              t.tid, t.name,
              t.missedBySetxid ? t.ownUids : List.of(ruid, euid, suid, euid),
              t.missedBySetxid ? t.ownGids : List.of(rgid, egid, sgid, egid),
              t.missedBySetxid ? t.ownGroups : groups,
              t.inheritable, t.permitted, t.effective, t.bounding, t.ambient, t.noNewPrivs ? 1 : 0, t.filters > 0 ? 2 : 0,
              t.blocked, t.filters));
    }
    return statuses;
  }

  /** The seccomp programs installed, in order (each as struct sock_filter entries packed into longs). */
  public List<long[]> seccompPrograms() {
    return List.copyOf(seccompPrograms);
  }


  public List<String> syslogMessages() {
    return List.copyOf(syslogMessages);
  }

  /** The process's root directory, as a path outside it. */
  public String root() {
    return root;
  }

  /** The working directory, as a path outside the root. */
  public String workingDirectory() {
    return cwd;
  }

  public Ids uids() {
    return new Ids(ruid, euid, suid);
  }

  public Ids gids() {
    return new Ids(rgid, egid, sgid);
  }

  public List<Long> groups() {
    return groups;
  }

  public Map<Integer, String> descriptors() {
    return Map.copyOf(descriptors);
  }

  public int currentUmask() {
    return umask;
  }

  /** Where a path, as the process would name it now, lands outside; empty if it does not exist. */
  public Optional<String> resolveAsProcess(String path) {
    String resolved = resolve(path, true);
    return files.containsKey(resolved) ? Optional.of(resolved) : Optional.empty();
  }

  // ---- the kernel ----

  @Override
  public Ids getresuid() throws ErrnoException {
    return uids();
  }

  @Override
  public Ids getresgid() throws ErrnoException {
    return gids();
  }

  @Override
  public List<Long> getgroups() throws ErrnoException {
    return groups;
  }

  @Override
  public void setgroups(List<Long> gids) throws ErrnoException {
    String args = gids.toString();
    if (!capable(Capabilities.CAP_SETGID)) {
      throw fail(Syscall.SETGROUPS, Errno.EPERM, args);
    }
    if (gids.size() > ConfinementPolicy.MAX_SUPPLEMENTARY_GROUPS) {
      throw fail(Syscall.SETGROUPS, Errno.EINVAL, args);
    }
    OneThreadFailure alone = failingAlone(Syscall.SETGROUPS);
    groups = gids.stream().sorted().collect(Collectors.toUnmodifiableList());
    abortIf(alone, Syscall.SETGROUPS, args);
  }

  @Override
  public void setresgid(long r, long e, long s) throws ErrnoException {
    String args = r + ", " + e + ", " + s;
    if (!capable(Capabilities.CAP_SETGID) && !(allowed(r, rgid, egid, sgid) && allowed(e, rgid, egid, sgid) && allowed(s, rgid, egid, sgid))) {
      throw fail(Syscall.SETRESGID, Errno.EPERM, args);
    }
    OneThreadFailure alone = failingAlone(Syscall.SETRESGID);
    rgid = r == UNCHANGED ? rgid : r;
    egid = e == UNCHANGED ? egid : e;
    sgid = s == UNCHANGED ? sgid : s;
    abortIf(alone, Syscall.SETRESGID, args);
  }

  @Override
  public void setresuid(long r, long e, long s) throws ErrnoException {
    String args = r + ", " + e + ", " + s;
    if (!capable(Capabilities.CAP_SETUID) && !(allowed(r, ruid, euid, suid) && allowed(e, ruid, euid, suid) && allowed(s, ruid, euid, suid))) {
      throw fail(Syscall.SETRESUID, Errno.EPERM, args);
    }
    OneThreadFailure alone = failingAlone(Syscall.SETRESUID);
    changeUids(r == UNCHANGED ? ruid : r, e == UNCHANGED ? euid : e, s == UNCHANGED ? suid : s);
    abortIf(alone, Syscall.SETRESUID, args);
  }

  /**
   * glibc's broadcast with the call failing in one thread only: that thread keeps the ids it has
   * (as a thread set*id misses), the others take the new ones; then {@link #abortIf} ends the
   * process as nptl's setxid_error does. Null when no such failure is armed for this call.
   */
  private OneThreadFailure failingAlone(Syscall syscall) {
    OneThreadFailure f = oneThreadFailure;
    if (f == null || f.syscall != syscall) {
      return null;
    }
    oneThreadFailure = null;
    for (Task task : tasks) {
      if (task.tid == f.tid) {
        if (!task.missedBySetxid) {
          task.missedBySetxid = true;
          task.ownUids = List.of(ruid, euid, suid, euid);
          task.ownGids = List.of(rgid, egid, sgid, egid);
          task.ownGroups = groups;
        }
        return f;
      }
    }
    throw new IllegalStateException("failNextInThread: thread " + f.tid + " is gone");
  }

  private void abortIf(OneThreadFailure alone, Syscall syscall, String args) {
    if (alone == null) {
      return;
    }
    aborted = true;
    String name = tasks.stream().filter(t -> t.tid == alone.tid).map(t -> t.name).findFirst().orElse("?");
    throw new dev.confine.testing.ProcessAborted(
        "glibc: " + syscall.cName() + "(" + args + ") failed with " + Errno.name(alone.errno) + " in thread " + alone.tid + " \"" + name
            + "\" only, the other threads' calls succeeded: abort() (SIGABRT, status " + dev.confine.testing.ProcessAborted.STATUS
            + "); nothing runs after it",
        alone.tid);
  }

  @Override
  public void setuid(long uid) throws ErrnoException {
    if (capable(Capabilities.CAP_SETUID)) {
      othersKeepTheirIds();
      changeUids(uid, uid, uid);
    } else if (uid == ruid || uid == suid) {
      othersKeepTheirIds();
      changeUids(ruid, uid, suid);
    } else {
      throw fail(Syscall.SETUID, Errno.EPERM, String.valueOf(uid));
    }
  }

  @Override
  public void setgid(long gid) throws ErrnoException {
    if (capable(Capabilities.CAP_SETGID)) {
      othersKeepTheirIds();
      rgid = egid = sgid = gid;
    } else if (gid == rgid || gid == sgid) {
      othersKeepTheirIds();
      egid = gid;
    } else {
      throw fail(Syscall.SETGID, Errno.EPERM, String.valueOf(gid));
    }
  }

  /**
   * Kernel.setuid and setgid are the system calls themselves, without glibc's broadcast: one that
   * succeeds changes the calling thread alone, and every other thread keeps the ids it had, as a
   * thread the broadcast misses does. Modelled as such a thread for good: on Linux glibc's next
   * broadcast would reach it again, but only the verifier's attempt to regain root makes these
   * calls, and where one succeeds apply() halts; no broadcast follows.
   */
  private void othersKeepTheirIds() {
    for (Task task : tasks) {
      if (task != caller && !task.missedBySetxid) {
        task.missedBySetxid = true;
        task.ownUids = List.of(ruid, euid, suid, euid);
        task.ownGids = List.of(rgid, egid, sgid, egid);
        task.ownGroups = groups;
      }
    }
  }

  /**
   * capabilities(7), "Effect of user ID changes on capabilities", in every thread (glibc applies
   * set*id to all of them), each with its own keep-caps flag.
   */
  private void changeUids(long r, long e, long s) {
    boolean wasRoot = ruid == 0 || euid == 0 || suid == 0;
    boolean nowNone = r != 0 && e != 0 && s != 0;
    if (euid != e) {
      dumpable = suidDumpable; // commit_creds(): a changed euid resets it to fs.suid_dumpable
    }
    for (Task task : tasks) {
      if (task.missedBySetxid || (securebits & SECBIT_NO_SETUID_FIXUP) != 0) {
        continue;
      }
      if (wasRoot && nowNone) {
        if (!task.keepCaps && (securebits & SECBIT_KEEP_CAPS) == 0) {
          task.permitted = 0;
          task.effective = 0;
        }
        task.ambient = 0;
      }
      if (euid == 0 && e != 0) {
        task.effective = 0;
      } else if (euid != 0 && e == 0) {
        task.effective = task.permitted;
      }
    }
    ruid = r;
    euid = e;
    suid = s;
  }

  @Override
  public Capabilities capabilities() {
    return new Capabilities(caller.permitted, caller.effective, caller.bounding);
  }

  @Override
  public Optional<PasswdEntry> getpwnam(String name) throws ErrnoException {
    return Optional.ofNullable(users.get(name));
  }

  @Override
  public Optional<PasswdEntry> getpwuid(long uid) throws ErrnoException {
    return users.values().stream().filter(u -> u.uid == uid).findFirst();
  }

  @Override
  public int openDirectoryNoFollow(String absolutePath) throws ErrnoException {
    String quoted = q(absolutePath);
    String current = root;
    for (String component : absolutePath.split("/")) {
      if (component.isEmpty()) {
        continue;
      }
      current = component.equals("..") ? (current.equals(root) ? root : parent(current)) : child(current, component);
      Node node = files.get(current);
      if (node == null) {
        throw fail(Syscall.OPEN, Errno.ENOENT, quoted);
      }
      if (node.type == FileStatus.Type.SYMLINK) {
        throw fail(Syscall.OPEN, Errno.ELOOP, quoted);
      }
      if (node.type != FileStatus.Type.DIRECTORY) {
        throw fail(Syscall.OPEN, Errno.ENOTDIR, quoted);
      }
    }
    int fd = allocate(current);
    return fd;
  }

  @Override
  public int openWorkingDirectory() {
    return allocate(cwd);
  }

  /** /dev/tty names the controlling terminal; it is not in a jail (ENOENT past chroot), and ENXIO without one. */
  @Override
  public java.util.OptionalInt openControllingTerminal() throws ErrnoException {
    if (!root.equals("/")) {
      throw fail(Syscall.OPEN_TERMINAL, Errno.ENOENT, q("/dev/tty"));
    }
    return controllingTerminal.isPresent() ? java.util.OptionalInt.of(allocate(TERMINAL)) : java.util.OptionalInt.empty();
  }

  private static final String TERMINAL = "/dev/tty";

  @Override
  public boolean leadsSession() {
    return sessionLeader;
  }

  /**
   * TIOCNOTTY: only on a descriptor of the controlling terminal (ENOTTY otherwise); a session
   * leader that leaves it hangs up the terminal's foreground group (SIGHUP), which may be itself.
   */
  @Override
  public void leaveControllingTerminal(int fd) throws ErrnoException {
    if (!TERMINAL.equals(descriptors.get(fd))) {
      throw fail(Syscall.TIOCNOTTY, descriptors.containsKey(fd) ? Errno.ENOTTY : Errno.EBADF, fd + ", TIOCNOTTY");
    }
    if (controllingTerminal.isEmpty()) {
      throw fail(Syscall.TIOCNOTTY, Errno.ENOTTY, fd + ", TIOCNOTTY");
    }
    if (sessionLeader) {
      foregroundHungUp = true;
    }
    controllingTerminal = Optional.empty();
  }

  @Override
  public FileStatus fstat(int fd) throws ErrnoException {
    String args = fd + ", \"\", AT_EMPTY_PATH";
    String path = descriptors.get(fd);
    if (path == null) {
      throw fail(Syscall.FSTAT, Errno.EBADF, args);
    }
    if (THREAD_LIST.equals(path)) {
      return new FileStatus(FileStatus.Type.DIRECTORY, 0555, 0, 0, 3, 1, 1, java.util.OptionalLong.of(PROC_MOUNT_ID));
    }
    if (sockets.containsKey(fd)) {
      return new FileStatus(FileStatus.Type.SOCKET, 0777, 0, 0, 8, sockets.get(fd).inode, 1, java.util.OptionalLong.of(SOCKFS_MOUNT_ID));
    }
    if (socketPeers.containsKey(fd) || path.startsWith("socket:[")) {
      return new FileStatus(FileStatus.Type.SOCKET, 0777, 0, 0, 8, Long.parseLong(path.replaceAll("\\D", "")), 1);
    }
    Node node = files.get(path);
    // Descriptors opened before the scene was set (the terminal on 0, 1, 2) are character devices.
    return node != null ? status(path, node) : new FileStatus(FileStatus.Type.CHAR_DEVICE, 0620, 0, 5, 2, fd + 1, 1, java.util.OptionalLong.of(DEVPTS_MOUNT_ID));
  }

  @Override
  public Optional<FileStatus> lstat(String path) {
    String resolved = resolve(path, false);
    return Optional.ofNullable(files.get(resolved)).map(node -> status(resolved, node));
  }

  @Override
  public Optional<FileStatus> stat(String path) {
    String resolved = resolve(path, true);
    return Optional.ofNullable(files.get(resolved)).map(node -> status(resolved, node));
  }

  @Override
  public void fchdir(int fd) throws ErrnoException {
    String path = descriptors.get(fd);
    if (path == null) {
      throw fail(Syscall.FCHDIR, Errno.EBADF, String.valueOf(fd));
    }
    Node node = files.get(path);
    if (node == null || node.type != FileStatus.Type.DIRECTORY) {
      throw fail(Syscall.FCHDIR, Errno.ENOTDIR, String.valueOf(fd));
    }
    cwd = path;
  }

  @Override
  public void chdir(String path) throws ErrnoException {
    cwd = existingDirectory(Syscall.CHDIR, path);
  }

  @Override
  public void chroot(String path) throws ErrnoException {
    if (!capable(Capabilities.CAP_SYS_CHROOT)) {
      throw fail(Syscall.CHROOT, Errno.EPERM, q(path));
    }
    root = existingDirectory(Syscall.CHROOT, path);
  }

  @Override
  public void close(int fd) throws ErrnoException {
    if (descriptors.remove(fd) == null) {
      throw fail(Syscall.CLOSE, Errno.EBADF, String.valueOf(fd));
    }
    sockets.remove(fd);
    socketPeers.remove(fd);
    texts.remove("/proc/self/fdinfo/" + fd);
  }

  @Override
  public String getcwd() throws ErrnoException {
    if (cwd.equals(root)) {
      return "/";
    }
    String prefix = root.equals("/") ? "/" : root + "/";
    if (!cwd.startsWith(prefix)) {
      // glibc reports a directory outside the root as ENOENT (the kernel's "(unreachable)").
      throw fail(Syscall.GETCWD, Errno.ENOENT, "");
    }
    return "/" + cwd.substring(prefix.length());
  }

  @Override
  public int umask(int mask) {
    int old = umask;
    umask = mask;
    return old;
  }

  @Override
  public List<OpenFile> openFiles() {
    List<OpenFile> open = new ArrayList<>();
    descriptors.forEach(
        (fd, path) -> {
          Node node = files.get(path);
          open.add(new OpenFile(fd, path, node != null && node.type == FileStatus.Type.DIRECTORY));
        });
    return open;
  }

  @Override
  public void walk(String directory, Set<String> doNotEnter, WalkVisitor visitor) throws ErrnoException {
    String start = resolve(directory, false);
    Node top = files.get(start);
    if (top == null) {
      return;
    }
    visitor.visit(start, status(start, top));
    if (top.type != FileStatus.Type.DIRECTORY) {
      return;
    }
    String prefix = start.equals("/") ? "/" : start + "/";
    // Paths are keys, so nothing under a symlink exists here: a walk cannot follow one.
    entries:
    for (Map.Entry<String, Node> e : files.entrySet()) {
      String path = e.getKey();
      if (!path.startsWith(prefix) || path.equals(start)) {
        continue;
      }
      for (String skipped : doNotEnter) {
        if (path.startsWith(skipped + "/")) {
          continue entries;
        }
      }
      visitor.visit(path, status(path, e.getValue()));
    }
  }

  @Override
  public List<Mount> mounts() {
    return List.copyOf(mounts);
  }

  @Override
  public Optional<String> readText(String path) {
    return Optional.ofNullable(texts.get(path));
  }

  @Override
  public Map<Long, Ids> otherProcesses() {
    return Map.copyOf(otherProcesses);
  }

  @Override
  public Optional<PosixAcl> acl(String path, boolean defaultAcl) throws ErrnoException {
    return Optional.ofNullable((defaultAcl ? defaultAcls : accessAcls).get(resolve(path, false)));
  }

  @Override
  public Optional<FileCapabilities> fileCapabilities(String path) {
    return Optional.ofNullable(fileCapabilities.get(resolve(path, false)));
  }

  @Override
  public Optional<SocketPeer> unixSocketPeer(int fd) throws ErrnoException {
    if (!descriptors.containsKey(fd)) {
      throw fail(Syscall.GETSOCKOPT, Errno.EBADF, fd + ", SOL_SOCKET, SO_DOMAIN");
    }
    // The notify socket (datagram: connect records no credentials) and anything else: no peer.
    return Optional.ofNullable(socketPeers.get(fd));
  }

  @Override
  public FileStatus statAt(int dirFd, String path) throws ErrnoException {
    String args = dirFd + ", " + q(path);
    String dir = descriptors.get(dirFd);
    if (dir == null) {
      throw fail(Syscall.FSTAT, Errno.EBADF, args);
    }
    if (THREAD_LIST.equals(dir)) {
      // "TID/root" and "TID/cwd": the thread's own view, or the process's.
      String[] parts = path.split("/");
      for (Task task : tasks) {
        if (parts.length == 2 && String.valueOf(task.tid).equals(parts[0])) {
          String target =
              parts[1].equals("root") ? (task.ownRoot != null ? task.ownRoot : root)
                  : parts[1].equals("cwd") ? (task.ownCwd != null ? task.ownCwd : cwd)
                  : null;
          if (target != null) {
            return status(target, files.get(target));
          }
        }
      }
      throw fail(Syscall.FSTAT, Errno.ENOENT, args);
    }
    String named = child(dir, path);
    Node node = files.get(named);
    if (node == null) {
      throw fail(Syscall.FSTAT, Errno.ENOENT, args);
    }
    return status(named, node);
  }

  @Override
  public int openParent(int directoryFd) throws ErrnoException {
    String args = directoryFd + ", \"..\", O_PATH|O_DIRECTORY|O_CLOEXEC";
    String dir = descriptors.get(directoryFd);
    if (dir == null) {
      throw fail(Syscall.OPEN_PARENT, Errno.EBADF, args);
    }
    Node node = files.get(dir);
    if (node == null || node.type != FileStatus.Type.DIRECTORY) {
      throw fail(Syscall.OPEN_PARENT, Errno.ENOTDIR, args);
    }
    if (!searchable(node)) {
      throw fail(Syscall.OPEN_PARENT, Errno.EACCES, args);
    }
    // ".." stops at the process's root; from a directory outside it, it climbs to the top.
    return allocate(dir.equals(root) ? root : parent(dir));
  }

  /** May this process look up names in the directory: path resolution's search (x) permission. */
  private boolean searchable(Node node) {
    if (capable(Capabilities.CAP_DAC_READ_SEARCH) || capable(Capabilities.CAP_DAC_OVERRIDE)) {
      return true;
    }
    int bits = node.uid == euid ? 0100 : (node.gid == egid || groups.contains(node.gid)) ? 0010 : 0001;
    return (node.permissions & bits) != 0;
  }

  @Override
  public List<Integer> descriptorNumbers(int threadListFd) throws ErrnoException {
    String args = threadListFd + ", \"../fd\"";
    if (!THREAD_LIST.equals(descriptors.get(threadListFd))) {
      throw fail(Syscall.READ_DESCRIPTORS, Errno.EBADF, args);
    }
    return List.copyOf(descriptors.keySet());
  }

  @Override
  public int securebits() throws ErrnoException {
    return securebits;
  }

  @Override
  public void setDumpable(boolean value) throws ErrnoException {
    dumpable = value;
  }

  @Override
  public boolean dumpable() throws ErrnoException {
    return dumpable;
  }

  // ---- Linux hardening: per thread, the calling thread only (except TSYNC) ----

  @Override
  public String binding() {
    return "simulated";
  }

  @Override
  public long threadId() {
    return caller.tid;
  }

  @Override
  public int lastCapability() throws ErrnoException {
    return LAST_CAPABILITY;
  }

  @Override
  public boolean inBoundingSet(int capability) throws ErrnoException {
    if (capability < 0 || capability > LAST_CAPABILITY) {
      throw fail(Syscall.CAPBSET_READ, Errno.EINVAL, "PR_CAPBSET_READ, " + capability);
    }
    return (caller.bounding & (1L << capability)) != 0;
  }

  @Override
  public void dropFromBoundingSet(int capability) throws ErrnoException {
    String args = "PR_CAPBSET_DROP, " + capability;
    if (capability < 0 || capability > LAST_CAPABILITY) {
      throw fail(Syscall.CAPBSET_DROP, Errno.EINVAL, args);
    }
    if (!capable(CAP_SETPCAP)) {
      throw fail(Syscall.CAPBSET_DROP, Errno.EPERM, args);
    }
    caller.bounding &= ~(1L << capability);
  }

  @Override
  public void clearAmbientCapabilities() throws ErrnoException {
    caller.ambient = 0;
  }

  @Override
  public void setKeepCapabilities(boolean keep) throws ErrnoException {
    caller.keepCaps = keep;
  }

  /** capset(2)'s rules for the calling thread (kernel/capability.c, security/commoncap.c). */
  @Override
  public void capset(long permitted, long effective, long inheritable) throws ErrnoException {
    String args = String.format("permitted=0x%x, effective=0x%x, inheritable=0x%x", permitted, effective, inheritable);
    boolean raisesPermitted = (permitted & ~caller.permitted) != 0;
    boolean effectiveNotPermitted = (effective & ~permitted) != 0;
    long inheritableLimit = capable(CAP_SETPCAP) ? caller.inheritable | caller.bounding : caller.inheritable | caller.permitted;
    boolean inheritableBeyond = (inheritable & ~inheritableLimit) != 0 || (inheritable & ~(caller.inheritable | caller.bounding)) != 0;
    if (raisesPermitted || effectiveNotPermitted || inheritableBeyond) {
      throw fail(Syscall.CAPSET, Errno.EPERM, args);
    }
    caller.permitted = permitted;
    caller.effective = effective;
    caller.inheritable = inheritable;
    caller.ambient &= permitted & inheritable;
  }

  @Override
  public long[] capget() throws ErrnoException {
    return new long[] {caller.permitted, caller.effective, caller.inheritable};
  }

  @Override
  public void setNoNewPrivileges() throws ErrnoException {
    caller.noNewPrivs = true;
  }

  @Override
  public boolean noNewPrivileges() throws ErrnoException {
    return caller.noNewPrivs;
  }

  /**
   * seccomp_sync_threads(): every thread gets the filter, and no_new_privs only if the caller has
   * it. Without no_new_privs, installing needs CAP_SYS_ADMIN (EACCES otherwise).
   */
  @Override
  public void installSeccompFilterOnAllThreads(long[] program) throws ErrnoException {
    String args = "SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, " + program.length + " instructions";
    if (program.length == 0 || program.length > 4096) {
      throw fail(Syscall.SECCOMP, Errno.EINVAL, args);
    }
    if (!caller.noNewPrivs && !capable(CAP_SYS_ADMIN)) {
      throw fail(Syscall.SECCOMP, Errno.EACCES, args);
    }
    // What the real kernel taught (ThreadFaultIT): TSYNC fails when a thread's filters are not the
    // caller's (one installed a filter of its own), and the kernel returns that thread's id, which
    // the binding reports as ESRCH.
    for (Task task : tasks) {
      if (task.filters != caller.filters) {
        throw fail(Syscall.SECCOMP, Errno.ESRCH, args + " (thread " + task.tid + " has " + task.filters + " filter(s), the caller " + caller.filters + ")");
      }
    }
    for (Task task : tasks) {
      task.filters++;
      if (caller.noNewPrivs) {
        task.noNewPrivs = true;
      }
    }
    seccompPrograms.add(program.clone());
  }

  @Override
  public int openThreadList() throws ErrnoException {
    return allocate(THREAD_LIST);
  }

  private static final String THREAD_LIST = "<proc>/self/task";

  @Override
  public List<dev.confine.internal.linux.ThreadStatus> threadStatuses() throws ErrnoException {
    return threads();
  }

  @Override
  public List<dev.confine.internal.linux.ThreadStatus> threadStatuses(int fd) throws ErrnoException {
    if (!THREAD_LIST.equals(descriptors.get(fd))) {
      throw fail(Syscall.READ_THREAD_STATUS, Errno.EBADF, String.valueOf(fd));
    }
    return threads();
  }

  @Override
  public void pause(long nanos) {
    pauses++;
    tasks.removeIf(t -> t.missedBySetxid && t.pausesLeft != Integer.MAX_VALUE && --t.pausesLeft == 0);
  }

  @Override
  public void openlog(String ident, int option, int facility) {
    syslogIdent = Optional.of(ident);
  }

  @Override
  public void syslog(int priority, String message) {
    syslogMessages.add(syslogIdent.orElse("?") + " <" + priority + "> " + message);
  }

  // ---- systemd's notify socket: AF_UNIX datagrams, connected before chroot ----

  /** A datagram socket of this process: where it is connected, if anywhere. */
  private static final class DatagramSocket {
    final long inode;
    /** The receiver's address ("@name", or the socket's path outside), once connected. */
    String peer;

    DatagramSocket(long inode) {
      this.inode = inode;
    }
  }

  @Override
  public Optional<String> environment(String name) {
    return Optional.ofNullable(environment.get(name));
  }

  /** The thread that calls apply() is the process's first: its id is the pid. */
  @Override
  public long processId() {
    return caller.tid;
  }

  @Override
  public int unixDatagramSocket() {
    long inode = nextInode++;
    int fd = allocate("socket:[" + inode + "]");
    sockets.put(fd, new DatagramSocket(inode));
    return fd;
  }

  /**
   * connect(2)'s rules for an AF_UNIX datagram socket: an abstract name must be bound; a path is
   * resolved as the process names it now (after chroot, inside the jail), must be a socket file
   * this process may write, with a receiver behind it.
   */
  @Override
  public void connect(int fd, String address) throws ErrnoException {
    String args = fd + ", " + q(address);
    DatagramSocket socket = datagramSocket(Syscall.CONNECT, fd, args);
    String peer = address.startsWith("@") ? address : resolve(address, true);
    if (!address.startsWith("@")) {
      Node node = files.get(peer);
      if (node == null) {
        throw fail(Syscall.CONNECT, Errno.ENOENT, args);
      }
      if (node.type == FileStatus.Type.SOCKET && !capable(Capabilities.CAP_DAC_OVERRIDE) && !writable(node)) {
        throw fail(Syscall.CONNECT, Errno.EACCES, args);
      }
    }
    if (!receivers.getOrDefault(peer, false)) {
      throw fail(Syscall.CONNECT, Errno.ECONNREFUSED, args); // not a socket, or nothing bound there
    }
    socket.peer = peer;
  }

  /** A connected datagram socket delivers to its peer while the peer is bound, with the sender's credentials. */
  @Override
  public void send(int fd, byte[] message) throws ErrnoException {
    String text = new String(message, StandardCharsets.UTF_8);
    String args = fd + ", " + q(text);
    DatagramSocket socket = datagramSocket(Syscall.SEND, fd, args);
    if (socket.peer == null) {
      throw fail(Syscall.SEND, Errno.ENOTCONN, args);
    }
    if (!receivers.getOrDefault(socket.peer, false)) {
      throw fail(Syscall.SEND, Errno.ECONNREFUSED, args);
    }
    datagrams.add(new Datagram(socket.peer, processId(), ruid, rgid, text));
  }

  private DatagramSocket datagramSocket(Syscall syscall, int fd, String args) throws ErrnoException {
    if (!descriptors.containsKey(fd)) {
      throw fail(syscall, Errno.EBADF, args);
    }
    DatagramSocket socket = sockets.get(fd);
    if (socket == null) {
      throw fail(syscall, Errno.ENOTSOCK, args);
    }
    return socket;
  }

  /** May this process write the file: the owner's, group's or others' w bit, as its ids pick. */
  private boolean writable(Node node) {
    int bits = node.uid == euid ? 0200 : (node.gid == egid || groups.contains(node.gid)) ? 0020 : 0002;
    return (node.permissions & bits) != 0;
  }

  // ---- rules ----

  private boolean capable(int capability) {
    return (caller.effective & (1L << capability)) != 0;
  }

  private static boolean allowed(long wanted, long r, long e, long s) {
    return wanted == UNCHANGED || wanted == r || wanted == e || wanted == s;
  }

  private String existingDirectory(Syscall syscall, String path) throws ErrnoException {
    String resolved = resolve(path, true);
    Node node = files.get(resolved);
    if (node == null) {
      throw fail(syscall, Errno.ENOENT, q(path));
    }
    if (node.type != FileStatus.Type.DIRECTORY) {
      throw fail(syscall, Errno.ENOTDIR, q(path));
    }
    return resolved;
  }

  /** Resolves as the kernel does: from the root or the cwd; ".." stops at the root only. */
  private String resolve(String path, boolean followLast) {
    String current = path.startsWith("/") ? root : cwd;
    String[] components = path.split("/");
    for (int i = 0; i < components.length; i++) {
      String component = components[i];
      if (component.isEmpty() || component.equals(".")) {
        continue;
      }
      if (component.equals("..")) {
        current = current.equals(root) ? root : parent(current);
        continue;
      }
      current = child(current, component);
      Node node = files.get(current);
      boolean last = i == components.length - 1;
      if (node != null && node.type == FileStatus.Type.SYMLINK && (!last || followLast)) {
        String target = node.symlinkTarget;
        current = target.startsWith("/") ? resolve(target, true) : resolveFrom(parent(current), target);
      }
    }
    return current;
  }

  private String resolveFrom(String base, String relative) {
    String saved = cwd;
    cwd = base;
    try {
      return resolve(relative, true);
    } finally {
      cwd = saved;
    }
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  private static String child(String parent, String name) {
    return parent.equals("/") ? "/" + name : parent + "/" + name;
  }

  void add(String path, Node node) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("fake paths are absolute: " + path);
    }
    String parent = parent(path);
    if (!files.containsKey(parent)) {
      add(parent, new Node(FileStatus.Type.DIRECTORY, 0, 0755, null, nextInode++)); // root-owned 0755, as mkdir -p by root
    }
    files.put(path, node);
  }

  int allocate(String path) {
    int fd = 3;
    while (descriptors.containsKey(fd)) {
      fd++;
    }
    descriptors.put(fd, path);
    return fd;
  }

  private static String q(String path) {
    return '"' + path + '"';
  }

  /** The model's own refusal: what the kernel would answer. */
  private static ErrnoException fail(Syscall syscall, int errno, String args) {
    return new ErrnoException(syscall, args.isEmpty() ? List.of() : List.of(args), errno);
  }

  @Override
  public String toString() {
    return "SimulatedKernel{uids=" + uids() + ", gids=" + gids() + ", groups=" + groups + ", root=" + root + ", cwd=" + cwd + "}";
  }

  /** For assertions on descriptors by path. */
  public Map<String, Integer> descriptorsByPath() {
    Map<String, Integer> byPath = new HashMap<>();
    descriptors.forEach((fd, path) -> byPath.put(path, fd));
    return byPath;
  }
}
