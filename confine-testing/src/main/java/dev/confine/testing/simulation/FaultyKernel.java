package dev.confine.testing.simulation;

import static java.util.Objects.requireNonNull;

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
import dev.confine.internal.Sequence;
import dev.confine.internal.linux.ThreadStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A kernel that passes every call on to another and can be told to fail any of them, as okhttp's
 * {@code FaultyFileSystem} decorates a file system: {@link #failNext} arms a failure for the next
 * call of that kind, and every call is recorded as a typed {@link Call}. Calls that cannot fail
 * (umask(2), openlog(3)) are refused at once when armed; an armed failure that no call reached
 * is reported by {@link #unreached()}, never forgotten.
 */
public final class FaultyKernel implements Kernel {
  /** One call as it was made: what, with which arguments, and what came of it. */
  public static final class Call {
    public final Syscall syscall;
    public final List<String> arguments;
    /** The result as text ("0", a descriptor, a value), or empty if the call failed. */
    public final Optional<String> result;
    /** The errno of a failed call, or empty. */
    public final OptionalInt errno;
    /** True if this failure was armed with {@link #failNext}, not the kernel's own answer. */
    public final boolean injected;

    Call(Syscall syscall, List<String> arguments, Optional<String> result, OptionalInt errno, boolean injected) {
      this.syscall = syscall;
      this.arguments = List.copyOf(arguments);
      this.result = result;
      this.errno = errno;
      this.injected = injected;
    }

    /** As strace prints it: {@code chroot(".") = 0}, {@code setuid(0) = -1 EPERM}. */
    @Override
    public String toString() {
      return syscall.cName() + "(" + String.join(", ", arguments) + ") = "
          + (errno.isPresent() ? "-1 " + dev.confine.internal.linux.Errno.name(errno.getAsInt()) + (injected ? " (injected)" : "") : result.orElse("0"));
    }
  }

  /** The calls whose C function reports no failure: arming one is a mistake in the test. */
  private static final Set<Syscall> CANNOT_FAIL = Set.of(Syscall.UMASK, Syscall.OPENLOG);

  private final Kernel delegate;
  private final Map<Syscall, Deque<Integer>> armed = new EnumMap<>(Syscall.class);
  private final List<Call> calls = new ArrayList<>();

  public FaultyKernel(Kernel delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
  }

  /**
   * The next call of {@code syscall} fails with the named errno ("EPERM", "EIO", ...), whatever
   * the kernel underneath would have answered.
   *
   * @throws IllegalArgumentException for a call that cannot fail, or an unknown errno name
   */
  public synchronized FaultyKernel failNext(Syscall syscall, String errnoName) {
    requireNonNull(syscall, "syscall");
    requireNonNull(errnoName, "errnoName");
    if (CANNOT_FAIL.contains(syscall)) {
      throw new IllegalArgumentException(
          syscall + ": " + syscall.cName() + (syscall == Syscall.UMASK ? "(2) always succeeds (it returns the old mask)" : "(3) reports no failure")
              + ", so no failure can be injected into it");
    }
    armed.computeIfAbsent(syscall, s -> new ArrayDeque<>()).add(dev.confine.internal.linux.Errno.byName(errnoName));
    return this;
  }

  /** Failures armed but not reached by any call, as "SYSCALL ERRNO". */
  public synchronized List<String> unreached() {
    List<String> left = new ArrayList<>();
    armed.forEach((syscall, errnos) -> errnos.forEach(errno -> left.add(syscall + " " + dev.confine.internal.linux.Errno.name(errno))));
    return left;
  }

  /** Every call made so far, in order. */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Forgets the calls recorded so far (the scene set before a test is not part of it). */
  public synchronized void clearCalls() {
    calls.clear();
  }

  @FunctionalInterface
  private interface Body<T> {
    T call() throws ErrnoException;
  }

  /**
   * Fails if armed; otherwise delegates, recording the outcome either way. The lock is held across
   * the delegate's call: the simulated kernel underneath is not thread-safe and never blocks, and a
   * daemon may call from several threads (a ServiceNotifier is safe from any): so calls take effect
   * one at a time, in the order they are recorded.
   */
  private synchronized <T> T call(Syscall syscall, List<String> arguments, Body<T> body) throws ErrnoException {
    Deque<Integer> queue = armed.get(syscall);
    Integer errno = queue == null ? null : queue.poll();
    if (queue != null && queue.isEmpty()) {
      armed.remove(syscall);
    }
    if (errno != null) {
      calls.add(new Call(syscall, arguments, Optional.empty(), OptionalInt.of(errno), true));
      throw new ErrnoException(syscall, arguments, errno);
    }
    try {
      T result = body.call();
      calls.add(new Call(syscall, arguments, Optional.of(render(result)), OptionalInt.empty(), false));
      return result;
    } catch (ErrnoException e) {
      calls.add(new Call(syscall, arguments, Optional.empty(), OptionalInt.of(e.errno()), false));
      throw e;
    } catch (dev.confine.testing.ProcessAborted e) {
      calls.add(new Call(syscall, arguments, Optional.of("? (failed in thread " + e.threadId() + " only: glibc's abort())"), OptionalInt.empty(), true));
      throw e;
    }
  }

  /** Strings quoted, but C constants ("PR_SET_KEEPCAPS") as C writes them. */
  private static List<String> args(Object... values) {
    List<String> rendered = new ArrayList<>(values.length);
    for (Object value : values) {
      boolean quoted = value instanceof String && !((String) value).matches("[A-Z][A-Z0-9_|]*");
      rendered.add(quoted ? '"' + (String) value + '"' : String.valueOf(value));
    }
    return rendered;
  }

  /** A result as a line can hold it: lists and maps by their size, masks in hexadecimal. */
  private static String render(Object result) {
    if (result == null) {
      return "0";
    }
    if (result instanceof java.util.Collection) {
      return "[" + ((java.util.Collection<?>) result).size() + " entries]";
    }
    if (result instanceof Map) {
      return "{" + ((Map<?, ?>) result).size() + " entries}";
    }
    if (result instanceof long[]) {
      List<String> masks = new ArrayList<>();
      for (long mask : (long[]) result) {
        masks.add(Long.toHexString(mask));
      }
      return masks.toString();
    }
    return String.valueOf(result);
  }

  // ---- every call of Kernel, each under the Syscall its failure is reported as ----

  @Override public String binding() { return delegate.binding(); }
  @Override public Ids getresuid() throws ErrnoException { return call(Syscall.GETRESUID, List.of(), delegate::getresuid); }
  @Override public Ids getresgid() throws ErrnoException { return call(Syscall.GETRESGID, List.of(), delegate::getresgid); }
  @Override public List<Long> getgroups() throws ErrnoException { return call(Syscall.GETGROUPS, List.of(), delegate::getgroups); }

  @Override
  public void setgroups(List<Long> gids) throws ErrnoException {
    call(Syscall.SETGROUPS, List.of(gids.toString()), () -> { delegate.setgroups(gids); return null; });
  }

  @Override
  public void setresgid(long r, long e, long s) throws ErrnoException {
    call(Syscall.SETRESGID, args(r, e, s), () -> { delegate.setresgid(r, e, s); return null; });
  }

  @Override
  public void setresuid(long r, long e, long s) throws ErrnoException {
    call(Syscall.SETRESUID, args(r, e, s), () -> { delegate.setresuid(r, e, s); return null; });
  }

  @Override public void setuid(long uid) throws ErrnoException { call(Syscall.SETUID, args(uid), () -> { delegate.setuid(uid); return null; }); }
  @Override public void setgid(long gid) throws ErrnoException { call(Syscall.SETGID, args(gid), () -> { delegate.setgid(gid); return null; }); }
  @Override public Capabilities capabilities() throws ErrnoException { return call(Syscall.READ_PROC_FILE, args("/proc/thread-self/status"), delegate::capabilities); }
  @Override public Optional<PasswdEntry> getpwnam(String name) throws ErrnoException { return call(Syscall.GETPWNAM, args(name), () -> delegate.getpwnam(name)); }
  @Override public Optional<PasswdEntry> getpwuid(long uid) throws ErrnoException { return call(Syscall.GETPWUID, args(uid), () -> delegate.getpwuid(uid)); }

  @Override
  public int openDirectoryNoFollow(String path) throws ErrnoException {
    return call(Syscall.OPEN, args(path, Sequence.DIRECTORY_FLAGS), () -> delegate.openDirectoryNoFollow(path));
  }

  @Override public FileStatus fstat(int fd) throws ErrnoException { return call(Syscall.FSTAT, args(fd, "", "AT_EMPTY_PATH"), () -> delegate.fstat(fd)); }
  @Override public Optional<FileStatus> lstat(String path) throws ErrnoException { return call(Syscall.LSTAT, args(path), () -> delegate.lstat(path)); }
  @Override public Optional<FileStatus> stat(String path) throws ErrnoException { return call(Syscall.FSTAT, args(path), () -> delegate.stat(path)); }
  @Override public void fchdir(int fd) throws ErrnoException { call(Syscall.FCHDIR, args(fd), () -> { delegate.fchdir(fd); return null; }); }
  @Override public void chdir(String path) throws ErrnoException { call(Syscall.CHDIR, args(path), () -> { delegate.chdir(path); return null; }); }
  @Override public void chroot(String path) throws ErrnoException { call(Syscall.CHROOT, args(path), () -> { delegate.chroot(path); return null; }); }
  @Override public int openWorkingDirectory() throws ErrnoException { return call(Syscall.OPEN_WORKING_DIRECTORY, args(".", "O_PATH|O_DIRECTORY|O_CLOEXEC"), delegate::openWorkingDirectory); }
  @Override public java.util.OptionalInt openControllingTerminal() throws ErrnoException { return call(Syscall.OPEN_TERMINAL, args("/dev/tty", "O_RDWR|O_NOCTTY|O_CLOEXEC"), delegate::openControllingTerminal); }
  @Override public boolean leadsSession() throws ErrnoException { return call(Syscall.GETSID, args(0), delegate::leadsSession); }
  @Override public void leaveControllingTerminal(int fd) throws ErrnoException { call(Syscall.TIOCNOTTY, args(fd, "TIOCNOTTY"), () -> { delegate.leaveControllingTerminal(fd); return null; }); }
  @Override public void close(int fd) throws ErrnoException { call(Syscall.CLOSE, args(fd), () -> { delegate.close(fd); return null; }); }
  @Override public String getcwd() throws ErrnoException { return call(Syscall.GETCWD, List.of(), delegate::getcwd); }

  @Override
  public synchronized int umask(int mask) {
    int old = delegate.umask(mask);
    calls.add(new Call(Syscall.UMASK, List.of("0" + Integer.toOctalString(mask)), Optional.of("0" + Integer.toOctalString(old)), OptionalInt.empty(), false));
    return old;
  }

  @Override
  public List<OpenFile> openFiles() throws ErrnoException {
    // Listing /proc/self/fd (READDIR), then reading each link (READLINK): either may be armed.
    return call(Syscall.READDIR, args("/proc/self/fd"), () -> call(Syscall.READLINK, args("/proc/self/fd/*"), delegate::openFiles));
  }

  @Override
  public void walk(String directory, Set<String> doNotEnter, WalkVisitor visitor) throws ErrnoException {
    // Each directory is listed (READDIR) and each entry lstat'ed (LSTAT): either may be armed.
    call(Syscall.READDIR, args(directory), () -> call(Syscall.LSTAT, args(directory + "/*"), () -> {
      delegate.walk(directory, doNotEnter, visitor);
      return null;
    }));
  }

  @Override public List<Mount> mounts() throws ErrnoException { return call(Syscall.READ_PROC_FILE, args("/proc/self/mountinfo"), delegate::mounts); }
  @Override public Optional<String> readText(String path) throws ErrnoException { return call(Syscall.READ_PROC_FILE, args(path), () -> delegate.readText(path)); }

  @Override
  public Optional<PosixAcl> acl(String path, boolean defaultAcl) throws ErrnoException {
    return call(Syscall.GETXATTR, args(path, defaultAcl ? "system.posix_acl_default" : "system.posix_acl_access"), () -> delegate.acl(path, defaultAcl));
  }

  @Override
  public Optional<FileCapabilities> fileCapabilities(String path) throws ErrnoException {
    return call(Syscall.GETXATTR, args(path, "security.capability"), () -> delegate.fileCapabilities(path));
  }

  @Override
  public Optional<SocketPeer> unixSocketPeer(int fd) throws ErrnoException {
    return call(Syscall.GETSOCKOPT, args(fd, "SOL_SOCKET", "SO_PEERCRED"), () -> delegate.unixSocketPeer(fd));
  }

  @Override public FileStatus statAt(int dirFd, String path) throws ErrnoException { return call(Syscall.FSTAT, args(dirFd, path, 0), () -> delegate.statAt(dirFd, path)); }

  @Override
  public int openParent(int fd) throws ErrnoException {
    return call(Syscall.OPEN_PARENT, args(fd, "..", "O_PATH|O_DIRECTORY|O_CLOEXEC"), () -> delegate.openParent(fd));
  }

  @Override
  public List<Integer> descriptorNumbers(int threadListFd) throws ErrnoException {
    return call(Syscall.READ_DESCRIPTORS, args(threadListFd, "../fd"), () -> delegate.descriptorNumbers(threadListFd));
  }

  @Override public Map<Long, Ids> otherProcesses() throws ErrnoException { return call(Syscall.READ_PROCESS_STATUS, args("/proc"), delegate::otherProcesses); }

  /** gettid(2) cannot fail; not recorded. */
  @Override public long threadId() throws ErrnoException { return delegate.threadId(); }

  @Override public int lastCapability() throws ErrnoException { return call(Syscall.CAPBSET_READ, args("PR_CAPBSET_READ"), delegate::lastCapability); }
  @Override public boolean inBoundingSet(int cap) throws ErrnoException { return call(Syscall.CAPBSET_READ, args("PR_CAPBSET_READ", cap), () -> delegate.inBoundingSet(cap)); }

  @Override
  public void dropFromBoundingSet(int cap) throws ErrnoException {
    call(Syscall.CAPBSET_DROP, args("PR_CAPBSET_DROP", cap), () -> { delegate.dropFromBoundingSet(cap); return null; });
  }

  @Override
  public void clearAmbientCapabilities() throws ErrnoException {
    call(Syscall.CAP_AMBIENT_CLEAR, args("PR_CAP_AMBIENT", "PR_CAP_AMBIENT_CLEAR_ALL"), () -> { delegate.clearAmbientCapabilities(); return null; });
  }

  @Override
  public void setKeepCapabilities(boolean keep) throws ErrnoException {
    call(Syscall.SET_KEEPCAPS, args("PR_SET_KEEPCAPS", keep ? 1 : 0), () -> { delegate.setKeepCapabilities(keep); return null; });
  }

  @Override
  public void capset(long permitted, long effective, long inheritable) throws ErrnoException {
    call(Syscall.CAPSET, args(Long.toHexString(permitted), Long.toHexString(effective), Long.toHexString(inheritable)),
        () -> { delegate.capset(permitted, effective, inheritable); return null; });
  }

  @Override public long[] capget() throws ErrnoException { return call(Syscall.CAPGET, List.of(), delegate::capget); }

  @Override
  public void setNoNewPrivileges() throws ErrnoException {
    call(Syscall.NO_NEW_PRIVS, args("PR_SET_NO_NEW_PRIVS", 1), () -> { delegate.setNoNewPrivileges(); return null; });
  }

  @Override public boolean noNewPrivileges() throws ErrnoException { return call(Syscall.NO_NEW_PRIVS, args("PR_GET_NO_NEW_PRIVS"), delegate::noNewPrivileges); }
  @Override public int securebits() throws ErrnoException { return call(Syscall.GET_SECUREBITS, args("PR_GET_SECUREBITS"), delegate::securebits); }

  @Override
  public void setDumpable(boolean dumpable) throws ErrnoException {
    call(Syscall.SET_DUMPABLE, args("PR_SET_DUMPABLE", dumpable ? 1 : 0), () -> { delegate.setDumpable(dumpable); return null; });
  }

  @Override public boolean dumpable() throws ErrnoException { return call(Syscall.SET_DUMPABLE, args("PR_GET_DUMPABLE"), delegate::dumpable); }

  @Override
  public void installSeccompFilterOnAllThreads(long[] program) throws ErrnoException {
    call(Syscall.SECCOMP, args("SECCOMP_SET_MODE_FILTER", "SECCOMP_FILTER_FLAG_TSYNC", program.length + " instructions"),
        () -> { delegate.installSeccompFilterOnAllThreads(program); return null; });
  }

  @Override public int openThreadList() throws ErrnoException { return call(Syscall.OPEN_THREAD_LIST, args("/proc/self/task", Sequence.DIRECTORY_FLAGS), delegate::openThreadList); }
  @Override public List<ThreadStatus> threadStatuses() throws ErrnoException { return call(Syscall.READ_THREAD_STATUS, args("/proc/self/task"), delegate::threadStatuses); }
  @Override public List<ThreadStatus> threadStatuses(int fd) throws ErrnoException { return call(Syscall.READ_THREAD_STATUS, args(fd), () -> delegate.threadStatuses(fd)); }

  /** A sleep, not a call that can fail; not recorded. */
  @Override public synchronized void pause(long nanos) { delegate.pause(nanos); }

  @Override
  public synchronized void openlog(String ident, int option, int facility) {
    delegate.openlog(ident, option, facility);
    calls.add(new Call(Syscall.OPENLOG, args(ident, option, facility), Optional.empty(), OptionalInt.empty(), false));
  }

  /** Messages are the simulation's to keep; not a call confine can fail on. */
  @Override public synchronized void syslog(int priority, String message) { delegate.syslog(priority, message); }

  /** getenv(3) cannot fail; not recorded. */
  @Override public Optional<String> environment(String name) { return delegate.environment(name); }

  /** getpid(2) cannot fail; not recorded. */
  @Override public long processId() { return delegate.processId(); }

  @Override
  public int unixDatagramSocket() throws ErrnoException {
    return call(Syscall.SOCKET, args("AF_UNIX", "SOCK_DGRAM|SOCK_CLOEXEC", 0), delegate::unixDatagramSocket);
  }

  @Override
  public void connect(int fd, String address) throws ErrnoException {
    call(Syscall.CONNECT, args(fd, address), () -> { delegate.connect(fd, address); return null; });
  }

  @Override
  public void send(int fd, byte[] message) throws ErrnoException {
    call(Syscall.SEND, args(fd, new String(message, java.nio.charset.StandardCharsets.UTF_8), "MSG_NOSIGNAL"),
        () -> { delegate.send(fd, message); return null; });
  }
}
