package dev.confine.testing.simulation;

import static java.util.Objects.requireNonNull;

import dev.confine.internal.FileCapabilities;
import dev.confine.internal.FileStatus;
import dev.confine.internal.Kernel.Ids;
import dev.confine.internal.Kernel.SocketPeer;
import dev.confine.internal.Mount;
import dev.confine.internal.PasswdEntry;
import dev.confine.internal.PosixAcl;
import dev.confine.testing.simulation.SimulatedKernel.Node;
import dev.confine.testing.simulation.SimulatedKernel.Task;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Building a scene: the machine as a test needs it before (or while) confine runs, set on a
 * {@link SimulatedKernel}: users, directories and files with their owners and modes, mounts and
 * bind mounts, ACLs and file capabilities, descriptors the process holds, its threads, its
 * terminal, its environment and systemd's notify socket, and the identity it starts as. Each
 * method says what it sets in the terms of the machine; the rules those settings then meet are
 * the model's ({@link SimulatedKernel}), and running confine against it is the harness's
 * ({@link Simulation}, the one subclass, whose type each method returns so a scene reads as one
 * chain).
 */
public abstract class Scene<S extends Scene<S>> {
  /** What the scene sets: the model's state, which its package opens to this class alone. */
  final SimulatedKernel model;

  Scene(SimulatedKernel model) {
    this.model = requireNonNull(model, "model");
  }

  abstract S self();

  /** Adds a directory (and any missing parents, root-owned 0755) owned by uid with mode. */
  public S directory(String path, long uid, int permissions) {
    model.add(path, new Node(FileStatus.Type.DIRECTORY, uid, permissions, null, model.nextInode++));
    return self();
  }

  /** Adds a root-owned 0755 directory, parents included. */
  public S directory(String path) {
    return directory(path, 0, 0755);
  }

  /** Adds a regular file. */
  public S file(String path, long uid, int permissions) {
    model.add(path, new Node(FileStatus.Type.REGULAR, uid, permissions, null, model.nextInode++));
    return self();
  }

  /** Adds a file system entry of any type with its owner, group, permissions and link count. */
  public S entry(String path, FileStatus.Type type, long uid, long gid, int permissions, long links) {
    requireNonNull(type, "type");
    if (type == FileStatus.Type.SYMLINK) {
      throw new IllegalArgumentException("use symlink(path, target) for links");
    }
    model.add(path, new Node(type, uid, gid, permissions, null, model.nextInode++, links));
    return self();
  }

  /** Replaces the directory at path by a new one (another inode), as a rename race would. */
  public S replaceDirectory(String path) {
    Node old = model.files.get(path);
    if (old == null || old.type != FileStatus.Type.DIRECTORY) {
      throw new IllegalArgumentException("no directory at " + path);
    }
    model.files.put(path, new Node(old.type, old.uid, old.gid, old.permissions, null, model.nextInode++, old.links));
    return self();
  }

  /** Adds a line to this kernel's /proc/self/mountinfo, mounted "rw" (devices and setuid honoured). */
  public S mount(String mountPoint, String fsType) {
    return mount(mountPoint, fsType, "rw");
  }

  /** Adds a line to this kernel's /proc/self/mountinfo with these per-mount options ("rw", "nodev", ...). */
  public S mount(String mountPoint, String fsType, String... options) {
    return mount(new Mount(mountPoint, fsType, fsType, List.of(options)));
  }

  /** Adds a line to this kernel's /proc/self/mountinfo, as given (a cgroup hierarchy, with its root and controllers). */
  public S mount(Mount mount) {
    model.mounts.add(requireNonNull(mount, "mount"));
    model.mountIds.put(mount.mountPoint, model.nextMountId++);
    return self();
  }

  /**
   * mount --bind source target: the directory {@code source} and everything under it appear at
   * {@code target} as the same files (device and inode), on a mount of their own; what was under
   * target is hidden. A copy of the tree as it is now: an entry added later exists at the path it
   * was added at only. Listed in mountinfo with these options (a jail's: "rw", "nodev", "nosuid").
   */
  public S bindMount(String source, String target, String... options) {
    Node from = model.files.get(source);
    Node at = model.files.get(target);
    if (from == null || from.type != FileStatus.Type.DIRECTORY || at == null || at.type != FileStatus.Type.DIRECTORY) {
      throw new IllegalArgumentException("bind mounts a directory on a directory: " + source + " on " + target);
    }
    String sourcePrefix = source.equals("/") ? "/" : source + "/";
    Map<String, Node> shown = new TreeMap<>();
    for (Map.Entry<String, Node> e : model.files.entrySet()) {
      if (e.getKey().equals(source)) {
        shown.put(target, e.getValue());
      } else if (e.getKey().startsWith(sourcePrefix)) {
        shown.put(target + "/" + e.getKey().substring(sourcePrefix.length()), e.getValue()); // the same Node: the same inode
      }
    }
    model.files.keySet().removeIf(path -> path.startsWith(target + "/"));
    model.files.putAll(shown);
    return mount(new Mount(target, "ext4", "/dev/sda1", List.of(options), source, List.of()));
  }

  /**
   * Gives this kernel a small text file that {@link SimulatedKernel#readText} returns (/proc/self/cgroup, a
   * cgroup's cpu.max): the file alone, not an entry of the tree that lstat and walk see.
   */
  public S text(String path, String content) {
    model.texts.put(requireNonNull(path, "path"), requireNonNull(content, "content"));
    return self();
  }

  /** Gives path an access ACL ({@code defaultAcl} false) or a default ACL, as setfacl(1) would. */
  public S acl(String path, boolean defaultAcl, PosixAcl acl) {
    requireNonNull(acl, "acl");
    if (!model.files.containsKey(path)) {
      throw new IllegalArgumentException("no entry at " + path);
    }
    if (defaultAcl && model.files.get(path).type != FileStatus.Type.DIRECTORY) {
      throw new IllegalArgumentException("only a directory has a default ACL: " + path);
    }
    (defaultAcl ? model.defaultAcls : model.accessAcls).put(path, acl);
    if (!defaultAcl) {
      // The kernel keeps the mode in step with an access ACL: owner bits from user::, group
      // bits from mask:: (or group:: without a mask), other bits from other::.
      int user = 0, group = 0, mask = -1, other = 0;
      for (PosixAcl.Entry e : acl.entries) {
        switch (e.tag) {
          case USER_OBJ: user = e.permissions; break;
          case GROUP_OBJ: group = e.permissions; break;
          case MASK: mask = e.permissions; break;
          case OTHER: other = e.permissions; break;
          default: break;
        }
      }
      Node old = model.files.get(path);
      int permissions = (old.permissions & 07000) | user << 6 | (mask >= 0 ? mask : group) << 3 | other;
      model.files.put(path, new Node(old.type, old.uid, old.gid, permissions, old.symlinkTarget, old.inode, old.links));
    }
    return self();
  }

  /** Gives the regular file at path file capabilities (security.capability), as setcap(8) would. */
  public S fileCapabilities(String path, FileCapabilities capabilities) {
    requireNonNull(capabilities, "capabilities");
    Node node = model.files.get(path);
    if (node == null || node.type != FileStatus.Type.REGULAR) {
      throw new IllegalArgumentException("no regular file at " + path);
    }
    model.fileCapabilities.put(path, capabilities);
    return self();
  }

  /**
   * The process holds the file at path open with these open(2) flags (O_RDONLY is 0, O_WRONLY 1,
   * O_RDWR 2, O_APPEND 02000), as a file opened before apply() and inherited by it; its
   * /proc/self/fdinfo shows them. Returns the descriptor.
   */
  public int openFile(String path, int flags) {
    Node node = model.files.get(path);
    if (node == null || node.type == FileStatus.Type.DIRECTORY || node.type == FileStatus.Type.SYMLINK) {
      throw new IllegalArgumentException("no file to open at " + path);
    }
    int fd = model.allocate(path);
    model.texts.put("/proc/self/fdinfo/" + fd, "pos:\t0\nflags:\t0" + Integer.toOctalString(flags | 0100000) + "\nmnt_id:\t25\nino:\t" + node.inode + "\n");
    return fd;
  }

  /**
   * The process holds a connected Unix stream socket whose peer is process {@code pid} running as
   * {@code uid} and {@code gid} (SO_PEERCRED), as a connection made before apply(). Returns the descriptor.
   */
  public int connectedUnixSocket(long pid, long uid, long gid) {
    long inode = model.nextInode++;
    int fd = model.allocate("socket:[" + inode + "]");
    model.socketPeers.put(fd, new SocketPeer(pid, uid, gid));
    return fd;
  }

  /**
   * The process holds a descriptor of no file in the tree, named as /proc/self/fd shows it:
   * "/memfd:secret (deleted)", "anon_inode:[pidfd]", "anon_inode:[eventfd]", "pipe:[77]", or a
   * listening socket's "socket:[88]". Returns the descriptor.
   */
  public int descriptor(String target) {
    return model.allocate(requireNonNull(target, "target"));
  }

  /** Descriptors 0, 1 and 2 name {@code target} (a terminal, "/dev/pts/0", by default), as the parent left them. */
  public S standardStreams(String target) {
    requireNonNull(target, "target");
    for (int fd = 0; fd <= 2; fd++) {
      model.descriptors.put(fd, target);
    }
    return self();
  }

  /**
   * The process starts without this capability in any set, as under a supervisor whose bounding
   * set leaves it out (systemd's CapabilityBoundingSet=): threads started later inherit that.
   */
  public S withoutCapability(int capability) {
    long bit = 1L << capability;
    model.caller.permitted &= ~bit;
    model.caller.effective &= ~bit;
    model.caller.bounding &= ~bit;
    return self();
  }

  /**
   * The process has {@code tty} (such as "/dev/pts/3") as its controlling terminal: started from
   * a shell on it, in a session the shell leads ({@code leadsSession} false, the usual case), or
   * in a session of its own ({@code leadsSession} true: setsid, script -c).
   */
  public S controllingTerminal(String tty, boolean leadsSession) {
    model.controllingTerminal = Optional.of(requireNonNull(tty, "tty"));
    model.sessionLeader = leadsSession;
    return self();
  }

  /** The process has no controlling terminal (started by a service manager, or with setsid). */
  public S withoutControllingTerminal() {
    model.controllingTerminal = Optional.empty();
    model.sessionLeader = false;
    return self();
  }

  /** The process starts with these securebits (prctl(PR_SET_SECUREBITS) before exec, as setpriv does), in every thread. */
  public S securebits(int bits) {
    model.securebits = bits;
    return self();
  }

  /** fs.suid_dumpable: what the dumpable flag becomes when the uids change (0, the kernel's default, or 1). */
  public S suidDumpable(boolean dumpableAfterSetuid) {
    model.suidDumpable = dumpableAfterSetuid;
    return self();
  }

  /**
   * Adds a thread that called unshare(CLONE_FS) before apply(): it keeps the root and working
   * directory it has now, whatever chroot and chdir do in the other threads. Returns its id.
   */
  public long threadWithOwnFileSystemView(String name) {
    return threadWithOwnFileSystemView(name, model.root, model.cwd);
  }

  /**
   * Adds a thread that called unshare(CLONE_FS), then chroot(2) and chdir(2) to directory
   * {@code path}, before apply(): its root and working directory stay there. Returns its id.
   */
  public long threadWithOwnFileSystemView(String name, String path) {
    Node node = model.files.get(path);
    if (node == null || node.type != FileStatus.Type.DIRECTORY) {
      throw new IllegalArgumentException("no directory at " + path);
    }
    return threadWithOwnFileSystemView(name, path, path);
  }

  private long threadWithOwnFileSystemView(String name, String ownRoot, String ownCwd) {
    long tid = otherThread(name);
    Task task = model.tasks.get(model.tasks.size() - 1);
    task.ownRoot = ownRoot;
    task.ownCwd = ownCwd;
    return tid;
  }

  /** Another thread opens a directory now (as one may while apply() runs); returns the descriptor. */
  public int otherThreadOpensDirectory(String path) {
    return leakDirectoryDescriptor(path);
  }

  /** Another thread puts directory {@code path} on descriptor {@code fd} now, as dup2(2) would. */
  public S otherThreadReplacesDescriptor(int fd, String path) {
    Node node = model.files.get(path);
    if (node == null || node.type != FileStatus.Type.DIRECTORY) {
      throw new IllegalArgumentException("no directory at " + path);
    }
    model.descriptors.put(fd, path);
    return self();
  }

  /** Adds another process, running with real, effective and saved uid {@code uid}. */
  public S otherProcess(long pid, long uid) {
    model.otherProcesses.put(pid, new Ids(uid, uid, uid));
    return self();
  }

  /**
   * Sets a variable of this process's environment, as its parent would have (systemd:
   * NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID).
   */
  public S environment(String name, String value) {
    model.environment.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
    return self();
  }

  /**
   * A datagram receiver bound at {@code address}, as systemd binds its notify socket: a path
   * ("/run/systemd/notify": a root-owned socket file, mode 0777, parents added) or "@name" (an
   * abstract name: no file). What it receives is in {@link SimulatedKernel#datagrams()}.
   */
  public S datagramReceiver(String address) {
    requireNonNull(address, "address");
    if (!address.startsWith("@")) {
      model.add(address, new Node(FileStatus.Type.SOCKET, 0, 0, 0777, null, model.nextInode++, 1));
    }
    model.receivers.put(address, true);
    return self();
  }

  /** The receiver at {@code address} closes its socket: a send to it fails with ECONNREFUSED from now on. */
  public S receiverCloses(String address) {
    if (model.receivers.replace(requireNonNull(address, "address"), false) == null) {
      throw new IllegalArgumentException("no receiver at " + address);
    }
    return self();
  }

  /** Adds a symbolic link at path pointing to target. */
  public S symlink(String path, String target) {
    model.add(path, new Node(FileStatus.Type.SYMLINK, 0, 0777, target, model.nextInode++));
    return self();
  }

  /** Adds a user to the passwd database. */
  public S user(String name, long uid, long gid) {
    model.users.put(name, new PasswdEntry(name, uid, gid));
    return self();
  }

  /** Opens a descriptor on a directory, as a leaky library might have; returns its number. */
  public int leakDirectoryDescriptor(String path) {
    Node node = model.files.get(path);
    if (node == null || node.type != FileStatus.Type.DIRECTORY) {
      throw new IllegalArgumentException("no directory at " + path);
    }
    return model.allocate(path);
  }

  /** Starts this kernel's process as another identity (for example, not root). */
  public S runningAs(long uid, long gid) {
    model.ruid = model.euid = model.suid = uid;
    model.rgid = model.egid = model.sgid = gid;
    model.groups = List.of(gid);
    if (uid != 0) {
      for (Task task : model.tasks) {
        task.permitted = task.effective = 0;
      }
    }
    return self();
  }

  /**
   * Adds another thread that exists before apply(), with the same credentials as the others
   * (the JVM's compiler and GC threads, a pool started early). Returns its thread id.
   */
  public long otherThread(String name) {
    requireNonNull(name, "name");
    Task task = new Task(model.nextThreadId++, name);
    task.inheritable = model.caller.inheritable;
    task.permitted = model.caller.permitted;
    task.effective = model.caller.effective;
    task.bounding = model.caller.bounding;
    task.ambient = model.caller.ambient;
    task.noNewPrivs = model.caller.noNewPrivs;
    task.filters = model.caller.filters;
    model.tasks.add(task);
    return task.tid;
  }

  /**
   * Adds a thread that has begun to exit when apply() runs: glibc's set*id skips such a thread
   * (it blocks signals and runs no application code from then on), so it keeps the ids and
   * capabilities it has now until it is gone, {@code pausesUntilGone} pauses of the verifier
   * later. Returns its thread id.
   */
  public long endingThread(String name, int pausesUntilGone) {
    if (pausesUntilGone < 1) {
      throw new IllegalArgumentException("pausesUntilGone must be at least 1: " + pausesUntilGone);
    }
    Task task = addThreadMissedBySetxid(name);
    task.pausesLeft = pausesUntilGone;
    return task.tid;
  }

  /**
   * Adds a thread on glibc's way out (start_thread has returned from the thread's function): it
   * blocks every signal, SIGSETXID included, as glibc does right before a thread ends, and is gone
   * {@code pausesUntilGone} pauses later. glibc's set*id skips it; preflight must not take it for
   * a thread that blocks SIGSETXID for good. Returns its thread id.
   */
  public long exitingThread(String name, int pausesUntilGone) {
    long tid = endingThread(name, pausesUntilGone);
    model.tasks.get(model.tasks.size() - 1).blocked = 0xfffffffffffbfeffL; // all but SIGKILL and SIGSTOP
    return tid;
  }

  /**
   * Adds a thread that glibc does not know (made by a raw clone(2), as some native libraries
   * do): set*id never reaches it, so it keeps the ids and capabilities it has now, for good.
   * Returns its thread id.
   */
  /** The id of the thread that calls apply(), for {@link #failNextInThread} and {@link #ownSeccompFilter}. */
  public long callerThread() {
    return model.caller.tid;
  }

  /**
   * The next setgroups, setresgid or setresuid fails with the named errno in thread {@code tid}
   * only, and succeeds in every other: what glibc's broadcast meets when one thread's call fails
   * for a reason preflight cannot see. As nptl does, the other threads take the new ids, that one
   * keeps its own, and the process is aborted at once: {@code apply()} throws
   * {@link dev.confine.testing.ProcessAborted}, the halt status is 134, nothing runs after it.
   *
   * @throws IllegalArgumentException for another call, an unknown thread or errno name
   * @throws IllegalStateException if one is armed already
   */
  public S failNextInThread(long tid, dev.confine.Syscall syscall, String errnoName) {
    requireNonNull(syscall, "syscall");
    requireNonNull(errnoName, "errnoName");
    if (syscall != dev.confine.Syscall.SETGROUPS && syscall != dev.confine.Syscall.SETRESGID && syscall != dev.confine.Syscall.SETRESUID) {
      throw new IllegalArgumentException(
          syscall + ": only setgroups, setresgid and setresuid are applied to every thread by glibc; fail it with failNext");
    }
    task(tid);
    if (model.oneThreadFailure != null) {
      throw new IllegalStateException("failNextInThread: one is armed already (" + model.oneThreadFailure.syscall + ")");
    }
    model.oneThreadFailure = new SimulatedKernel.OneThreadFailure(syscall, tid, dev.confine.internal.linux.Errno.byName(errnoName));
    return self();
  }

  /** Thread {@code tid} (the caller's or another's) installs a seccomp filter of its own, without TSYNC. */
  public S ownSeccompFilter(long tid) {
    task(tid).filters++;
    return self();
  }

  private Task task(long tid) {
    for (Task task : model.tasks) {
      if (task.tid == tid) {
        return task;
      }
    }
    throw new IllegalArgumentException("no thread " + tid + " (the caller is " + model.caller.tid + ")");
  }

  /** Another thread that installed a seccomp filter of its own, without TSYNC: its filters differ from the others'. */
  public long threadWithOwnSeccompFilter(String name) {
    long tid = otherThread(name);
    model.tasks.get(model.tasks.size() - 1).filters++;
    return tid;
  }

  /** Another thread that blocks every signal, glibc's SIGSETXID (33) included, as a raw rt_sigprocmask can. */
  public long threadBlockingSetxid(String name) {
    long tid = otherThread(name);
    model.tasks.get(model.tasks.size() - 1).blocked = 0xfffffffffffbfeffL; // all but SIGKILL and SIGSTOP
    return tid;
  }

  public long threadUnknownToLibc(String name) {
    return addThreadMissedBySetxid(name).tid;
  }

  private Task addThreadMissedBySetxid(String name) {
    otherThread(name);
    Task task = model.tasks.get(model.tasks.size() - 1);
    task.missedBySetxid = true;
    task.ownUids = List.of(model.ruid, model.euid, model.suid, model.euid);
    task.ownGids = List.of(model.rgid, model.egid, model.sgid, model.egid);
    task.ownGroups = model.groups;
    return task;
  }

  /**
   * The thread that calls apply() starts a new thread now: it inherits that thread's capability
   * sets, no_new_privs and seccomp filters, as clone(2) does. Returns its thread id.
   */
  public long callerStartsThread(String name) {
    return otherThread(name);
  }
}
