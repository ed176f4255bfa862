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
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LibraryLoader;

/**
 * The real kernel: libc, made once per process on first use. The calls apply() makes go through
 * jffi directly ({@link DirectLibC}); the others through jnr-ffi's {@link LibC}, bound only when
 * one of them is first called (binding it costs a cold JVM far more: BENCHMARKS.md).
 */
public final class NativeKernel implements Kernel {
  private static final class Holder {
    static final NativeKernel INSTANCE = new NativeKernel();
  }

  private static final class JnrHolder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private final DirectLibC direct;
  private final int openDirectoryFlags;

  private NativeKernel() {
    this.direct = new DirectLibC();
    this.openDirectoryFlags =
        OpenFlags.O_RDONLY.intValue()
            | OpenFlags.O_DIRECTORY.intValue()
            | OpenFlags.O_NOFOLLOW.intValue()
            | OpenFlags.O_CLOEXEC.intValue();
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
    return new ErrnoException(syscall, rendered, direct.errno());
  }

  /**
   * jnr-ffi's binding of libc, for calls {@link DirectLibC} does not make; bound on first use.
   * A call on apply()'s path belongs in DirectLibC: binding this costs apply() about 150 ms.
   */
  private static LibC libc() {
    return JnrHolder.LIBC;
  }

  private static long unsigned(int id) {
    return Integer.toUnsignedLong(id);
  }

  @Override
  public Ids getresuid() throws ErrnoException {
    int[] r = new int[1], e = new int[1], s = new int[1];
    if (direct.getresuid(r, e, s) != 0) {
      throw error(Syscall.GETRESUID);
    }
    return new Ids(unsigned(r[0]), unsigned(e[0]), unsigned(s[0]));
  }

  @Override
  public Ids getresgid() throws ErrnoException {
    int[] r = new int[1], e = new int[1], s = new int[1];
    if (direct.getresgid(r, e, s) != 0) {
      throw error(Syscall.GETRESGID);
    }
    return new Ids(unsigned(r[0]), unsigned(e[0]), unsigned(s[0]));
  }

  @Override
  public List<Long> getgroups() throws ErrnoException {
    int count = direct.getgroups(0, new int[0]);
    if (count < 0) {
      throw error(Syscall.GETGROUPS, 0);
    }
    int[] list = new int[count];
    int got = direct.getgroups(count, list);
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
    if (direct.setgroups(list) != 0) {
      throw error(Syscall.SETGROUPS, list.length, gids.toString());
    }
  }

  @Override
  public void setresgid(long rgid, long egid, long sgid) throws ErrnoException {
    if (direct.setresgid((int) rgid, (int) egid, (int) sgid) != 0) {
      throw error(Syscall.SETRESGID, rgid, egid, sgid);
    }
  }

  @Override
  public void setresuid(long ruid, long euid, long suid) throws ErrnoException {
    if (direct.setresuid((int) ruid, (int) euid, (int) suid) != 0) {
      throw error(Syscall.SETRESUID, ruid, euid, suid);
    }
  }

  @Override
  public void setuid(long uid) throws ErrnoException {
    if (direct.setuid((int) uid) != 0) {
      throw error(Syscall.SETUID, uid);
    }
  }

  @Override
  public void setgid(long gid) throws ErrnoException {
    if (direct.setgid((int) gid) != 0) {
      throw error(Syscall.SETGID, gid);
    }
  }

  @Override
  public Capabilities capabilities() {
    // /proc/thread-self: capability sets are per thread, and it is this thread that will chroot.
    try {
      long prm = 0, eff = 0, bnd = 0;
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
        if (line.startsWith("CapPrm:")) {
          prm = Long.parseUnsignedLong(line.substring(7).trim(), 16);
        } else if (line.startsWith("CapEff:")) {
          eff = Long.parseUnsignedLong(line.substring(7).trim(), 16);
        } else if (line.startsWith("CapBnd:")) {
          bnd = Long.parseUnsignedLong(line.substring(7).trim(), 16);
        }
      }
      return new Capabilities(prm, eff, bnd);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/thread-self/status: is /proc mounted?", e);
    }
  }

  @Override
  public Optional<PasswdEntry> getpwnam(String name) throws ErrnoException {
    return lookup(Syscall.GETPWNAM, name, size -> direct.getpwnam(name, size));
  }

  @Override
  public Optional<PasswdEntry> getpwuid(long uid) throws ErrnoException {
    return lookup(Syscall.GETPWUID, uid, size -> direct.getpwuid((int) uid, size));
  }

  private interface PasswdLookup {
    DirectLibC.PasswdResult call(int bufferSize);
  }

  private static Optional<PasswdEntry> lookup(Syscall syscall, Object key, PasswdLookup lookup) throws ErrnoException {
    for (int size = 4096; size <= 1 << 20; size *= 4) {
      DirectLibC.PasswdResult result = lookup.call(size);
      if (result.status == Errno.ERANGE.intValue()) {
        continue;
      }
      if (result.status != 0) {
        throw new ErrnoException(syscall, List.of(String.valueOf(key)), result.status);
      }
      return result.entry;
    }
    throw new ErrnoException(syscall, List.of(String.valueOf(key)), Errno.ERANGE.intValue());
  }

  @Override
  public int openDirectoryNoFollow(String absolutePath) throws ErrnoException {
    if (!absolutePath.startsWith("/")) {
      throw new IllegalArgumentException("not absolute: " + absolutePath);
    }
    int fd = direct.open("/", openDirectoryFlags);
    if (fd < 0) {
      throw error(Syscall.OPEN, "/", "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC");
    }
    for (String component : absolutePath.split("/")) {
      if (component.isEmpty()) {
        continue;
      }
      int next = direct.openat(fd, component, openDirectoryFlags);
      if (next < 0) {
        ErrnoException failure = error(Syscall.OPEN, absolutePath, "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC");
        direct.close(fd);
        throw failure;
      }
      direct.close(fd);
      fd = next;
    }
    return fd;
  }

  @Override
  public FileStatus fstat(int fd) throws ErrnoException {
    // /proc/self/fd/N resolves to the open file itself, so this stats what the descriptor holds.
    return stat(Path.of("/proc/self/fd/" + fd), true)
        .orElseThrow(() -> new ErrnoException(Syscall.OPEN, List.of("/proc/self/fd/" + fd), Errno.EBADF.intValue()));
  }

  @Override
  public Optional<FileStatus> lstat(String path) throws ErrnoException {
    return stat(Path.of(path), false);
  }

  private static Optional<FileStatus> stat(Path path, boolean follow) {
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
      throw new IllegalStateException("cannot stat " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void fchdir(int fd) throws ErrnoException {
    if (direct.fchdir(fd) != 0) {
      throw error(Syscall.FCHDIR, fd);
    }
  }

  @Override
  public void chdir(String path) throws ErrnoException {
    if (direct.chdir(path) != 0) {
      throw error(Syscall.CHDIR, path);
    }
  }

  @Override
  public void chroot(String path) throws ErrnoException {
    if (direct.chroot(path) != 0) {
      throw error(Syscall.CHROOT, path);
    }
  }

  @Override
  public void close(int fd) throws ErrnoException {
    if (direct.close(fd) != 0) {
      throw error(Syscall.CLOSE, fd);
    }
  }

  @Override
  public String getcwd() throws ErrnoException {
    Optional<String> cwd = direct.getcwd();
    if (cwd.isEmpty()) {
      throw error(Syscall.GETCWD);
    }
    return cwd.get();
  }

  @Override
  public int umask(int mask) {
    return direct.umask(mask);
  }

  @Override
  public List<OpenFile> openFiles() throws ErrnoException {
    List<Integer> fds = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path entry : entries) {
        fds.add(Integer.parseInt(entry.getFileName().toString()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc/self/fd: is /proc mounted?", e);
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
        throw new IllegalStateException("cannot read " + link + ": " + e.getMessage(), e);
      }
    }
    return files;
  }

  @Override
  public void walk(String directory, WalkVisitor visitor) {
    // One lstat per entry and an explicit stack: no recursion depth limit, no link is followed
    // (a symlink to a directory is visited as a link and never listed). Like find -xdev, it stays
    // on the directory's file system: a mount point is visited, not entered (a proc mounted
    // inside would list every process; the mounts check reports the mount itself).
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
          visitor.visit(entry.toString(), status.get());
          if (status.get().type == FileStatus.Type.DIRECTORY && status.get().device == top.get().device) {
            pending.push(entry);
          }
        }
      } catch (NoSuchFileException e) {
        // removed meanwhile
      } catch (IOException e) {
        throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public List<Mount> mounts() {
    List<Mount> mounts = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
        // id parent major:minor root mount-point options [optional fields...] - type source super-options
        String[] fields = line.split(" ");
        int separator = Arrays.asList(fields).indexOf("-");
        if (fields.length < 5 || separator < 0 || separator + 2 >= fields.length) {
          continue;
        }
        mounts.add(new Mount(unescape(fields[4]), fields[separator + 1], unescape(fields[separator + 2])));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/mountinfo: is /proc mounted?", e);
    }
    return mounts;
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
  public Map<Long, Ids> otherProcesses() {
    long self = ProcessHandle.current().pid();
    Map<Long, Ids> processes = new LinkedHashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path entry : entries) {
        long pid;
        try {
          pid = Long.parseLong(entry.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == self) {
          continue;
        }
        try {
          for (String line : Files.readAllLines(entry.resolve("status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("Uid:")) {
              String[] ids = line.substring(4).trim().split("\\s+");
              processes.put(pid, new Ids(Long.parseLong(ids[0]), Long.parseLong(ids[1]), Long.parseLong(ids[2])));
              break;
            }
          }
        } catch (NoSuchFileException e) {
          // ended meanwhile
        } catch (IOException e) {
          if (Files.exists(entry)) {
            throw new IllegalStateException("cannot read " + entry + "/status: " + e.getMessage(), e);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: is /proc mounted?", e);
    }
    return processes;
  }

  @Override
  public void openlog(String ident, int option, int facility) {
    direct.openlog(ident, option, facility);
  }

  @Override
  public void syslog(int priority, String message) {
    direct.syslog(priority, message.replace('\0', '?'));
  }
}
