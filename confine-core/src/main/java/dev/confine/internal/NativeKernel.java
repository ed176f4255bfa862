package dev.confine.internal;

import dev.confine.Syscall;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import dev.confine.internal.linux.Errno;
import dev.confine.internal.linux.OpenFlags;

/**
 * The real kernel: each call made through a {@link LibC} binding, chosen and bound once per
 * process on first use ({@link #bindLibC()}): {@link DirectLibC} (jffi called directly, the
 * default) or {@code FfmLibC} (java.lang.foreign, Java 22+, from src/main/java22, in the jar's
 * META-INF/versions/22: asked for with -Dconfine.binding=ffm, or the fallback where jffi cannot load
 * its stub). jnr-ffi's interface binding and jnr-posix's full POSIX cost a cold JVM several times
 * more (BENCHMARKS.md, "binding"), and startup cost is part of the product. This class turns C's
 * results into {@link ErrnoException}s and values; the bindings only make the calls.
 */
public final class NativeKernel implements Kernel {
  private static final class Holder {
    static final NativeKernel INSTANCE = new NativeKernel();
  }

  private final LibC libc;
  private final int openDirectoryFlags;

  static final String JFFI_UNSAFE_DISABLED = "jffi.unsafe.disabled";
  /** "jffi" or "ffm" forces a binding; unset, confine chooses (see {@link #bindLibC()}). */
  public static final String BINDING_PROPERTY = "confine.binding";
  /**
   * Whether Java 22+ uses FFM unless told otherwise. It does not: measured in fresh JVMs on
   * Temurin 25 here, FFM's bind and first call took 180.8 ms against jffi's 112.2 (median of 10
   * each, same run; 141.0 against 74.1 with an AOT cache), and a whole apply() 277.7 against
   * 194.0 ms without the JVM preparations (BENCHMARKS.md, "Native binding"). FFM is what runs
   * where jffi cannot load its stub (a noexec temporary directory), and when asked for.
   */
  static final boolean FFM_BY_DEFAULT = false;

  /**
   * The binding: the one {@link #BINDING_PROPERTY} names; else jffi ({@link #FFM_BY_DEFAULT}). When
   * jffi cannot load its stub (it copies it to a temporary directory first, and a noexec /tmp
   * refuses to map it), Java 22+ falls back to FFM; older ones fail, before anything is done,
   * saying how to point jffi elsewhere.
   */
  static LibC bindLibC() {
    requireLinux();
    String asked = System.getProperty(BINDING_PROPERTY, "");
    int feature = Runtime.version().feature();
    switch (asked) {
      case "jffi":
        return jffi(feature);
      case "ffm":
        return ffm(feature);
      case "":
        break;
      default:
        throw new IllegalArgumentException("-D" + BINDING_PROPERTY + "=" + asked + ": expected jffi or ffm");
    }
    if (feature >= 22 && FFM_BY_DEFAULT) {
      return ffm(feature);
    }
    try {
      return jffi(feature);
    } catch (LinkageError e) {
      if (feature >= 22) {
        return ffm(feature);
      }
      throw e;
    }
  }

  /**
   * setresuid, prctl, seccomp, /proc/self/task: confine's sequence and checks exist on Linux only,
   * and its syscall numbers and open flags (internal/linux) on x86_64 and aarch64 only.
   */
  private static void requireLinux() {
    String os = System.getProperty("os.name", "");
    if (!os.equals("Linux")) {
      throw new UnsupportedOperationException("confine runs on Linux only; this is " + os);
    }
    if (dev.confine.internal.linux.LinuxArch.current().isEmpty()) {
      throw new UnsupportedOperationException(
          "confine has the syscall and open-flag tables of x86_64 and aarch64 only; this JVM's os.arch is " + System.getProperty("os.arch"));
    }
  }

  private static LibC jffi(int feature) {
    // jffi's native memory access instead of sun.misc.Unsafe (deprecated for removal; Java 24+
    // warns at its first use, and a later JDK denies it), unless the user chose: read by jffi
    // when its memory class loads, which is below, for a JVM where nothing loaded jffi before.
    if (System.getProperty(JFFI_UNSAFE_DISABLED) == null) {
      System.setProperty(JFFI_UNSAFE_DISABLED, "true");
    }
    try {
      return new DirectLibC();
    } catch (LinkageError e) {
      UnsatisfiedLinkError failure = new UnsatisfiedLinkError(jffiFailure(e, feature));
      failure.initCause(e);
      throw failure;
    }
  }

  /** java.lang.Shutdown's message when a hook (deleteOnExit's) is added after the exit began. */
  private static final String SHUTDOWN = "Shutdown in progress";

  /**
   * Why jffi could not load its stub, and what to do. One cause is not the mount: jffi
   * (StubLoader.calculateExtractPath, 1.3.13) creates its copy with File.createTempFile and then
   * calls deleteOnExit, which throws "Shutdown in progress" once the JVM's exit has begun; jffi
   * then tries the working directory the same way (unless jffi.extract.dir is set). A thread that binds while the JVM exits (the
   * agent's, beside a main that returned) leaves two empty jffiNNN.so files, which no hook removes.
   * jffi reports its attempts as the text of their stack traces (StubLoader.load), not as causes:
   * the exception is looked for in the messages too.
   */
  static String jffiFailure(Throwable e, int feature) {
    // With jffi.extract.dir set, jffi tries that directory alone.
    String extractDir = System.getProperty("jffi.extract.dir");
    String where = extractDir != null ? extractDir
        : System.getProperty("java.io.tmpdir") + " and in the working directory (" + System.getProperty("user.dir") + ")";
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if ((t instanceof IllegalStateException && SHUTDOWN.equals(message))
          || (message != null && message.contains(IllegalStateException.class.getName() + ": " + SHUTDOWN))) {
        return "jffi could not load its native stub: the JVM was exiting (" + IllegalStateException.class.getName() + ": " + SHUTDOWN + ", from File.deleteOnExit, which jffi calls"
            + " on its copy of the stub). jffi leaves that copy, empty, in " + where + " as jffiNNN.so: bind before"
            + " the JVM may exit, e.g. call check() or apply()"
            + " from main, not from a daemon thread racing main's return";
      }
    }
    return "jffi could not load its native stub (" + e + "). jffi copies it to java.io.tmpdir ("
        + System.getProperty("java.io.tmpdir") + ") or -Djffi.extract.dir and loads it from there, which a noexec"
        + " mount refuses: set -Djffi.extract.dir=DIR on a mount that allows exec, or -Djffi.boot.library.path=DIR"
        + " holding the stub already extracted" + (feature >= 22 ? "" : ", or run on Java 22+, where confine uses java.lang.foreign");
  }

  private static LibC ffm(int feature) {
    if (feature < 22) {
      throw new UnsupportedOperationException(
          "-D" + BINDING_PROPERTY + "=ffm needs Java 22 or later (java.lang.foreign); this is Java " + feature);
    }
    try {
      return (LibC) Class.forName("dev.confine.internal.FfmLibC").getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      throw new UnsupportedOperationException(
          "this build of confine-core has no FFM binding (META-INF/versions/22 is missing from its jar): use -D" + BINDING_PROPERTY + "=jffi", e);
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException("the FFM binding could not start: " + cause, cause);
    }
  }

  /** What the report says ran: "jffi" or "FFM (java.lang.foreign)". */
  @Override
  public String binding() {
    return libc.name();
  }

  /**
   * A kernel over the named binding ("jffi" or "ffm"), apart from the process's own: for the
   * tests that compare the two bindings call by call, and the benchmark that times each.
   */
  public static NativeKernel withBinding(String binding) {
    requireLinux();
    return new NativeKernel(binding.equals("jffi") ? jffi(Runtime.version().feature()) : ffm(Runtime.version().feature()));
  }

  private NativeKernel() {
    this(bindLibC());
  }

  /** A kernel over a given binding: for the tests that make libc answer as an older kernel would. */
  static NativeKernel over(LibC libc) {
    return new NativeKernel(libc);
  }

  private NativeKernel(LibC libc) {
    this.libc = libc;
    if (!libc.hasLinuxCalls()) {
      throw new UnsatisfiedLinkError("libc lacks prctl, capget, capset, syscall, read or lseek: not a Linux libc");
    }
    this.openDirectoryFlags =
        OpenFlags.O_RDONLY
            | OpenFlags.O_DIRECTORY
            | OpenFlags.O_NOFOLLOW
            | OpenFlags.O_CLOEXEC;
  }

  /** The process's kernel; binds libc the first time it is called. */
  public static NativeKernel get() {
    return Holder.INSTANCE;
  }

  private ErrnoException error(Syscall syscall, Object... arguments) {
    List<String> rendered = new ArrayList<>(arguments.length);
    for (Object argument : arguments) {
      rendered.add(argument instanceof String ? '"' + (String) argument + '"' : String.valueOf(argument));
    }
    return new ErrnoException(syscall, rendered, libc.errno());
  }

  /**
   * An NIO failure as the errno underneath it: NIO keeps the errno only as the type of its
   * exception (or as text), so the common ones are mapped and the rest are EIO, with the NIO
   * exception as the cause.
   */
  static ErrnoException ioError(Syscall syscall, String path, IOException e) {
    int errno =
        e instanceof java.nio.file.AccessDeniedException ? Errno.EACCES
            : e instanceof NoSuchFileException ? Errno.ENOENT
            : e instanceof java.nio.file.NotDirectoryException ? Errno.ENOTDIR
            : e instanceof java.nio.file.FileSystemLoopException ? Errno.ELOOP
            : Errno.EIO;
    ErrnoException failure = new ErrnoException(syscall, List.of('"' + path + '"'), errno);
    failure.initCause(e);
    return failure;
  }

  private static long unsigned(int id) {
    return Integer.toUnsignedLong(id);
  }

  @Override
  public Ids getresuid() throws ErrnoException {
    int[] r = new int[1], e = new int[1], s = new int[1];
    if (libc.getresuid(r, e, s) != 0) {
      throw error(Syscall.GETRESUID);
    }
    return new Ids(unsigned(r[0]), unsigned(e[0]), unsigned(s[0]));
  }

  @Override
  public Ids getresgid() throws ErrnoException {
    int[] r = new int[1], e = new int[1], s = new int[1];
    if (libc.getresgid(r, e, s) != 0) {
      throw error(Syscall.GETRESGID);
    }
    return new Ids(unsigned(r[0]), unsigned(e[0]), unsigned(s[0]));
  }

  @Override
  public List<Long> getgroups() throws ErrnoException {
    int count = libc.getgroups(0, new int[0]);
    if (count < 0) {
      throw error(Syscall.GETGROUPS, 0);
    }
    int[] list = new int[count];
    int got = libc.getgroups(count, list);
    if (got < 0) {
      throw error(Syscall.GETGROUPS, count);
    }
    List<Long> groups = new ArrayList<>(got);
    for (int i = 0; i < got; i++) {
      groups.add(unsigned(list[i]));
    }
    return groups;
  }

  @Override
  public void setgroups(List<Long> gids) throws ErrnoException {
    int[] list = new int[gids.size()];
    for (int i = 0; i < list.length; i++) {
      list[i] = (int) (long) gids.get(i);
    }
    if (libc.setgroups(list) != 0) {
      throw error(Syscall.SETGROUPS, list.length, gids.toString());
    }
  }

  @Override
  public void setresgid(long rgid, long egid, long sgid) throws ErrnoException {
    if (libc.setresgid((int) rgid, (int) egid, (int) sgid) != 0) {
      throw error(Syscall.SETRESGID, rgid, egid, sgid);
    }
  }

  @Override
  public void setresuid(long ruid, long euid, long suid) throws ErrnoException {
    if (libc.setresuid((int) ruid, (int) euid, (int) suid) != 0) {
      throw error(Syscall.SETRESUID, ruid, euid, suid);
    }
  }

  @Override
  public void setuid(long uid) throws ErrnoException {
    // The raw call: glibc's setuid would stop every thread to run it there too, twice per apply()
    // for a refusal (100 ms of VERIFY with 4,000 threads, issue 28).
    if (libc.syscall2(arch().number("setuid"), uid, 0) != 0) {
      throw error(Syscall.SETUID, uid);
    }
  }

  @Override
  public void setgid(long gid) throws ErrnoException {
    if (libc.syscall2(arch().number("setgid"), gid, 0) != 0) {
      throw error(Syscall.SETGID, gid);
    }
  }

  @Override
  public Capabilities capabilities() throws ErrnoException {
    // /proc/thread-self: capability sets are per thread, and it is this thread that will chroot.
    try {
      String status = new String(Files.readAllBytes(Path.of("/proc/thread-self/status")), StandardCharsets.UTF_8);
      dev.confine.internal.linux.ThreadStatus self = dev.confine.internal.linux.ThreadStatus.parse(0, status);
      return new Capabilities(self.capPrm, self.capEff, self.capBnd);
    } catch (IOException e) {
      throw ioError(Syscall.READ_PROC_FILE, "/proc/thread-self/status", e);
    }
  }

  @Override
  public Optional<PasswdEntry> getpwnam(String name) throws ErrnoException {
    return lookup(Syscall.GETPWNAM, name, java.util.Objects.requireNonNull(name, "name"), 0);
  }

  @Override
  public Optional<PasswdEntry> getpwuid(long uid) throws ErrnoException {
    return lookup(Syscall.GETPWUID, uid, null, uid);
  }

  /**
   * getpwnam_r of {@code name} for GETPWNAM, getpwuid_r of {@code uid} for GETPWUID, with a larger
   * buffer while it is too small. A name or a uid rather than a lambda per lookup: apply() calls
   * this on its cold path, where each lambda spins a class (about 1 ms on Temurin 25, issue 28).
   */
  private Optional<PasswdEntry> lookup(Syscall syscall, Object key, String name, long uid) throws ErrnoException {
    for (int size = 4096; size <= 1 << 20; size *= 4) {
      LibC.PasswdResult result = syscall == Syscall.GETPWNAM ? libc.getpwnam(name, size) : libc.getpwuid((int) uid, size);
      if (result.status == Errno.ERANGE) {
        continue;
      }
      if (result.status != 0) {
        throw new ErrnoException(syscall, List.of(String.valueOf(key)), result.status);
      }
      return result.entry;
    }
    throw new ErrnoException(syscall, List.of(String.valueOf(key)), Errno.ERANGE);
  }

  @Override
  public int openDirectoryNoFollow(String absolutePath) throws ErrnoException {
    if (!absolutePath.startsWith("/")) {
      throw new IllegalArgumentException("not absolute: " + absolutePath);
    }
    int fd = libc.open("/", openDirectoryFlags);
    if (fd < 0) {
      throw error(Syscall.OPEN, "/", Sequence.DIRECTORY_FLAGS);
    }
    for (String component : absolutePath.split("/")) {
      if (component.isEmpty()) {
        continue;
      }
      int next = libc.openat(fd, component, openDirectoryFlags);
      if (next < 0) {
        ErrnoException failure = error(Syscall.OPEN, absolutePath, Sequence.DIRECTORY_FLAGS);
        libc.close(fd);
        throw failure;
      }
      libc.close(fd);
      fd = next;
    }
    return fd;
  }

  // STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_INO
  private static final int STATX_NEEDED = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x100;
  /**
   * stx_mnt_id (Linux 5.8): the mount, without which a bind mount of the root cannot be told from
   * its source (issue 23). The reusable id, not STATX_MNT_ID_UNIQUE (6.8): it is the one
   * /proc/self/fdinfo reports too, and two live mounts never share it.
   */
  static final int STATX_MNT_ID = 0x1000;
  private static final int STATX_ASKED = STATX_NEEDED | STATX_MNT_ID;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;

  @Override
  public FileStatus fstat(int fd) throws ErrnoException {
    FileStatus status;
    if (libc.hasStatx()) {
      // One native call: the first NIO attribute read in a cold JVM cost about 0.45 ms of class
      // loading and interpretation, a quarter of the syscall section (BENCHMARKS.md).
      byte[] buffer = new byte[256];
      if (libc.fstatx(fd, STATX_ASKED, buffer) != 0) {
        if (libc.errno() != Errno.ENOSYS) {
          throw error(Syscall.FSTAT, fd, "\"\"", "AT_EMPTY_PATH");
        }
        status = viaProcFd(fd);
      } else {
        status = fromStatx(buffer);
      }
    } else {
      status = viaProcFd(fd);
    }
    return status.mountId.isPresent() ? status : withMountIdFromFdinfo(fd, status);
  }

  // /proc/self/fd/N resolves to the open file itself, so this stats what the descriptor holds.
  private static FileStatus viaProcFd(int fd) throws ErrnoException {
    return stat(Path.of("/proc/self/fd/" + fd), true)
        .orElseThrow(() -> new ErrnoException(Syscall.FSTAT, List.of("/proc/self/fd/" + fd), Errno.EBADF));
  }

  /**
   * A kernel before 5.8 (or a statx without the field) gives no mount id: /proc/self/fdinfo/N
   * has had "mnt_id:" since 3.15. That path exists only before chroot; after it, a status without
   * the mount is refused rather than compared by device and inode alone (see {@link #statAt}).
   */
  private static FileStatus withMountIdFromFdinfo(int fd, FileStatus status) throws ErrnoException {
    String path = "/proc/self/fdinfo/" + fd;
    String fdinfo;
    try {
      fdinfo = new String(Files.readAllBytes(Path.of(path)), StandardCharsets.UTF_8);
    } catch (IOException e) {
      ErrnoException failure = new ErrnoException(Syscall.FSTAT, List.of(String.valueOf(fd), "\"\"", "AT_EMPTY_PATH", "STATX_MNT_ID"), Errno.EOPNOTSUPP);
      failure.initCause(ioError(Syscall.READ_PROC_FILE, path, e));
      throw failure;
    }
    OptionalLong mountId = mountIdOfFdinfo(fdinfo);
    if (mountId.isEmpty()) {
      throw new ErrnoException(Syscall.FSTAT, List.of(String.valueOf(fd), "\"\"", "AT_EMPTY_PATH", "STATX_MNT_ID"), Errno.EOPNOTSUPP);
    }
    return new FileStatus(status.type, status.permissions, status.uid, status.gid, status.device, status.inode, status.links, mountId);
  }

  /** The "mnt_id:" field of a /proc/PID/fdinfo/N file; empty if it has none. */
  static OptionalLong mountIdOfFdinfo(String fdinfo) {
    for (String line : fdinfo.split("\n")) {
      if (line.startsWith("mnt_id:")) {
        try {
          return OptionalLong.of(Long.parseLong(line.substring("mnt_id:".length()).trim()));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }

  /**
   * Decodes struct statx (the same layout on every architecture). st_dev is rebuilt from its
   * major and minor numbers as glibc's makedev() does, so it equals what stat(2), and NIO's
   * "unix:dev" in {@link #walk}, report for the same file. The mount id is there only if the
   * returned mask says so: a kernel before 5.8 leaves the field as it was (zero).
   */
  static FileStatus fromStatx(byte[] statx) {
    return fromStatx(java.nio.ByteBuffer.wrap(statx).order(java.nio.ByteOrder.nativeOrder()));
  }

  /** The same, from a buffer the caller reuses (the walk reads one per entry). */
  static FileStatus fromStatx(java.nio.ByteBuffer b) {
    int got = b.getInt(0);
    if ((got & STATX_NEEDED) != STATX_NEEDED) {
      throw new IllegalStateException("statx returned mask 0x" + Integer.toHexString(got) + ", without the fields needed");
    }
    long links = Integer.toUnsignedLong(b.getInt(16));
    long uid = Integer.toUnsignedLong(b.getInt(20));
    long gid = Integer.toUnsignedLong(b.getInt(24));
    int mode = b.getShort(28) & 0xffff;
    long inode = b.getLong(32);
    long major = Integer.toUnsignedLong(b.getInt(136));
    long minor = Integer.toUnsignedLong(b.getInt(140));
    OptionalLong mountId = (got & STATX_MNT_ID) != 0 ? OptionalLong.of(b.getLong(144)) : OptionalLong.empty();
    return new FileStatus(FileStatus.typeOf(mode), mode & 07777, uid, gid, makedev(major, minor), inode, links, mountId);
  }

  /** glibc's gnu_dev_makedev. */
  static long makedev(long major, long minor) {
    return (minor & 0xffL) | ((major & 0xfffL) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
  }

  @Override
  public Optional<FileStatus> lstat(String path) throws ErrnoException {
    return statPath(path, false);
  }

  @Override
  public Optional<FileStatus> stat(String path) throws ErrnoException {
    return statPath(path, true);
  }

  /**
   * statx(AT_FDCWD, path): with the mount id, since preflight's look at the root is what the
   * open root is compared with before chroot. Without statx, or without the field, the path is
   * opened (O_PATH) and the descriptor's status read with {@link #fstat}.
   */
  private Optional<FileStatus> statPath(String path, boolean follow) throws ErrnoException {
    Syscall syscall = follow ? Syscall.FSTAT : Syscall.LSTAT;
    if (libc.hasStatx()) {
      byte[] buffer = new byte[256];
      int flags = follow ? 0 : AT_SYMLINK_NOFOLLOW;
      if (libc.statxAt(AT_FDCWD, path, flags, STATX_ASKED, buffer) == 0) {
        FileStatus status = fromStatx(buffer);
        if (status.mountId.isPresent()) {
          return Optional.of(status);
        }
      } else if (libc.errno() == Errno.ENOENT) {
        return Optional.empty();
      } else if (libc.errno() != Errno.ENOSYS) {
        throw error(syscall, path); // as FaultyKernel records the call: by its path
      }
    }
    int fd = libc.open(path, OpenFlags.O_PATH | OpenFlags.O_CLOEXEC | (follow ? 0 : OpenFlags.O_NOFOLLOW));
    if (fd < 0) {
      if (libc.errno() == Errno.ENOENT) {
        return Optional.empty();
      }
      throw error(syscall, path);
    }
    try {
      return Optional.of(fstat(fd));
    } finally {
      libc.close(fd);
    }
  }

  private static Optional<FileStatus> stat(Path path, boolean follow) throws ErrnoException {
    try {
      Map<String, Object> a =
          follow
              ? Files.readAttributes(path, "unix:mode,uid,gid,dev,ino,nlink")
              : Files.readAttributes(path, "unix:mode,uid,gid,dev,ino,nlink", LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      return Optional.of(
          new FileStatus(
              FileStatus.typeOf(mode),
              mode & 07777,
              Integer.toUnsignedLong((Integer) a.get("uid")),
              Integer.toUnsignedLong((Integer) a.get("gid")),
              (Long) a.get("dev"),
              (Long) a.get("ino"),
              ((Number) a.get("nlink")).longValue()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw ioError(follow ? Syscall.FSTAT : Syscall.LSTAT, path.toString(), e);
    }
  }

  @Override
  public void fchdir(int fd) throws ErrnoException {
    if (libc.fchdir(fd) != 0) {
      throw error(Syscall.FCHDIR, fd);
    }
  }

  @Override
  public void chdir(String path) throws ErrnoException {
    if (libc.chdir(path) != 0) {
      throw error(Syscall.CHDIR, path);
    }
  }

  @Override
  public void chroot(String path) throws ErrnoException {
    if (libc.chroot(path) != 0) {
      throw error(Syscall.CHROOT, path);
    }
  }

  @Override
  public void close(int fd) throws ErrnoException {
    if (libc.close(fd) != 0) {
      throw error(Syscall.CLOSE, fd);
    }
  }

  @Override
  public String getcwd() throws ErrnoException {
    Optional<String> cwd = libc.getcwd();
    if (cwd.isEmpty()) {
      throw error(Syscall.GETCWD);
    }
    return cwd.get();
  }

  @Override
  public int umask(int mask) {
    return libc.umask(mask);
  }

  @Override
  public List<OpenFile> openFiles() throws ErrnoException {
    List<Integer> fds = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path entry : entries) {
        fds.add(Integer.parseInt(entry.getFileName().toString()));
      }
    } catch (IOException e) {
      throw ioError(Syscall.READDIR, "/proc/self/fd", e);
    }
    // The stream above held a descriptor of its own; it is closed now, so reading its link fails
    // and it drops out below.
    List<OpenFile> files = new ArrayList<>(fds.size());
    for (int fd : fds) {
      Path link = Path.of("/proc/self/fd/" + fd);
      try {
        String target = Files.readSymbolicLink(link).toString();
        files.add(new OpenFile(fd, target, Files.isDirectory(link)));
      } catch (NoSuchFileException e) {
        // closed meanwhile
      } catch (IOException e) {
        throw ioError(Syscall.READLINK, link.toString(), e);
      }
    }
    return files;
  }

  @Override
  public void walk(String directory, java.util.Set<String> doNotEnter, WalkVisitor visitor) throws ErrnoException {
    if (libc.hasStatx()) {
      walkByDescriptor(directory, doNotEnter, visitor);
    } else {
      walkByPath(directory, doNotEnter, visitor);
    }
  }

  /** statx's fields the walk reads (no mount id: the visitor is never asked about mounts). */
  private static final int STATX_WALK = STATX_NEEDED;

  /**
   * The walk at the speed of find(1): each directory opened once (O_DIRECTORY|O_NOFOLLOW), listed
   * with getdents64 into one reused buffer, and each entry's statx made relative to that
   * descriptor with the name as the kernel gave it, AT_SYMLINK_NOFOLLOW. The same one statx per
   * entry as the NIO walk made, without its per-entry Path, attribute map and boxed values, whose
   * cost was most of check() on a large jail (issue 28: 4x find on 100,000 files; BENCHMARKS.md).
   */
  private void walkByDescriptor(String directory, java.util.Set<String> doNotEnter, WalkVisitor visitor) throws ErrnoException {
    String start = Path.of(directory).toString();
    Optional<FileStatus> top = statPath(start, false);
    if (top.isEmpty()) {
      return;
    }
    visitor.visit(start, top.get());
    if (top.get().type != FileStatus.Type.DIRECTORY) {
      return;
    }
    long getdents = arch().number("getdents64");
    byte[] entries = new byte[32 * 1024];
    byte[] statx = new byte[256];
    java.nio.ByteBuffer fields = java.nio.ByteBuffer.wrap(statx).order(java.nio.ByteOrder.nativeOrder());
    Deque<String> pending = new ArrayDeque<>();
    pending.push(start);
    try (LibC.DirectoryReader reader = libc.directoryReader(getdents, entries, statx)) {
      while (!pending.isEmpty()) {
        String dir = pending.pop();
        int fd = libc.open(dir, openDirectoryFlags);
        if (fd < 0) {
          int errno = libc.errno();
          if (errno == Errno.ENOENT || errno == Errno.ENOTDIR || errno == Errno.ELOOP) {
            continue; // removed, or replaced by a file or a link, since it was listed
          }
          throw error(Syscall.READDIR, dir);
        }
        try {
          String prefix = dir.endsWith("/") ? dir : dir + "/";
          for (long n; (n = reader.list(fd)) != 0; ) {
            if (n < 0) {
              throw error(Syscall.READDIR, dir);
            }
            // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            for (int at = 0; at < n; ) {
              int reclen = (entries[at + 16] & 0xff) | (entries[at + 17] & 0xff) << 8;
              int name = at + 19;
              at += reclen;
              if (entries[name] == '.' && (entries[name + 1] == 0 || (entries[name + 1] == '.' && entries[name + 2] == 0))) {
                continue;
              }
              if (reader.statx(fd, name, AT_SYMLINK_NOFOLLOW, STATX_WALK) != 0) {
                if (libc.errno() == Errno.ENOENT) {
                  continue; // removed meanwhile
                }
                throw error(Syscall.LSTAT, prefix + nameAt(entries, name));
              }
              FileStatus status = fromStatx(fields);
              if (status.type != FileStatus.Type.DIRECTORY && visitor.passes(status)) {
                continue; // nothing to say of it: no path made
              }
              String path = prefix + nameAt(entries, name);
              visitor.visit(path, status);
              if (status.type == FileStatus.Type.DIRECTORY && !doNotEnter.contains(path)) {
                pending.push(path);
              }
            }
          }
        } finally {
          libc.close(fd);
        }
      }
    }
  }

  /** The NUL-terminated name at {@code offset}, decoded as the bindings encode paths (UTF-8). */
  private static String nameAt(byte[] names, int offset) {
    int end = offset;
    while (names[end] != 0) {
      end++;
    }
    return new String(names, offset, end - offset, StandardCharsets.UTF_8);
  }

  /** The walk without statx (Linux before 4.11): NIO, one lstat per entry by path. */
  private void walkByPath(String directory, java.util.Set<String> doNotEnter, WalkVisitor visitor) throws ErrnoException {
    // One lstat per entry and an explicit stack: no recursion depth limit, no link is followed
    // (a symlink to a directory is visited as a link and never listed). Mounts below the start
    // are entered (a tmpfs or bind mount in the jail is as much the jail as the rest), except
    // those the caller names: a proc mounted inside would list every process of the host.
    Deque<Path> pending = new ArrayDeque<>();
    Path start = Path.of(directory);
    Optional<FileStatus> top = stat(start, false);
    if (top.isEmpty()) {
      return;
    }
    visitor.visit(start.toString(), top.get());
    if (top.get().type == FileStatus.Type.DIRECTORY) {
      pending.push(start);
    }
    while (!pending.isEmpty()) {
      Path dir = pending.pop();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path entry : entries) {
          Optional<FileStatus> status = stat(entry, false);
          if (status.isEmpty()) {
            continue;
          }
          String path = entry.toString();
          visitor.visit(path, status.get());
          if (status.get().type == FileStatus.Type.DIRECTORY && !doNotEnter.contains(path)) {
            pending.push(entry);
          }
        }
      } catch (NoSuchFileException e) {
        // removed meanwhile
      } catch (IOException e) {
        throw ioError(Syscall.READDIR, dir.toString(), e);
      }
    }
  }

  @Override
  public List<Mount> mounts() throws ErrnoException {
    List<Mount> mounts = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
        // id parent major:minor root mount-point options [optional fields...] - type source super-options
        String[] fields = line.split(" ");
        int separator = Arrays.asList(fields).indexOf("-");
        if (fields.length < 5 || separator < 0 || separator + 2 >= fields.length) {
          continue;
        }
        mounts.add(
            new Mount(
                unescape(fields[4]), fields[separator + 1], unescape(fields[separator + 2]), List.of(fields[5].split(",")),
                unescape(fields[3]), separator + 3 < fields.length ? List.of(fields[separator + 3].split(",")) : List.of()));
      }
    } catch (IOException e) {
      throw ioError(Syscall.READ_PROC_FILE, "/proc/self/mountinfo", e);
    }
    return mounts;
  }

  @Override
  public Optional<String> readText(String path) throws ErrnoException {
    try {
      // readAllBytes reads to the end: /proc and cgroup files report a size of 0 or 4096.
      return Optional.of(new String(Files.readAllBytes(Path.of(path)), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw ioError(Syscall.READ_PROC_FILE, path, e);
    }
  }

  /** mountinfo writes space, tab, newline and backslash as \ooo. */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 4 <= field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @Override
  public Map<Long, Ids> otherProcesses() throws ErrnoException {
    return otherProcessesNative();
  }

  /**
   * /proc through the descriptor calls: getdents64, then openat and read of each status up to its
   * Uid: line. The same answer as the NIO listing, at about a tenth of its cost in a cold JVM
   * (readAllLines decoded and split every whole status file: 18 ms for 70 processes).
   */
  private Map<Long, Ids> otherProcessesNative() throws ErrnoException {
    long self = processId();
    int proc = libc.open("/proc", openDirectoryFlags);
    if (proc < 0) {
      throw error(Syscall.READ_PROCESS_STATUS, "open", "/proc");
    }
    Map<Long, Ids> processes = new LinkedHashMap<>();
    try {
      int readFlags = OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | OpenFlags.O_NOFOLLOW;
      byte[] chunk = new byte[4096];
      for (long pid : numericEntries(proc, Syscall.READ_PROCESS_STATUS)) {
        if (pid == self) {
          continue;
        }
        String name = Long.toString(pid);
        int status = libc.openat(proc, name + "/status", readFlags);
        if (status < 0) {
          if (libc.errno() == Errno.ENOENT || libc.errno() == Errno.ESRCH) {
            continue; // ended meanwhile
          }
          throw error(Syscall.READ_PROCESS_STATUS, "openat", "/proc/" + name + "/status");
        }
        try {
          Ids ids = uidLine(status, chunk, name);
          if (ids != null) {
            processes.put(pid, ids);
          }
        } finally {
          libc.close(status);
        }
      }
    } finally {
      libc.close(proc);
    }
    return processes;
  }

  /** The Uid: line of an open status file, or null if the process ended while it was read. */
  private Ids uidLine(int status, byte[] chunk, String pid) throws ErrnoException {
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream(2048);
    for (long got; (got = libc.read(status, chunk)) != 0; ) {
      if (got < 0) {
        if (libc.errno() == Errno.ESRCH) {
          return null;
        }
        throw error(Syscall.READ_PROCESS_STATUS, "read", "/proc/" + pid + "/status");
      }
      text.write(chunk, 0, (int) got);
      String sofar = text.toString(StandardCharsets.ISO_8859_1);
      int at = sofar.startsWith("Uid:") ? 0 : sofar.indexOf("\nUid:");
      if (at >= 0) {
        int start = at == 0 ? 4 : at + 5;
        int end = sofar.indexOf('\n', start);
        if (end >= 0) {
          List<Long> ids = dev.confine.internal.linux.ThreadStatus.ids(sofar.substring(start, end));
          return new Ids(ids.get(0), ids.get(1), ids.get(2));
        }
      }
    }
    return null; // no Uid: line (the process ended between open and read)
  }

  /**
   * The numbers a directory's all-digit entries name (pids, tids, descriptors), by getdents64:
   * the digits summed where they lie, no String per entry. Compared byte by byte: a stream with a
   * method reference here cost a cold JVM a spun lambda class in the timed section.
   */
  private long[] numericEntries(int fd, Syscall syscall) throws ErrnoException {
    long getdents = arch().number("getdents64");
    long[] ids = new long[64];
    int count = 0;
    byte[] buffer = new byte[32 * 1024];
    for (long n; (n = libc.getdents64(getdents, fd, buffer)) != 0; ) {
      if (n < 0) {
        throw error(syscall, "getdents64", fd);
      }
      // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
      for (int at = 0; at < n; ) {
        int reclen = (buffer[at + 16] & 0xff) | (buffer[at + 17] & 0xff) << 8;
        int end = at + 19;
        long id = 0;
        boolean digits = true;
        for (; buffer[end] != 0; end++) {
          int digit = buffer[end] - '0';
          digits &= digit >= 0 && digit <= 9;
          id = id * 10 + digit;
        }
        // "." and "..", which are not numbers, are left out; so is a name too long for a long.
        if (digits && end > at + 19 && end - at - 19 <= 18) {
          if (count == ids.length) {
            ids = java.util.Arrays.copyOf(ids, 2 * count);
          }
          ids[count++] = id;
        }
        at += reclen;
      }
    }
    return java.util.Arrays.copyOf(ids, count);
  }


  private static final byte[] ACL_ACCESS = "system.posix_acl_access\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ACL_DEFAULT = "system.posix_acl_default\0".getBytes(StandardCharsets.US_ASCII);

  @Override
  public Optional<PosixAcl> acl(String path, boolean defaultAcl) throws ErrnoException {
    String name = defaultAcl ? "system.posix_acl_default" : "system.posix_acl_access";
    if (!libc.hasXattr()) {
      throw new ErrnoException(Syscall.GETXATTR, List.of('"' + path + '"', '"' + name + '"'), Errno.ENOSYS);
    }
    // 132 bytes hold 16 entries; a larger ACL answers ERANGE and is read again. Small, because
    // the buffer is copied back at each call, and most entries have no ACL at all (ENODATA).
    byte[] buffer = new byte[132];
    while (true) {
      long length = libc.lgetxattr(path, defaultAcl ? ACL_DEFAULT : ACL_ACCESS, buffer);
      if (length >= 0) {
        try {
          return Optional.of(PosixAcl.parse(java.util.Arrays.copyOf(buffer, (int) length)));
        } catch (IllegalArgumentException e) {
          ErrnoException failure = new ErrnoException(Syscall.GETXATTR, List.of('"' + path + '"', '"' + name + '"'), Errno.EINVAL);
          failure.initCause(e);
          throw failure;
        }
      }
      int errno = libc.errno();
      if (errno == Errno.ENODATA || errno == Errno.EOPNOTSUPP || errno == Errno.ENOENT) {
        return Optional.empty(); // no ACL, no ACLs on this file system, or removed since the walk listed it
      }
      if (errno == Errno.ERANGE && buffer.length < 1 << 20) {
        buffer = new byte[buffer.length * 8];
        continue;
      }
      throw error(Syscall.GETXATTR, path, name);
    }
  }

  private static final byte[] SECURITY_CAPABILITY = "security.capability\0".getBytes(StandardCharsets.US_ASCII);

  @Override
  public Optional<FileCapabilities> fileCapabilities(String path) throws ErrnoException {
    if (!libc.hasXattr()) {
      throw new ErrnoException(Syscall.GETXATTR, List.of('"' + path + '"', "\"security.capability\""), Errno.ENOSYS);
    }
    // 24 bytes: the largest value the kernel stores (revision 3, with a namespace's root uid).
    // The walk makes this call for every regular file; most answer ENODATA.
    byte[] buffer = new byte[24];
    long length = libc.lgetxattr(path, SECURITY_CAPABILITY, buffer);
    if (length >= 0) {
      try {
        return Optional.of(FileCapabilities.parse(java.util.Arrays.copyOf(buffer, (int) length)));
      } catch (IllegalArgumentException e) {
        ErrnoException failure = new ErrnoException(Syscall.GETXATTR, List.of('"' + path + '"', "\"security.capability\""), Errno.EINVAL);
        failure.initCause(e);
        throw failure;
      }
    }
    int errno = libc.errno();
    if (errno == Errno.ENODATA || errno == Errno.EOPNOTSUPP || errno == Errno.ENOENT) {
      return Optional.empty(); // none, no xattrs on this file system, or removed since the walk listed it
    }
    throw error(Syscall.GETXATTR, path, "security.capability");
  }

  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERCRED = 17;
  private static final int SO_ACCEPTCONN = 30;
  private static final int SO_DOMAIN = 39;

  @Override
  public Optional<SocketPeer> unixSocketPeer(int fd) throws ErrnoException {
    byte[] value = new byte[4];
    if (libc.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, value) < 0) {
      if (libc.errno() == Errno.ENOTSOCK) {
        return Optional.empty();
      }
      throw error(Syscall.GETSOCKOPT, fd, "SOL_SOCKET", "SO_DOMAIN");
    }
    if (intAt(value, 0) != AF_UNIX) {
      return Optional.empty();
    }
    // A listening socket reports its own creator as the peer (listen(2) records it): not a peer.
    if (libc.getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, value) < 0) {
      throw error(Syscall.GETSOCKOPT, fd, "SOL_SOCKET", "SO_ACCEPTCONN");
    }
    if (intAt(value, 0) != 0) {
      return Optional.empty();
    }
    byte[] ucred = new byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
    if (libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred) < 0) {
      throw error(Syscall.GETSOCKOPT, fd, "SOL_SOCKET", "SO_PEERCRED");
    }
    long pid = intAt(ucred, 0);
    // pid 0: no credentials recorded (not connected, or a datagram socket).
    return pid == 0
        ? Optional.empty()
        : Optional.of(new SocketPeer(pid, Integer.toUnsignedLong(intAt(ucred, 4)), Integer.toUnsignedLong(intAt(ucred, 8))));
  }

  private static int intAt(byte[] b, int at) {
    return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).getInt(at);
  }

  @Override
  public FileStatus statAt(int dirFd, String path) throws ErrnoException {
    byte[] buffer = new byte[256];
    if (!libc.hasStatx()) {
      throw new ErrnoException(Syscall.FSTAT, List.of(String.valueOf(dirFd), '"' + path + '"'), Errno.ENOSYS);
    }
    if (libc.statxAt(dirFd, path, 0, STATX_ASKED, buffer) != 0) {
      throw error(Syscall.FSTAT, dirFd, path, 0);
    }
    FileStatus status = fromStatx(buffer);
    if (status.mountId.isEmpty()) {
      // The verifier reads the threads' roots here after chroot, where /proc/self/fdinfo is out of
      // reach: without the mount a thread rooted in the jail's bind source would pass, so refuse.
      // The sequence reads one before chroot (openThreadList), so apply() refuses in time.
      throw new ErrnoException(Syscall.FSTAT, List.of(String.valueOf(dirFd), '"' + path + '"', "0", "STATX_MNT_ID"), Errno.EOPNOTSUPP);
    }
    return status;
  }


  @Override
  public FileStatus statThreadView(int threadListFd, long tid, String view) throws ErrnoException {
    if (!libc.hasStatx()) {
      return statAt(threadListFd, tid + "/" + view);
    }
    byte[] path = new byte[32];
    int end = threadPath(path, tid, view);
    byte[] buffer = new byte[256];
    if (libc.statxAt(threadListFd, path, 0, 0, STATX_ASKED, buffer) != 0) {
      throw error(Syscall.FSTAT, threadListFd, new String(path, 0, end, StandardCharsets.US_ASCII), 0);
    }
    FileStatus status = fromStatx(buffer);
    if (status.mountId.isEmpty()) {
      // As statAt: without the mount a thread rooted in the jail's bind source would pass.
      throw new ErrnoException(
          Syscall.FSTAT, List.of(String.valueOf(threadListFd), "\"" + tid + "/" + view + "\"", "0", "STATX_MNT_ID"), Errno.EOPNOTSUPP);
    }
    return status;
  }

  /**
   * "TID/name" and a NUL into {@code path} (32 bytes hold any tid and name used here), built
   * byte by byte: a String per thread of thousands, and its UTF-8 copy for the call, cost a cold
   * JVM more than the call. Returns where the NUL is.
   */
  private static int threadPath(byte[] path, long tid, String name) {
    int digits = 1;
    for (long rest = tid / 10; rest != 0; rest /= 10) {
      digits++;
    }
    long rest = tid;
    for (int i = digits - 1; i >= 0; i--) {
      path[i] = (byte) ('0' + rest % 10);
      rest /= 10;
    }
    path[digits] = '/';
    int end = digits + 1;
    for (int i = 0; i < name.length(); i++) {
      path[end++] = (byte) name.charAt(i);
    }
    path[end] = 0;
    return end;
  }

  @Override
  public int openParent(int directoryFd) throws ErrnoException {
    int flags = OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC;
    int fd = libc.openat(directoryFd, "..", flags);
    if (fd < 0) {
      throw error(Syscall.OPEN_PARENT, directoryFd, "..", "O_PATH|O_DIRECTORY|O_CLOEXEC");
    }
    return fd;
  }

  @Override
  public List<Integer> descriptorNumbers(int threadListFd) throws ErrnoException {
    int fdDir = libc.openat(threadListFd, "../fd", openDirectoryFlags);
    if (fdDir < 0) {
      throw error(Syscall.READ_DESCRIPTORS, "openat", threadListFd, "../fd");
    }
    try {
      long[] numbers = numericEntries(fdDir, Syscall.READ_DESCRIPTORS);
      List<Integer> fds = new ArrayList<>(numbers.length);
      for (long number : numbers) {
        int fd = (int) number;
        if (fd != fdDir) {
          fds.add(fd);
        }
      }
      return fds;
    } finally {
      libc.close(fdDir);
    }
  }

  // ---- Linux hardening: prctl, capget/capset, seccomp, /proc/self/task (all through LibC) ----

  private static final int PR_GET_DUMPABLE = 3;
  private static final int PR_SET_DUMPABLE = 4;
  private static final int PR_GET_KEEPCAPS = 7;
  private static final int PR_GET_SECUREBITS = 27;
  private static final int PR_SET_KEEPCAPS = 8;
  private static final int PR_CAPBSET_READ = 23;
  private static final int PR_CAPBSET_DROP = 24;
  private static final int PR_SET_NO_NEW_PRIVS = 38;
  private static final int PR_GET_NO_NEW_PRIVS = 39;
  private static final int PR_CAP_AMBIENT = 47;
  private static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;
  private static final long SECCOMP_FILTER_FLAG_TSYNC = 1;

  private dev.confine.internal.linux.LinuxArch arch() {
    return dev.confine.internal.linux.LinuxArch.current().orElseThrow();
  }

  /** asm-generic/ioctls.h, the same on x86_64 and aarch64. */
  private static final long TIOCNOTTY = 0x5422;
  private static final int O_RDWR = 2;
  private static final int O_NOCTTY = 0400;

  @Override
  public int openWorkingDirectory() throws ErrnoException {
    int fd = libc.open(".", dev.confine.internal.linux.OpenFlags.O_PATH | dev.confine.internal.linux.OpenFlags.O_DIRECTORY
        | dev.confine.internal.linux.OpenFlags.O_CLOEXEC);
    if (fd < 0) {
      throw error(Syscall.OPEN_WORKING_DIRECTORY, ".", "O_PATH|O_DIRECTORY|O_CLOEXEC");
    }
    return fd;
  }

  @Override
  public java.util.OptionalInt openControllingTerminal() throws ErrnoException {
    int fd = libc.open("/dev/tty", O_RDWR | O_NOCTTY | dev.confine.internal.linux.OpenFlags.O_CLOEXEC);
    if (fd < 0) {
      if (libc.errno() == Errno.ENXIO) {
        return java.util.OptionalInt.empty(); // no controlling terminal: nothing to leave
      }
      if (libc.errno() == Errno.ENOENT) {
        // A mount namespace whose /dev lacks the node (a tmpfs /dev): the terminal, if any,
        // cannot be named; nothing in the jail names it either, and the baseline refuses TIOCSTI.
        return java.util.OptionalInt.empty();
      }
      throw error(Syscall.OPEN_TERMINAL, "/dev/tty", "O_RDWR|O_NOCTTY|O_CLOEXEC");
    }
    return java.util.OptionalInt.of(fd);
  }

  @Override
  public boolean leadsSession() throws ErrnoException {
    long sid = libc.syscall0(arch().number("getsid"));
    if (sid < 0) {
      throw error(Syscall.GETSID, 0);
    }
    return sid == processId();
  }

  @Override
  public void leaveControllingTerminal(int fd) throws ErrnoException {
    if (libc.syscall2(arch().number("ioctl"), fd, TIOCNOTTY) < 0) {
      throw error(Syscall.TIOCNOTTY, fd, "TIOCNOTTY");
    }
  }

  @Override
  public long threadId() throws ErrnoException {
    return libc.syscall0(arch().number("gettid"));
  }

  @Override
  public int lastCapability() throws ErrnoException {
    // /proc/sys/kernel/cap_last_cap would do, but probing needs nothing mounted.
    int cap = 0;
    while (cap < 64 && libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0) {
      cap++;
    }
    if (cap == 0 || cap == 64 || libc.errno() != Errno.EINVAL) {
      throw error(Syscall.CAPBSET_READ, "PR_CAPBSET_READ", cap);
    }
    return cap - 1;
  }

  @Override
  public boolean inBoundingSet(int capability) throws ErrnoException {
    int r = libc.prctl(PR_CAPBSET_READ, capability, 0, 0, 0);
    if (r < 0) {
      throw error(Syscall.CAPBSET_READ, "PR_CAPBSET_READ", capability);
    }
    return r == 1;
  }

  @Override
  public void dropFromBoundingSet(int capability) throws ErrnoException {
    if (libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) {
      throw error(Syscall.CAPBSET_DROP, "PR_CAPBSET_DROP", capability);
    }
  }

  @Override
  public void clearAmbientCapabilities() throws ErrnoException {
    if (libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
      throw error(Syscall.CAP_AMBIENT_CLEAR, "PR_CAP_AMBIENT", "PR_CAP_AMBIENT_CLEAR_ALL");
    }
  }

  @Override
  public void setKeepCapabilities(boolean keep) throws ErrnoException {
    if (libc.prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) != 0) {
      throw error(Syscall.SET_KEEPCAPS, "PR_SET_KEEPCAPS", keep ? 1 : 0);
    }
    int now = libc.prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
    if (now != (keep ? 1 : 0)) {
      throw new ErrnoException(Syscall.SET_KEEPCAPS, List.of("PR_GET_KEEPCAPS returned " + now), Errno.EIO);
    }
  }

  @Override
  public void capset(long permitted, long effective, long inheritable) throws ErrnoException {
    int[] data = {
      (int) effective, (int) permitted, (int) inheritable,
      (int) (effective >>> 32), (int) (permitted >>> 32), (int) (inheritable >>> 32)
    };
    if (libc.capset(data) != 0) {
      throw error(Syscall.CAPSET, "permitted=" + hex(permitted), "effective=" + hex(effective), "inheritable=" + hex(inheritable));
    }
  }

  @Override
  public long[] capget() throws ErrnoException {
    int[] data = new int[6];
    if (libc.capget(data) != 0) {
      throw error(Syscall.CAPGET, "v3", 0);
    }
    return new long[] {
      join(data[1], data[4]), join(data[0], data[3]), join(data[2], data[5])
    };
  }

  private static long join(int low, int high) {
    return Integer.toUnsignedLong(low) | ((long) high << 32);
  }

  private static String hex(long mask) {
    return "0x" + Long.toHexString(mask);
  }

  @Override
  public void setNoNewPrivileges() throws ErrnoException {
    if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      throw error(Syscall.NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS", 1);
    }
  }

  @Override
  public boolean noNewPrivileges() throws ErrnoException {
    int r = libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (r < 0) {
      throw error(Syscall.NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS");
    }
    return r == 1;
  }

  @Override
  public int securebits() throws ErrnoException {
    int r = libc.prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (r < 0) {
      throw error(Syscall.GET_SECUREBITS, "PR_GET_SECUREBITS");
    }
    return r;
  }

  @Override
  public void setDumpable(boolean dumpable) throws ErrnoException {
    if (libc.prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) != 0) {
      throw error(Syscall.SET_DUMPABLE, "PR_SET_DUMPABLE", dumpable ? 1 : 0);
    }
  }

  @Override
  public boolean dumpable() throws ErrnoException {
    int r = libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    if (r < 0) {
      throw error(Syscall.SET_DUMPABLE, "PR_GET_DUMPABLE");
    }
    return r != 0;
  }

  @Override
  public void installSeccompFilterOnAllThreads(long[] program) throws ErrnoException {
    long r = libc.seccompSetModeFilter(arch().number("seccomp"), SECCOMP_FILTER_FLAG_TSYNC, program);
    if (r < 0) {
      throw error(Syscall.SECCOMP, "SECCOMP_SET_MODE_FILTER", "SECCOMP_FILTER_FLAG_TSYNC", program.length + " instructions");
    }
    if (r > 0) {
      // TSYNC's failure: the id of a thread that cannot take the filter (it has another, foreign
      // one). Nothing was installed anywhere; refuse rather than leave that thread without it.
      throw new ErrnoException(
          Syscall.SECCOMP, List.of("SECCOMP_FILTER_FLAG_TSYNC", "thread " + r + " has a seccomp filter of its own"), Errno.ESRCH);
    }
  }

  @Override
  public int openThreadList() throws ErrnoException {
    int fd = libc.open("/proc/self/task", openDirectoryFlags);
    if (fd < 0) {
      throw error(Syscall.OPEN_THREAD_LIST, "/proc/self/task", Sequence.DIRECTORY_FLAGS);
    }
    return fd;
  }

  @Override
  public List<dev.confine.internal.linux.ThreadStatus> threadStatuses() throws ErrnoException {
    int fd = libc.open("/proc/self/task", openDirectoryFlags);
    if (fd < 0) {
      throw error(Syscall.READ_THREAD_STATUS, "open", "/proc/self/task");
    }
    try {
      return threadStatuses(fd);
    } finally {
      libc.close(fd);
    }
  }

  @Override
  public List<dev.confine.internal.linux.ThreadStatus> threadStatuses(int fd) throws ErrnoException {
    long[] tids = threadIdArray(fd);
    List<dev.confine.internal.linux.ThreadStatus> statuses = new ArrayList<>(tids.length);
    StatusReader reader = new StatusReader();
    for (long tid : tids) {
      dev.confine.internal.linux.ThreadStatus status = reader.read(fd, tid);
      if (status != null) {
        statuses.add(status);
      }
    }
    return statuses;
  }

  @Override
  public List<Long> threadIds(int fd) throws ErrnoException {
    long[] ids = threadIdArray(fd);
    List<Long> tids = new ArrayList<>(ids.length);
    for (long tid : ids) {
      tids.add(tid);
    }
    return tids;
  }

  @Override
  public java.util.Optional<dev.confine.internal.linux.ThreadStatus> threadStatus(int fd, long tid) throws ErrnoException {
    return java.util.Optional.ofNullable(new StatusReader().read(fd, tid));
  }

  /** The ids of /proc/self/task's entries, read through its descriptor from the start. */
  private long[] threadIdArray(int fd) throws ErrnoException {
    if (libc.lseek(fd, 0, 0) < 0) {
      throw error(Syscall.READ_THREAD_STATUS, "lseek", fd, 0);
    }
    return numericEntries(fd, Syscall.READ_THREAD_STATUS);
  }

  /**
   * Reads thread status files into buffers it keeps from one thread to the next: a status is
   * about 1.4 kB, read whole in one read(2) into 2 kB, parsed where it lies.
   */
  private final class StatusReader {
    // 2 kB, not 4: jffi copies the whole array back after read(2), whatever it got (a read
    // into 4 kB cost 1.6 µs a call against 0.5 for 256 bytes in a warm JVM); a larger status
    // (a machine with many CPUs or nodes) takes a second read.
    private final byte[] chunk = new byte[2048];
    private final byte[] path = new byte[32];
    private byte[] text = new byte[4096];

    /** One thread's status, read through the thread list; null if the thread ended meanwhile. */
    dev.confine.internal.linux.ThreadStatus read(int fd, long tid) throws ErrnoException {
      int readFlags = OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | OpenFlags.O_NOFOLLOW;
      threadPath(path, tid, "status");
      int status = libc.openat(fd, path, 0, readFlags);
      if (status < 0) {
        if (libc.errno() == Errno.ENOENT || libc.errno() == Errno.ESRCH) {
          return null; // the thread ended after getdents64 listed it
        }
        throw error(Syscall.READ_THREAD_STATUS, "openat", fd, tid + "/status");
      }
      try {
        int length = 0;
        for (long got; (got = libc.read(status, chunk)) != 0; ) {
          if (got < 0) {
            if (libc.errno() == Errno.ESRCH) {
              return null;
            }
            throw error(Syscall.READ_THREAD_STATUS, "read", tid + "/status");
          }
          if (length + got > text.length) {
            text = java.util.Arrays.copyOf(text, Math.max(2 * text.length, length + (int) got));
          }
          System.arraycopy(chunk, 0, text, length, (int) got);
          length += (int) got;
          if (got < chunk.length && text[length - 1] == '\n') {
            // seq_file renders a status whole on the first read and hands back as much of it as
            // fits: a read shorter than the buffer is the end, so the read that would return 0
            // is spared (a call per thread of thousands, twice per apply()). Only where it ends a
            // line: a status cut inside one (which seq_file does not do) is read on to the end,
            // not parsed short of its optional last fields.
            break;
          }
        }
        return length == 0 ? null : dev.confine.internal.linux.ThreadStatus.parse(tid, text, length);
      } finally {
        libc.close(status);
      }
    }
  }

  /**
   * Sleeps the whole time even if the caller's thread is interrupted (the interrupt is kept for
   * it): parkNanos returns at once while an interrupt is pending, which would shrink preflight's
   * 200 ms look at a thread blocking SIGSETXID and the verifier's 2 s wait for an ending thread to
   * nothing, and turn a thread that was only ending into a refusal or a halt.
   */
  @Override
  public void pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    boolean interrupted = Thread.interrupted();
    for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
      java.util.concurrent.locks.LockSupport.parkNanos(left);
      interrupted |= Thread.interrupted();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void openlog(String ident, int option, int facility) {
    libc.openlog(ident, option, facility);
  }

  @Override
  public void syslog(int priority, String message) {
    libc.syslog(priority, message.replace('\0', '?'));
  }

  // ---- systemd's notify socket ----

  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  /** SOCK_CLOEXEC is O_CLOEXEC's value (02000000 on x86_64 and aarch64): no program the daemon runs inherits it. */
  private static final int SOCK_CLOEXEC = OpenFlags.O_CLOEXEC;
  /** No SIGPIPE, whatever the peer did: a failure is an errno, never a signal that ends the JVM. */
  private static final int MSG_NOSIGNAL = 0x4000;
  /** sizeof(sun_path) in struct sockaddr_un. */
  static final int SUN_PATH_MAX = 108;

  @Override
  public Optional<String> environment(String name) {
    return Optional.ofNullable(System.getenv(name));
  }

  @Override
  public long processId() {
    // getpid(2) itself, not ProcessHandle.current(): ProcessHandleImpl's initialiser builds the
    // process reaper's executor (a dozen classes and lambdas) on apply()'s cold path.
    return libc.syscall0(arch().number("getpid"));
  }

  @Override
  public int unixDatagramSocket() throws ErrnoException {
    int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw error(Syscall.SOCKET, "AF_UNIX", "SOCK_DGRAM|SOCK_CLOEXEC", 0);
    }
    return fd;
  }

  @Override
  public void connect(int fd, String address) throws ErrnoException {
    if (libc.connect(fd, sockaddrUn(address)) != 0) {
      throw error(Syscall.CONNECT, fd, address);
    }
  }

  @Override
  public void send(int fd, byte[] message) throws ErrnoException {
    long sent = libc.sendto(fd, message, MSG_NOSIGNAL);
    if (sent < 0) {
      throw error(Syscall.SEND, fd, new String(message, StandardCharsets.UTF_8), "MSG_NOSIGNAL");
    }
    if (sent != message.length) {
      // A datagram goes whole or not at all; anything else is not a notification systemd reads.
      throw new ErrnoException(Syscall.SEND, List.of(String.valueOf(fd), "sent " + sent + " of " + message.length + " bytes"), Errno.EMSGSIZE);
    }
  }

  /**
   * struct sockaddr_un for "/path" (sun_path NUL-terminated) or "@name" (the abstract name:
   * sun_path begins with a NUL byte, and the length counts the name's bytes only, as systemd's
   * sd_notify passes it). sun_family in the machine's order (little-endian on both architectures).
   */
  static byte[] sockaddrUn(String address) {
    boolean abstractName = address.startsWith("@");
    byte[] path = (abstractName ? address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
    int pathLength = 1 + path.length; // the NUL: first for an abstract name, last for a path
    if (pathLength > SUN_PATH_MAX || (!abstractName && !address.startsWith("/")) || address.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("not a socket address sun_path holds (an absolute path or @name, at most " + (SUN_PATH_MAX - 1) + " bytes): " + address);
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 + pathLength).order(java.nio.ByteOrder.nativeOrder());
    b.putShort((short) AF_UNIX);
    if (abstractName) {
      b.put((byte) 0).put(path);
    } else {
      b.put(path).put((byte) 0);
    }
    return b.array();
  }
}
