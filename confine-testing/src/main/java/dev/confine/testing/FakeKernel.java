package dev.confine.testing;

import static java.util.Objects.requireNonNull;

import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.PreflightReport;
import dev.confine.Syscall;
import dev.confine.internal.FileStatus;
import dev.confine.internal.Kernel;
import dev.confine.testing.simulation.SimulatedKernel;
import dev.confine.testing.simulation.Simulation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A kernel in memory that keeps the real rules, so a daemon's confinement policy can be tested
 * without root and without touching the machine: chroot, setgroups and setuid(0) need the
 * capabilities root has; an unprivileged setresuid may only pick among the current real,
 * effective and saved ids; leaving uid 0 clears the capability sets as capabilities(7) says;
 * ".." stops at the root only for a working directory inside it; capabilities, no_new_privs and
 * seccomp filters are per thread.
 *
 * <p>Starts as root (uid 0, gid 0, every capability) in "/", with the JVM's usual threads. Set the
 * scene (directories, users, threads, failures to inject), run {@link #apply} or {@link #check},
 * then look at what happened ({@link #calls()}, {@link #uids()}, {@link #root()}, ...). Not
 * thread-safe: one test, one simulation.
 */
public final class FakeKernel {
  /** The scene is set on it and confine runs through it. */
  private final Simulation simulation = new Simulation();
  /** What the machine is now. */
  private final SimulatedKernel model = simulation.model();

  public FakeKernel() {}

  /** What {@link PolicyAssertions} inspects beyond this class's own view. */
  Simulation simulated() {
    return simulation;
  }

  // ---- setting the scene ----

  /** Adds a directory (and any missing parents, root-owned 0755) owned by uid with mode. */
  public FakeKernel directory(String path, long uid, int permissions) {
    simulation.directory(path, uid, permissions);
    return this;
  }

  /** Adds a root-owned 0755 directory, parents included. */
  public FakeKernel directory(String path) {
    simulation.directory(path);
    return this;
  }

  /** Adds a regular file (mode 04755 makes it setuid). */
  public FakeKernel file(String path, long uid, int permissions) {
    simulation.file(path, uid, permissions);
    return this;
  }

  /** Adds a root-owned character device, as a copy of /dev/null or /dev/mem in a jail would be. */
  public FakeKernel deviceNode(String path) {
    simulation.entry(path, FileStatus.Type.CHAR_DEVICE, 0, 0, 0666, 1);
    return this;
  }

  /**
   * Adds a root-owned socket, mode 0666, as a log daemon makes /dev/log, and the jail's dev/log
   * when told to listen there too: with openSyslogFirst(), preflight looks for both.
   */
  public FakeKernel syslogSocket(String path) {
    simulation.entry(path, FileStatus.Type.SOCKET, 0, 0, 0666, 1);
    return this;
  }

  /** Adds a symbolic link at path pointing to target. */
  public FakeKernel symlink(String path, String target) {
    simulation.symlink(path, target);
    return this;
  }

  /** Replaces the directory at path by a new one (another inode), as a rename race would. */
  public FakeKernel replaceDirectory(String path) {
    simulation.replaceDirectory(path);
    return this;
  }

  /**
   * Adds a line to /proc/self/mountinfo: a file system of type fsType at mountPoint, mounted
   * "rw" (device nodes and setuid bits honoured, as a plain {@code mount -t} does).
   */
  public FakeKernel mount(String mountPoint, String fsType) {
    simulation.mount(mountPoint, fsType);
    return this;
  }

  /** As {@link #mount(String, String)}, with these per-mount options ("rw", "nodev", "nosuid", ...). */
  public FakeKernel mount(String mountPoint, String fsType, String firstOption, String... moreOptions) {
    requireNonNull(moreOptions, "moreOptions");
    String[] options = new String[moreOptions.length + 1];
    options[0] = requireNonNull(firstOption, "firstOption");
    System.arraycopy(moreOptions, 0, options, 1, moreOptions.length);
    simulation.mount(mountPoint, fsType, options);
    return this;
  }

  /**
   * mount --bind source target, with these per-mount options: the directories and files under
   * source appear under target as the same files (device and inode) on a mount of their own, as
   * a jail made by bind-mounting another directory is. A descriptor of a directory in source is
   * then outside a jail rooted at target, whatever its device and inode say.
   */
  public FakeKernel bindMount(String source, String target, String firstOption, String... moreOptions) {
    requireNonNull(moreOptions, "moreOptions");
    String[] options = new String[moreOptions.length + 1];
    options[0] = requireNonNull(firstOption, "firstOption");
    System.arraycopy(moreOptions, 0, options, 1, moreOptions.length);
    simulation.bindMount(requireNonNull(source, "source"), requireNonNull(target, "target"), options);
    return this;
  }

  /** Adds another process, running with real, effective and saved uid {@code uid}. */
  public FakeKernel otherProcess(long pid, long uid) {
    simulation.otherProcess(pid, uid);
    return this;
  }

  /** Adds a user to the passwd database. */
  public FakeKernel user(String name, long uid, long gid) {
    simulation.user(name, uid, gid);
    return this;
  }

  /**
   * Sets a variable of the process's environment, as systemd would for a {@code Type=notify}
   * unit: {@code NOTIFY_SOCKET} (with a {@link #datagramReceiver} there), {@code WATCHDOG_USEC}.
   */
  public FakeKernel environment(String name, String value) {
    simulation.environment(name, value);
    return this;
  }

  /**
   * A datagram receiver at {@code address}, standing in for systemd's notify socket: a path
   * (a socket file is added there) or {@code @name}. What it receives is in {@link #datagrams()}.
   */
  public FakeKernel datagramReceiver(String address) {
    simulation.datagramReceiver(address);
    return this;
  }

  /** The receiver at {@code address} closes its socket: a send to it then fails (ECONNREFUSED). */
  public FakeKernel receiverCloses(String address) {
    simulation.receiverCloses(address);
    return this;
  }

  /**
   * The process was started from a shell on terminal {@code tty} (such as "/dev/pts/0"), which is
   * its controlling terminal; {@code leadsSession} when it leads that terminal's session itself
   * (started with setsid or script -c) rather than a shell doing so.
   */
  public FakeKernel controllingTerminal(String tty, boolean leadsSession) {
    simulation.controllingTerminal(tty, leadsSession);
    return this;
  }

  /** The process has no controlling terminal, as under a service manager (by default it has /dev/pts/0, a shell's). */
  public FakeKernel withoutControllingTerminal() {
    simulation.withoutControllingTerminal();
    return this;
  }

  /** The controlling terminal now: empty once apply() has left it, or if there was none. */
  public Optional<String> controllingTerminal() {
    return model.controllingTerminal();
  }

  /**
   * Whether this process could push input into {@code tty} with TIOCSTI now, as the kernel rules
   * (only into its own controlling terminal, or with CAP_SYS_ADMIN; its uid does not matter).
   */
  public boolean mayPushInputInto(String tty) {
    return model.mayPushInputInto(tty);
  }

  /** Opens a descriptor on a directory, as a leaky library might have; returns its number. */
  public int leakDirectoryDescriptor(String path) {
    return simulation.leakDirectoryDescriptor(path);
  }

  /**
   * Opens a file for reading, as code that read a secret before apply() might have left it open
   * (preflight reports it as inherited-descriptor if the target could not read it itself); returns its number.
   */
  public int leakFileDescriptor(String path) {
    return simulation.openFile(path, 0); // O_RDONLY
  }

  /**
   * Descriptors 0, 1 and 2 name {@code target}: "/dev/null" as a service manager leaves them, or a
   * log file. By default they are a terminal ("/dev/pts/0"), which preflight reports as INFO (terminal).
   */
  public FakeKernel standardStreams(String target) {
    simulation.standardStreams(target);
    return this;
  }

  /** Starts this kernel's process as another identity (for example, not root). */
  public FakeKernel runningAs(long uid, long gid) {
    simulation.runningAs(uid, gid);
    return this;
  }

  /**
   * Adds another thread that exists before apply(), with the same credentials as the others
   * (the JVM's compiler and GC threads, a pool started early). Returns its thread id.
   */
  public long otherThread(String name) {
    return simulation.otherThread(name);
  }

  /**
   * Adds a thread that has begun to exit when apply() runs: glibc's set*id skips such a thread,
   * so it keeps root until it is gone, {@code pausesUntilGone} pauses of apply()'s verification
   * later. Returns its thread id.
   */
  public long endingThread(String name, int pausesUntilGone) {
    return simulation.endingThread(name, pausesUntilGone);
  }

  /**
   * Adds a thread that glibc does not know (made by a raw clone(2)): set*id never reaches it, so
   * it keeps root for good, and apply() must fail closed. Returns its thread id.
   */
  public long threadUnknownToLibc(String name) {
    return simulation.threadUnknownToLibc(name);
  }

  /**
   * The next call of {@code syscall} fails with the named errno ("EPERM", "EIO", ...). Every call
   * confine makes can be failed; {@link #apply} and {@link #check} throw {@link AssertionError}
   * if a failure armed here was never reached, so a test cannot pass while nothing failed.
   *
   * @throws IllegalArgumentException for umask(2) and openlog(3), which cannot fail, or an
   *     unknown errno name
   */
  public FakeKernel failNext(Syscall syscall, String errnoName) {
    simulation.failNext(requireNonNull(syscall, "syscall"), requireNonNull(errnoName, "errnoName"));
    return this;
  }

  /** The id of the thread that calls apply(): for {@link #failNextInThread} and {@link #ownSeccompFilter}. */
  public long callerThread() {
    return simulation.callerThread();
  }

  /**
   * The next setgroups, setresgid or setresuid fails with the named errno in thread {@code tid}
   * ({@link #callerThread()} or one from {@link #otherThread}) only, and succeeds in every other
   * thread: what the real kernel does when one thread's call fails for a reason preflight cannot
   * see. glibc applies these calls to every thread and aborts the process as soon as two threads
   * got different results, so the fake does what Linux and glibc do: the other threads take the
   * new ids, that one keeps its own, and {@link #apply} throws {@link ProcessAborted} (an Error:
   * nothing of confine or of the daemon runs after it) with {@link #haltStatus()} 134 (SIGABRT).
   * A thread whose own seccomp filter makes the call fail is what preflight refuses: set that with
   * {@link #ownSeccompFilter} instead. If no such call is reached, {@link #apply} throws
   * {@link AssertionError}, as for {@link #failNext}.
   *
   * @throws IllegalArgumentException for another call (fail it with {@link #failNext}), an unknown
   *     thread or errno name
   * @throws IllegalStateException if one is armed already
   */
  public FakeKernel failNextInThread(long tid, Syscall syscall, String errnoName) {
    simulation.failNextInThread(tid, requireNonNull(syscall, "syscall"), requireNonNull(errnoName, "errnoName"));
    return this;
  }

  /**
   * Thread {@code tid} (the caller's or another's) installs a seccomp filter of its own, without
   * TSYNC (a native library can): its filters differ from the other threads', which confine's
   * TSYNC filters cannot pass; preflight refuses it ({@code seccomp-filters-differ}).
   */
  public FakeKernel ownSeccompFilter(long tid) {
    simulation.ownSeccompFilter(tid);
    return this;
  }

  // ---- running a policy against it ----

  /**
   * Runs {@code policy.apply()} against this kernel instead of the real one. The JVM is not
   * prepared (the preparations are named in the report with zero time); a failure past the point
   * of no return is recorded as a halt (see {@link #haltStatus()}) and thrown.
   */
  public ConfinementReport apply(ConfinementPolicy policy) {
    return simulation.apply(requireNonNull(policy, "policy"));
  }

  /** Runs {@code policy.check()} against this simulation. */
  public PreflightReport check(ConfinementPolicy policy) {
    return simulation.check(requireNonNull(policy, "policy"));
  }

  // ---- what happened ----

  /** The system calls confine made, in order, one entry per call: what a test asserts on without parsing text. */
  public List<Syscall> syscallsMade() {
    List<Syscall> made = new java.util.ArrayList<>();
    simulation.recordedCalls().forEach(call -> made.add(call.syscall));
    return made;
  }

  /** Every call made, in order, with its result: {@code chroot(".") = 0}. */
  public List<String> calls() {
    return simulation.calls();
  }

  /** The exit status the process would have halted with, if it would have. */
  public OptionalInt haltStatus() {
    return simulation.haltStatus();
  }

  /** What confine wrote to standard error. */
  public String stderr() {
    return simulation.stderr();
  }

  /**
   * What the datagram receivers got, in order, each with the sender's credentials as
   * SCM_CREDENTIALS gives them: {@code "pid 100 uid 65534 gid 65534 -> /run/systemd/notify: READY=1"}.
   */
  public List<String> datagrams() {
    List<String> rendered = new java.util.ArrayList<>();
    model.datagrams().forEach(datagram -> rendered.add(datagram.toString()));
    return List.copyOf(rendered);
  }

  /** The messages sent to syslog, each as "ident &lt;priority&gt; text". */
  public List<String> syslogMessages() {
    return model.syslogMessages();
  }

  /** The process's root directory, as a path outside it. */
  public String root() {
    return model.root();
  }

  /** The working directory, as a path outside the root. */
  public String workingDirectory() {
    return model.workingDirectory();
  }

  /** Real, effective and saved uid. */
  public List<Long> uids() {
    return ids(model.uids());
  }

  /**
   * Each thread's real, effective, saved and filesystem uid, by thread id, as
   * /proc/self/task/TID/status shows them: they differ where a thread kept its own (one that
   * set*id missed, or the one whose call failed alone before glibc's abort).
   */
  public Map<Long, List<Long>> threadUids() {
    Map<Long, List<Long>> uids = new java.util.LinkedHashMap<>();
    for (dev.confine.internal.linux.ThreadStatus t : model.threads()) {
      uids.put(t.tid, t.uid);
    }
    return uids;
  }

  /** Real, effective and saved gid. */
  public List<Long> gids() {
    return ids(model.gids());
  }

  /** The supplementary groups. */
  public List<Long> groups() {
    return model.groups();
  }

  /** The open descriptors, each with what it refers to (a path outside the root). */
  public Map<Integer, String> descriptors() {
    return model.descriptors();
  }

  /** The process's umask. */
  public int umask() {
    return model.currentUmask();
  }

  /** How many times apply()'s verification paused to let an ending thread go. */
  public int pauses() {
    return model.pauses();
  }

  /** Where a path, as the process would name it now, lands outside; empty if it does not exist. */
  public Optional<String> resolveAsProcess(String path) {
    return model.resolveAsProcess(requireNonNull(path, "path"));
  }

  @Override
  public String toString() {
    return "FakeKernel{uids=" + uids() + ", gids=" + gids() + ", groups=" + groups() + ", root=" + root()
        + ", cwd=" + workingDirectory() + "}";
  }

  private static List<Long> ids(Kernel.Ids ids) {
    return List.of(ids.real, ids.effective, ids.saved);
  }
}
