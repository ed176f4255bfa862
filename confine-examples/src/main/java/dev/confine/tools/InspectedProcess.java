package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A running process as root sees it from outside, through /proc: every thread's credentials,
 * its root and working directory, whether it is dumpable, its controlling terminal and its open
 * descriptors. Read once by {@link #read}; nothing here is asked of the process itself, so
 * nothing it runs can fake it.
 */
final class InspectedProcess {
  /** Whether the process may be ptraced and core-dumped by its own uid. */
  enum Dumpable {
    YES, NO, UNKNOWN
  }

  /** The root or working directory: the path as seen from the doctor's root, and which directory it is. */
  static final class Place {
    final String path;
    /** "major:minor" of the file system, as stat shows st_dev. */
    final String device;
    final long inode;
    /** The mount, from fdinfo of a descriptor the doctor opens on it; empty if that could not be told. */
    final OptionalLong mountId;

    Place(String path, String device, long inode, OptionalLong mountId) {
      this.path = requireNonNull(path, "path");
      this.device = requireNonNull(device, "device");
      this.inode = inode;
      this.mountId = requireNonNull(mountId, "mountId");
    }

    /** Same device and inode, and the same mount where both are known. */
    boolean sameDirectory(Place other) {
      return device.equals(other.device) && inode == other.inode
          && (mountId.isEmpty() || other.mountId.isEmpty() || mountId.getAsLong() == other.mountId.getAsLong());
    }
  }

  /** What an open descriptor is, from the text of its /proc link and, for a path, stat of its file. */
  enum Kind {
    DIRECTORY("directory"),
    FILE("file"),
    /** A character or block device other than a terminal. */
    DEVICE("device"),
    TERMINAL("terminal"),
    FIFO("named pipe"),
    SOCKET("socket"),
    PIPE("pipe"),
    ANON_INODE("anonymous inode"),
    MEMFD("memfd"),
    NAMESPACE("namespace"),
    OTHER("other");

    final String shown;

    Kind(String shown) {
      this.shown = shown;
    }

    /** True for kinds whose link text is a path of the file system (and so lies inside the root or not). */
    boolean hasPath() {
      return this == DIRECTORY || this == FILE || this == DEVICE || this == TERMINAL || this == FIFO || this == OTHER;
    }
  }

  /** One open descriptor. */
  static final class Descriptor {
    final int fd;
    /** The link's text: a path, or "socket:[123]", "pipe:[456]", "anon_inode:[eventpoll]". */
    final String target;
    final Kind kind;
    /** A path not under the process's root; false for what has no path (sockets, pipes, anonymous inodes). */
    final boolean outsideRoot;
    /** "read", "write", "read-write" or "path" (O_PATH); "" when fdinfo could not be read. */
    final String access;
    final boolean writable;
    final OptionalLong mountId;

    Descriptor(int fd, String target, Kind kind, boolean outsideRoot, String access, boolean writable, OptionalLong mountId) {
      this.fd = fd;
      this.target = requireNonNull(target, "target");
      this.kind = requireNonNull(kind, "kind");
      this.outsideRoot = outsideRoot;
      this.access = requireNonNull(access, "access");
      this.writable = writable;
      this.mountId = requireNonNull(mountId, "mountId");
    }
  }

  final long pid;
  final ProcFiles.Stat stat;
  final List<ProcFiles.Status> threads;
  final Place root;
  final Place cwd;
  final Dumpable dumpable;
  /** How {@link #dumpable} was told, in words. */
  final String dumpableSignal;
  final List<Descriptor> descriptors;

  InspectedProcess(long pid, ProcFiles.Stat stat, List<ProcFiles.Status> threads, Place root, Place cwd, Dumpable dumpable,
      String dumpableSignal, List<Descriptor> descriptors) {
    if (threads.isEmpty()) {
      throw new IllegalArgumentException("a process has at least one thread: pid " + pid);
    }
    this.pid = pid;
    this.stat = requireNonNull(stat, "stat");
    this.threads = List.copyOf(threads);
    this.root = requireNonNull(root, "root");
    this.cwd = requireNonNull(cwd, "cwd");
    this.dumpable = requireNonNull(dumpable, "dumpable");
    this.dumpableSignal = requireNonNull(dumpableSignal, "dumpableSignal");
    this.descriptors = List.copyOf(descriptors);
  }

  /** The thread whose id is the pid (the thread group leader), or the first one if it has gone. */
  ProcFiles.Status leader() {
    return threads.stream().filter(t -> t.tid == pid).findFirst().orElse(threads.get(0));
  }

  /** True if the root is the doctor's own "/": the process is not chrooted. */
  boolean chrooted() {
    return !root.path.equals("/");
  }

  /** True if the working directory is the root or below it. */
  boolean cwdUnderRoot() {
    return under(cwd.path, root.path);
  }

  /** The link text of a path without the " (deleted)" the kernel appends once the file is unlinked. */
  static String undeleted(String path) {
    return path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
  }

  /** True if {@code path} is {@code root} or below it (both absolute, as /proc's links give them). */
  static boolean under(String path, String root) {
    String p = undeleted(path);
    String r = undeleted(root);
    return r.equals("/") || p.equals(r) || p.startsWith(r + "/");
  }

  /**
   * Dumpable, told from outside: /proc/PID/status has no Dumpable line, and prctl(PR_GET_DUMPABLE)
   * answers only for the caller. But the kernel gives a process's /proc/PID files (not the
   * /proc/PID directory itself) to its effective uid only while it is dumpable; once not
   * dumpable they belong to root (proc_pid_make_inode, task_dump_owner). So with an effective
   * uid other than 0: owner equal to it, dumpable; owner 0, not. A process whose effective uid
   * is 0 owns them as root either way: unknown.
   */
  static Dumpable dumpable(long effectiveUid, long statusOwner) {
    if (effectiveUid == 0) {
      return Dumpable.UNKNOWN;
    }
    if (statusOwner == effectiveUid) {
      return Dumpable.YES;
    }
    return statusOwner == 0 ? Dumpable.NO : Dumpable.UNKNOWN;
  }

  /**
   * Reads process {@code pid} under {@code proc} (/proc, or a test's copy of its files). The
   * mount ids of the root and working directory come from descriptors this process opens on
   * them and reads back in the real /proc/self/fdinfo.
   *
   * @throws NoSuchFileException when there is no such process
   * @throws IOException when its files cannot be read (not root?)
   */
  static InspectedProcess read(Path proc, long pid) throws IOException {
    Path dir = proc.resolve(String.valueOf(pid));
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "no such process");
    }
    ProcFiles.Stat stat = ProcFiles.stat(ProcFiles.read(dir.resolve("stat")));
    List<ProcFiles.Status> threads = new ArrayList<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir.resolve("task"))) {
      for (Path task : tasks) {
        long tid;
        try {
          tid = Long.parseLong(task.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        try {
          threads.add(ProcFiles.status(tid, ProcFiles.read(task.resolve("status"))));
        } catch (IOException e) {
          if (!gone(e)) {
            throw e;
          }
          // The thread ended between the listing and the read: it holds nothing any more.
        }
      }
    }
    threads.sort(Comparator.comparingLong(t -> t.tid));
    if (threads.isEmpty()) {
      throw new NoSuchFileException(dir.toString(), null, "the process ended while it was read");
    }
    Place root = place(dir.resolve("root"));
    Place cwd = place(dir.resolve("cwd"));
    ProcFiles.Status leader = threads.stream().filter(t -> t.tid == pid).findFirst().orElse(threads.get(0));
    Path status = dir.resolve("status");
    int owner = (Integer) Files.getAttribute(status, "unix:uid");
    Dumpable dumpable = dumpable(leader.effectiveUid(), owner);
    String signal = status + " is owned by uid " + owner + ", the process's effective uid is " + leader.effectiveUid()
        + (dumpable == Dumpable.UNKNOWN && leader.effectiveUid() == 0
            ? ": a root process's /proc files are root's whether it is dumpable or not"
            : dumpable == Dumpable.NO
                ? ": the kernel gives a process's /proc files to root once it is not dumpable"
                : dumpable == Dumpable.YES ? ": the kernel leaves them to the process's uid only while it is dumpable" : "");
    return new InspectedProcess(pid, stat, threads, root, cwd, dumpable, signal, descriptors(dir, root.path));
  }

  /** True when an IOException says the thread or process has gone (ENOENT, ESRCH). */
  static boolean gone(IOException e) {
    return e instanceof NoSuchFileException
        || (e instanceof FileSystemException && "No such process".equals(((FileSystemException) e).getReason()));
  }

  private static Place place(Path link) throws IOException {
    String path = Files.readSymbolicLink(link).toString();
    Map<String, Object> a = Files.readAttributes(link, "unix:dev,ino");
    return new Place(path, device((Long) a.get("dev")), (Long) a.get("ino"), mountId(link));
  }

  /** st_dev as "major:minor" (glibc's encoding of dev_t). */
  static String device(long dev) {
    return major(dev) + ":" + minor(dev);
  }

  static long major(long dev) {
    return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
  }

  static long minor(long dev) {
    return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
  }

  /**
   * The mount id of the directory {@code link} names: open it here, find the one descriptor in
   * /proc/self/fd that is that directory and was not before, and read its mnt_id. Empty if that
   * cannot be told for sure (another thread of the doctor opened the same directory at the same
   * moment, an old kernel).
   */
  static OptionalLong mountId(Path link) {
    Path fds = Path.of("/proc/self/fd");
    try {
      Object key = Files.readAttributes(link, PosixFileAttributes.class).fileKey();
      // Compared by the file they are open on, not by number: the listing's own descriptor may have had the number the channel gets.
      Set<String> before = open(fds, key);
      // Held open only to be found in /proc/self/fd (nothing reads it), so a plain finally closes it.
      FileChannel opened = FileChannel.open(link, StandardOpenOption.READ);
      try {
        Set<String> found = open(fds, key);
        found.removeAll(before);
        if (found.size() != 1) {
          return OptionalLong.empty();
        }
        return ProcFiles.fdinfo(ProcFiles.read(Path.of("/proc/self/fdinfo", found.iterator().next()))).mountId;
      } finally {
        opened.close();
      }
    } catch (IOException | IllegalArgumentException | UnsupportedOperationException e) {
      return OptionalLong.empty();
    }
  }

  /** The doctor's own descriptors open on the file whose key is {@code key}. */
  private static Set<String> open(Path fds, Object key) throws IOException {
    Set<String> names = new HashSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
      for (Path entry : entries) {
        try {
          if (Files.readAttributes(entry, PosixFileAttributes.class).fileKey().equals(key)) {
            names.add(entry.getFileName().toString());
          }
        } catch (IOException e) {
          // the listing's own descriptor, closed by now, or one another thread closed: not ours
        }
      }
    }
    return names;
  }

  private static List<Descriptor> descriptors(Path dir, String root) throws IOException {
    List<Descriptor> all = new ArrayList<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
      for (Path link : fds) {
        int fd;
        try {
          fd = Integer.parseInt(link.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        try {
          all.add(descriptor(dir, link, fd, root));
        } catch (IOException e) {
          if (!gone(e)) {
            throw e;
          }
          // closed between the listing and the read
        }
      }
    }
    all.sort(Comparator.comparingInt(d -> d.fd));
    return all;
  }

  private static Descriptor descriptor(Path dir, Path link, int fd, String root) throws IOException {
    String target = Files.readSymbolicLink(link).toString();
    Optional<ProcFiles.FdInfo> info;
    try {
      info = Optional.of(ProcFiles.fdinfo(ProcFiles.read(dir.resolve("fdinfo").resolve(String.valueOf(fd)))));
    } catch (IOException | IllegalArgumentException e) {
      info = Optional.empty();
    }
    Kind kind = kind(target, () -> {
      try {
        Map<String, Object> a = Files.readAttributes(link, "unix:mode,rdev");
        return new long[] {(Integer) a.get("mode"), (Long) a.get("rdev")};
      } catch (IOException e) {
        return null;
      }
    });
    boolean outside = kind.hasPath() && !under(target, root);
    return new Descriptor(fd, target, kind, outside, info.map(ProcFiles.FdInfo::access).orElse(""),
        info.map(ProcFiles.FdInfo::writable).orElse(false), info.map(i -> i.mountId).orElse(OptionalLong.empty()));
  }

  /** Where {@link #kind} gets a path's mode and device number: {mode, rdev}, or null if it cannot stat it. */
  @FunctionalInterface
  interface ModeSource {
    long[] modeAndRdev();
  }

  /** The descriptor's kind from its link text, and for a path from stat of the file it is open on. */
  static Kind kind(String target, ModeSource stat) {
    if (!target.startsWith("/")) {
      int colon = target.indexOf(':');
      String type = colon < 0 ? target : target.substring(0, colon);
      switch (type) {
        case "socket": return Kind.SOCKET;
        case "pipe": return Kind.PIPE;
        case "anon_inode": return Kind.ANON_INODE;
        case "net": case "mnt": case "pid": case "user": case "uts": case "ipc": case "cgroup": case "time": case "pid_for_children":
        case "time_for_children":
          return Kind.NAMESPACE;
        default: return Kind.OTHER;
      }
    }
    if (target.startsWith("/memfd:")) {
      return Kind.MEMFD;
    }
    long[] st = stat.modeAndRdev();
    if (st == null) {
      return Kind.OTHER;
    }
    int type = (int) st[0] & 0170000;
    switch (type) {
      case 0040000: return Kind.DIRECTORY;
      case 0100000: return Kind.FILE;
      case 0010000: return Kind.FIFO;
      case 0140000: return Kind.SOCKET;
      case 0020000: return terminal(major(st[1])) ? Kind.TERMINAL : Kind.DEVICE;
      case 0060000: return Kind.DEVICE;
      default: return Kind.OTHER;
    }
  }

  /** Character device majors of terminals: 4 (tty1.., ttyS), 5 (tty, console, ptmx), 136-143 (pts). */
  static boolean terminal(long major) {
    return major == 4 || major == 5 || (major >= 136 && major <= 143);
  }
}
