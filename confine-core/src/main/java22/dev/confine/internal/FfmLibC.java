package dev.confine.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.confine.internal.linux.LinuxArch;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The libc calls through java.lang.foreign (Java 22+): no temporary file, no sun.misc.Unsafe.
 * Built for a cold start: each new call shape costs the JVM a few milliseconds the first time
 * (4 to 7 ms with errno capture, measured), so almost every call goes through one shape,
 * {@code syscall(long, long...)}; only what glibc does more than the kernel keeps its own:
 * set*id and setgroups (glibc applies them to every thread), getcwd (glibc turns the kernel's
 * "(unreachable)" into ENOENT), the passwd lookups (NSS), openlog and syslog. Those used only by
 * some policies (the passwd lookup not asked for, syslog) are bound on first use, before chroot.
 * errno is captured per call ({@code Linker.Option.captureCallState}) into a segment of the
 * calling thread, and read from there by {@link #errno()}.
 */
@SuppressWarnings("restricted") // the downcalls and reinterpret are the point of this class
final class FfmLibC implements LibC {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
  private static final long AT_FDCWD = -100;
  private static final int AT_EMPTY_PATH = 0x1000;

  private final LinuxArch arch = LinuxArch.current().orElseThrow(() -> new UnsupportedOperationException(
      "no syscall table for os.arch " + System.getProperty("os.arch") + " (x86_64 and aarch64 only)"));
  private final ThreadLocal<MemorySegment> errno = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));
  private final MethodHandle syscall;
  private final MethodHandle threeInts;
  private final MethodHandle setresgidHandle;
  private final MethodHandle setgroupsHandle;
  private final MethodHandle getcwdHandle;
  private volatile MethodHandle getpwnamR;
  private volatile MethodHandle getpwuidR;
  private volatile MethodHandle openlogHandle;
  private volatile MethodHandle syslogHandle;

  FfmLibC() {
    syscall = downcall("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
        Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    FunctionDescriptor ints3 = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    threeInts = downcall("setresuid", ints3, CAPTURE_ERRNO);
    setresgidHandle = downcall("setresgid", ints3, CAPTURE_ERRNO);
    setgroupsHandle = downcall("setgroups", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS), CAPTURE_ERRNO);
    getcwdHandle = downcall("getcwd", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
  }

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + " (java.lang.foreign's default lookup)"));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  @Override
  public String name() {
    return "FFM (java.lang.foreign)";
  }

  @Override
  public int errno() {
    return (int) ERRNO.get(errno.get(), 0L);
  }

  @Override
  public boolean hasLinuxCalls() {
    return true;
  }

  @Override
  public boolean hasStatx() {
    return true;
  }

  @Override
  public boolean hasXattr() {
    return true;
  }

  /** syscall(number, a1..a6): -1 and errno on failure, as glibc's syscall() returns. */
  private long sys(String name, long a1, long a2, long a3, long a4, long a5) {
    return sys(arch.number(name), a1, a2, a3, a4, a5);
  }

  private long sys(long number, long a1, long a2, long a3, long a4, long a5) {
    try {
      return (long) syscall.invokeExact(errno.get(), number, a1, a2, a3, a4, a5, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException) {
      throw (RuntimeException) t;
    }
    if (t instanceof Error) {
      throw (Error) t;
    }
    throw new IllegalStateException("a downcall threw " + t, t);
  }

  private static MemorySegment string(Arena arena, String s) {
    if (s.indexOf('\0') >= 0) {
      // C would read only up to the NUL: a different string than the one checked.
      throw new IllegalArgumentException("a NUL character in " + s.replace('\0', '?'));
    }
    return arena.allocateFrom(s, StandardCharsets.UTF_8);
  }

  @Override
  public int prctl(int option, long a2, long a3, long a4, long a5) {
    return (int) sys("prctl", option, a2, a3, a4, a5);
  }

  @Override
  public int capget(int[] data) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment header = arena.allocateFrom(JAVA_INT, 0x20080522, 0);
      MemorySegment sets = arena.allocate(JAVA_INT, 6);
      int r = (int) sys("capget", header.address(), sets.address(), 0, 0, 0);
      MemorySegment.copy(sets, JAVA_INT, 0, data, 0, 6);
      return r;
    }
  }

  @Override
  public int capset(int[] data) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment header = arena.allocateFrom(JAVA_INT, 0x20080522, 0);
      MemorySegment sets = arena.allocateFrom(JAVA_INT, data);
      return (int) sys("capset", header.address(), sets.address(), 0, 0, 0);
    }
  }

  @Override
  public long seccompSetModeFilter(long number, long flags, long[] program) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment filter = arena.allocateFrom(JAVA_LONG, program);
      // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
      MemorySegment fprog = arena.allocate(16, 8);
      fprog.set(JAVA_SHORT, 0, (short) program.length);
      fprog.set(ADDRESS, 8, filter);
      return sys(number, 1 /* SECCOMP_SET_MODE_FILTER */, flags, fprog.address(), 0, 0);
    }
  }

  @Override
  public long syscall0(long number) {
    return sys(number, 0, 0, 0, 0, 0);
  }

  @Override
  public long syscall2(long number, long a1, long a2) {
    return sys(number, a1, a2, 0, 0, 0);
  }

  @Override
  public long getdents64(long number, int fd, byte[] buffer) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(buffer.length);
      long n = sys(number, fd, out.address(), buffer.length, 0, 0);
      if (n > 0) {
        MemorySegment.copy(out, JAVA_BYTE, 0, buffer, 0, (int) n);
      }
      return n;
    }
  }

  @Override
  public int fstatx(int fd, int mask, byte[] buffer) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment empty = arena.allocate(1);
      return statx(arena, fd, empty, AT_EMPTY_PATH, mask, buffer);
    }
  }

  @Override
  public int statxAt(int dirfd, String path, int flags, int mask, byte[] buffer) {
    try (Arena arena = Arena.ofConfined()) {
      return statx(arena, dirfd, string(arena, path), flags, mask, buffer);
    }
  }

  @Override
  public int statxAt(int dirfd, byte[] names, int offset, int flags, int mask, byte[] buffer) {
    try (Arena arena = Arena.ofConfined()) {
      return statx(arena, dirfd, name(arena, names, offset), flags, mask, buffer);
    }
  }

  /** The NUL-terminated name at {@code offset} of {@code names}, its NUL included, copied into the arena. */
  private static MemorySegment name(Arena arena, byte[] names, int offset) {
    int end = offset;
    while (names[end] != 0) {
      end++;
    }
    MemorySegment name = arena.allocate(end - offset + 1);
    MemorySegment.copy(names, offset, name, JAVA_BYTE, 0, end - offset + 1);
    return name;
  }

  /**
   * The walk's buffers as segments of one arena for its whole length: no arena, allocation or copy
   * of the name per entry, and the names passed as addresses into the listing (issue 28).
   */
  @Override
  public DirectoryReader directoryReader(long getdentsNumber, byte[] entries, byte[] statxFields) {
    Arena arena = Arena.ofConfined();
    MemorySegment listing = arena.allocate(entries.length, 8);
    MemorySegment status = arena.allocate(statxFields.length, 8);
    long statxNumber = arch.number("statx");
    return new DirectoryReader() {
      @Override
      public long list(int fd) {
        long n = sys(getdentsNumber, fd, listing.address(), entries.length, 0, 0);
        if (n > 0) {
          MemorySegment.copy(listing, JAVA_BYTE, 0, entries, 0, (int) n);
        }
        return n;
      }

      @Override
      public int statx(int dirfd, int nameOffset, int flags, int mask) {
        int r = (int) sys(statxNumber, dirfd, listing.address() + nameOffset, flags, mask, status.address());
        if (r == 0) {
          MemorySegment.copy(status, JAVA_BYTE, 0, statxFields, 0, statxFields.length);
        }
        return r;
      }

      @Override
      public void close() {
        arena.close();
      }
    };
  }

  private int statx(Arena arena, int dirfd, MemorySegment path, int flags, int mask, byte[] buffer) {
    MemorySegment out = arena.allocate(buffer.length, 8);
    int r = (int) sys("statx", dirfd, path.address(), flags, mask, out.address());
    if (r == 0) {
      MemorySegment.copy(out, JAVA_BYTE, 0, buffer, 0, buffer.length);
    }
    return r;
  }

  @Override
  public long lgetxattr(String path, byte[] nameZ, byte[] buffer) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment name = arena.allocateFrom(JAVA_BYTE, nameZ);
      MemorySegment out = arena.allocate(buffer.length);
      long n = sys("lgetxattr", string(arena, path).address(), name.address(), out.address(), buffer.length, 0);
      if (n > 0) {
        MemorySegment.copy(out, JAVA_BYTE, 0, buffer, 0, (int) n);
      }
      return n;
    }
  }

  @Override
  public long read(int fd, byte[] buffer) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(buffer.length);
      long n = sys("read", fd, out.address(), buffer.length, 0, 0);
      if (n > 0) {
        MemorySegment.copy(out, JAVA_BYTE, 0, buffer, 0, (int) n);
      }
      return n;
    }
  }

  @Override
  public long lseek(int fd, long offset, int whence) {
    return sys("lseek", fd, offset, whence, 0, 0);
  }

  @Override
  public int getresuid(int[] ruid, int[] euid, int[] suid) {
    return threeIds("getresuid", ruid, euid, suid);
  }

  @Override
  public int getresgid(int[] rgid, int[] egid, int[] sgid) {
    return threeIds("getresgid", rgid, egid, sgid);
  }

  private int threeIds(String name, int[] a, int[] b, int[] c) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ids = arena.allocate(JAVA_INT, 3);
      int r = (int) sys(name, ids.address(), ids.address() + 4, ids.address() + 8, 0, 0);
      a[0] = ids.getAtIndex(JAVA_INT, 0);
      b[0] = ids.getAtIndex(JAVA_INT, 1);
      c[0] = ids.getAtIndex(JAVA_INT, 2);
      return r;
    }
  }

  @Override
  public int getgroups(int size, int[] list) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = size == 0 ? MemorySegment.NULL : arena.allocate(JAVA_INT, size);
      int n = (int) sys("getgroups", size, out.address(), 0, 0, 0);
      if (n > 0 && size > 0) {
        MemorySegment.copy(out, JAVA_INT, 0, list, 0, n);
      }
      return n;
    }
  }

  @Override
  public int setgroups(int[] list) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = list.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_INT, list);
      return (int) setgroupsHandle.invokeExact(errno.get(), (long) list.length, in);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int setresuid(int ruid, int euid, int suid) {
    try {
      return (int) threeInts.invokeExact(errno.get(), ruid, euid, suid);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int setresgid(int rgid, int egid, int sgid) {
    try {
      return (int) setresgidHandle.invokeExact(errno.get(), rgid, egid, sgid);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int fchdir(int fd) {
    return (int) sys("fchdir", fd, 0, 0, 0, 0);
  }

  @Override
  public int close(int fd) {
    return (int) sys("close", fd, 0, 0, 0, 0);
  }

  @Override
  public int umask(int mask) {
    return (int) sys("umask", mask, 0, 0, 0, 0);
  }

  @Override
  public int chdir(String path) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) sys("chdir", string(arena, path).address(), 0, 0, 0, 0);
    }
  }

  @Override
  public int chroot(String path) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) sys("chroot", string(arena, path).address(), 0, 0, 0, 0);
    }
  }

  @Override
  public int open(String path, int flags) {
    return openat((int) AT_FDCWD, path, flags);
  }

  @Override
  public int openat(int dirfd, String path, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) sys("openat", dirfd, string(arena, path).address(), flags, 0, 0);
    }
  }

  @Override
  public int openat(int dirfd, byte[] names, int offset, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) sys("openat", dirfd, name(arena, names, offset).address(), flags, 0, 0);
    }
  }

  @Override
  public Optional<String> getcwd() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(4097);
      MemorySegment result = (MemorySegment) getcwdHandle.invokeExact(errno.get(), buffer, 4096L);
      if (result.address() == 0) {
        return Optional.empty();
      }
      return Optional.of(buffer.getString(0, StandardCharsets.UTF_8));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public void openlog(String ident, int option, int facility) {
    // Bound here, before chroot, together with syslog: the first syslog may come after it.
    openlogHandle = downcall("openlog", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT));
    syslogHandle = downcall("syslog", FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(2));
    // openlog(3) keeps the pointer, not a copy: the global arena never frees it.
    MemorySegment kept = string(Arena.global(), ident);
    try {
      openlogHandle.invokeExact(kept, option, facility);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public void syslog(int priority, String message) {
    MethodHandle handle = syslogHandle;
    if (handle == null) {
      handle = downcall("syslog", FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(2));
      syslogHandle = handle;
    }
    try (Arena arena = Arena.ofConfined()) {
      handle.invokeExact(priority, string(arena, "%s"), string(arena, message));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int socket(int domain, int type, int protocol) {
    return (int) sys("socket", domain, type, protocol, 0, 0);
  }

  @Override
  public int connect(int fd, byte[] address) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = arena.allocateFrom(JAVA_BYTE, address);
      return (int) sys("connect", fd, in.address(), address.length, 0, 0);
    }
  }

  @Override
  public int getsockopt(int fd, int level, int name, byte[] value) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(value.length, 8);
      MemorySegment length = arena.allocate(JAVA_INT);
      length.set(JAVA_INT, 0, value.length);
      int r = (int) sys("getsockopt", fd, level, name, out.address(), length.address());
      if (r < 0) {
        return r;
      }
      int written = Math.min(length.get(JAVA_INT, 0), value.length);
      MemorySegment.copy(out, JAVA_BYTE, 0, value, 0, written);
      return written;
    }
  }

  /** sendto(fd, buffer, length, flags, NULL, 0): the sixth argument is sys's 0. */
  @Override
  public long sendto(int fd, byte[] buffer, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = arena.allocateFrom(JAVA_BYTE, buffer);
      return sys("sendto", fd, in.address(), buffer.length, flags, 0);
    }
  }

  @Override
  public PasswdResult getpwnam(String name, int bufferSize) {
    MethodHandle handle = getpwnamR;
    if (handle == null) {
      handle = downcall("getpwnam_r", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
      getpwnamR = handle;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pwd = arena.allocate(128, 8);
      MemorySegment buffer = arena.allocate(bufferSize);
      MemorySegment result = arena.allocate(ADDRESS);
      int status = (int) handle.invokeExact(string(arena, name), pwd, buffer, (long) bufferSize, result);
      return passwd(status, pwd, result);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public PasswdResult getpwuid(int uid, int bufferSize) {
    MethodHandle handle = getpwuidR;
    if (handle == null) {
      handle = downcall("getpwuid_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
      getpwuidR = handle;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pwd = arena.allocate(128, 8);
      MemorySegment buffer = arena.allocate(bufferSize);
      MemorySegment result = arena.allocate(ADDRESS);
      int status = (int) handle.invokeExact(uid, pwd, buffer, (long) bufferSize, result);
      return passwd(status, pwd, result);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** struct passwd on 64-bit Linux starts with pw_name, pw_passwd, pw_uid, pw_gid (8, 8, 4, 4). */
  private static PasswdResult passwd(int status, MemorySegment pwd, MemorySegment result) {
    if (status != 0 || result.get(ADDRESS, 0).address() == 0) {
      return new PasswdResult(status, Optional.empty());
    }
    String name = pwd.get(ADDRESS, 0).reinterpret(1024).getString(0, StandardCharsets.UTF_8);
    long uid = Integer.toUnsignedLong(pwd.get(JAVA_INT, 16));
    long gid = Integer.toUnsignedLong(pwd.get(JAVA_INT, 20));
    return new PasswdResult(0, Optional.of(new PasswdEntry(name, uid, gid)));
  }
}
