package dev.confine.internal;

import com.kenai.jffi.ArrayFlags;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Function;
import com.kenai.jffi.HeapInvocationBuffer;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Platform;
import com.kenai.jffi.Type;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * {@link LibC} through jffi, called directly: the default binding, on every Java from 17 (the other
 * is {@code FfmLibC}, java.lang.foreign, Java 22+). jnr-ffi's interface binding (LibraryLoader: a
 * runtime, a class generated with ASM, x86 stubs) costs a cold JVM about three times the CPU of
 * this (BENCHMARKS.md), and apply() pays it at startup. Each function here is a symbol address and
 * an ffi call description, made once, in the constructor; the calls save errno, read with
 * {@link #errno()} on the same thread. 64-bit Linux only, like confine.
 */
final class DirectLibC implements LibC {
  private static final int IN_STRING = ArrayFlags.IN | ArrayFlags.NULTERMINATE;

  private final Invoker invoker = Invoker.getInstance();
  private final Function getresuid;
  private final Function getresgid;
  private final Function getgroups;
  private final Function setgroups;
  private final Function setresuid;
  private final Function setresgid;
  private final Function getpwnamR;
  private final Function getpwuidR;
  private final Function open;
  private final Function openat;
  private final Function fchdir;
  private final Function chdir;
  private final Function chroot;
  private final Function close;
  private final Function getcwd;
  private final Function umask;
  private final Function openlog;
  private final Function syslog;
  private final Function socket;
  private final Function connect;
  private final Function sendto;
  private final Function getsockopt;
  // Linux only: null where libc lacks them (the Kernel then reports ENOSYS, never skips).
  private final Function prctl;
  private final Function capget;
  private final Function capset;
  private final Function syscallPointer3;
  private final Function syscallPointer2;
  private final Function read;
  private final Function lseek;
  private final Function statx;
  private final Function lgetxattr;
  // openlog(3) keeps the ident pointer, not a copy: this memory is never freed.
  private volatile long syslogIdent;

  DirectLibC() {
    if (Platform.getPlatform().addressSize() != 64) {
      throw new UnsupportedOperationException("confine needs a 64-bit platform, not " + Platform.getPlatform().getName());
    }
    // The process's global symbols: libc is linked into every JVM, so no library name to guess.
    Library libc = Library.getDefault();
    Type i = Type.SINT;
    Type p = Type.POINTER;
    getresuid = function(libc, "getresuid", i, p, p, p);
    getresgid = function(libc, "getresgid", i, p, p, p);
    getgroups = function(libc, "getgroups", i, i, p);
    setgroups = function(libc, "setgroups", i, Type.ULONG, p);
    setresuid = function(libc, "setresuid", i, i, i, i);
    setresgid = function(libc, "setresgid", i, i, i, i);
    getpwnamR = function(libc, "getpwnam_r", i, p, p, p, Type.ULONG, p);
    getpwuidR = function(libc, "getpwuid_r", i, i, p, p, Type.ULONG, p);
    open = function(libc, "open", i, p, i);
    openat = function(libc, "openat", i, i, p, i);
    fchdir = function(libc, "fchdir", i, i);
    chdir = function(libc, "chdir", i, p);
    chroot = function(libc, "chroot", i, p);
    close = function(libc, "close", i, i);
    getcwd = function(libc, "getcwd", p, p, Type.ULONG);
    umask = function(libc, "umask", Type.UINT, Type.UINT);
    openlog = function(libc, "openlog", Type.VOID, p, i, i);
    long syslogAddress = libc.getSymbolAddress("syslog");
    if (syslogAddress == 0) {
      throw new UnsatisfiedLinkError("libc has no syslog: " + Library.getLastError());
    }
    // syslog(priority, format, ...): two fixed parameters, then the variadic message.
    syslog = new Function(syslogAddress, Type.VOID, 2, new Type[] {i, p, p}, CallingConvention.DEFAULT, false);
    socket = function(libc, "socket", i, i, i, i);
    connect = function(libc, "connect", i, i, p, Type.UINT);
    sendto = function(libc, "sendto", Type.SLONG, i, p, Type.ULONG, i, p, Type.UINT);
    getsockopt = function(libc, "getsockopt", i, i, i, i, p, p);
    Type l = Type.SLONG;
    // prctl(int option, ...) and syscall(long number, ...) are variadic: every argument is passed
    // as a long, as the kernel reads them.
    prctl = variadic(libc, "prctl", i, 1, i, l, l, l, l);
    syscallPointer3 = variadic(libc, "syscall", l, 1, l, l, l, p);
    syscallPointer2 = variadic(libc, "syscall", l, 1, l, l, p, l);
    capget = optional(libc, "capget", i, p, p);
    capset = optional(libc, "capset", i, p, p);
    read = optional(libc, "read", l, i, p, Type.ULONG);
    lseek = optional(libc, "lseek", l, i, l, i);
    // glibc 2.28+; absent elsewhere (NativeKernel then stats through NIO).
    statx = optional(libc, "statx", i, i, p, i, Type.UINT, p);
    lgetxattr = optional(libc, "lgetxattr", l, p, p, p, Type.ULONG);
  }

  private static Function optional(Library library, String name, Type returns, Type... parameters) {
    long address = library.getSymbolAddress(name);
    return address == 0 ? null : new Function(address, returns, parameters, CallingConvention.DEFAULT, true);
  }

  private static Function variadic(Library library, String name, Type returns, int fixed, Type... parameters) {
    long address = library.getSymbolAddress(name);
    return address == 0 ? null : new Function(address, returns, fixed, parameters, CallingConvention.DEFAULT, true);
  }

  /** True if libc has the Linux-only calls (prctl, capget, capset, syscall). */
  @Override
  public boolean hasLinuxCalls() {
    return prctl != null && capget != null && capset != null && syscallPointer3 != null && read != null && lseek != null;
  }

  @Override
  public int prctl(int option, long a2, long a3, long a4, long a5) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(prctl);
    call.putInt(option);
    call.putLong(a2);
    call.putLong(a3);
    call.putLong(a4);
    call.putLong(a5);
    return invoker.invokeInt(prctl, call);
  }

  /** capget/capset, _LINUX_CAPABILITY_VERSION_3: header {version, pid 0}, data 2 x {effective, permitted, inheritable}. */
  @Override
  public int capget(int[] data) {
    return capability(capget, data, ArrayFlags.OUT);
  }

  @Override
  public int capset(int[] data) {
    return capability(capset, data, ArrayFlags.IN);
  }

  private int capability(Function function, int[] data, int flags) {
    int[] header = {0x20080522, 0};
    HeapInvocationBuffer call = new HeapInvocationBuffer(function);
    call.putArray(header, 0, 2, ArrayFlags.IN | ArrayFlags.OUT);
    call.putArray(data, 0, 6, flags);
    return invoker.invokeInt(function, call);
  }

  /** syscall(seccomp, SECCOMP_SET_MODE_FILTER, flags, &sock_fprog); returns what the kernel did. */
  @Override
  public long seccompSetModeFilter(long number, long flags, long[] program) {
    MemoryIO memory = MemoryIO.getInstance();
    long filter = memory.allocateMemory(program.length * 8L, true);
    long fprog = memory.allocateMemory(16, true);
    try {
      for (int k = 0; k < program.length; k++) {
        memory.putLong(filter + 8L * k, program[k]);
      }
      memory.putShort(fprog, (short) program.length); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
      memory.putAddress(fprog + 8, filter);
      HeapInvocationBuffer call = new HeapInvocationBuffer(syscallPointer3);
      call.putLong(number);
      call.putLong(1); // SECCOMP_SET_MODE_FILTER
      call.putLong(flags);
      call.putAddress(fprog);
      return invoker.invokeLong(syscallPointer3, call);
    } finally {
      memory.freeMemory(fprog); // the kernel copied the program
      memory.freeMemory(filter);
    }
  }

  /** syscall(number) for a call without arguments that cannot fail (gettid). */
  @Override
  public long syscall0(long number) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(syscallPointer3);
    call.putLong(number);
    call.putLong(0);
    call.putLong(0);
    call.putAddress(0);
    return invoker.invokeLong(syscallPointer3, call);
  }

  @Override
  public long syscall2(long number, long a1, long a2) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(syscallPointer3);
    call.putLong(number);
    call.putLong(a1);
    call.putLong(a2);
    call.putAddress(0);
    return invoker.invokeLong(syscallPointer3, call);
  }

  /** syscall(getdents64, fd, buffer, size). */
  @Override
  public long getdents64(long number, int fd, byte[] buffer) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(syscallPointer2);
    call.putLong(number);
    call.putLong(fd);
    call.putArray(buffer, 0, buffer.length, ArrayFlags.OUT);
    call.putLong(buffer.length);
    return invoker.invokeLong(syscallPointer2, call);
  }

  /** The NUL-terminated name at {@code offset} in {@code names}, its NUL included, as a C string argument. */
  private static void putName(HeapInvocationBuffer call, byte[] names, int offset) {
    int end = offset;
    while (names[end] != 0) {
      end++;
    }
    call.putArray(names, offset, end - offset + 1, ArrayFlags.IN);
  }

  /** True if libc has statx(2). */
  @Override
  public boolean hasStatx() {
    return statx != null;
  }

  /**
   * statx(fd, "", AT_EMPTY_PATH, mask, buffer): the file the descriptor holds. struct statx has
   * the same layout on every architecture (256 bytes), unlike struct stat.
   */
  @Override
  public int fstatx(int fd, int mask, byte[] buffer) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(statx);
    call.putInt(fd);
    call.putArray(EMPTY_PATH, 0, EMPTY_PATH.length, ArrayFlags.IN);
    call.putInt(0x1000); // AT_EMPTY_PATH
    call.putInt(mask);
    call.putArray(buffer, 0, buffer.length, ArrayFlags.OUT);
    return invoker.invokeInt(statx, call);
  }

  /** statx(dirfd, path, flags, mask, buffer): what path names relative to the open directory dirfd. */
  @Override
  public int statxAt(int dirfd, String path, int flags, int mask, byte[] buffer) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(statx);
    call.putInt(dirfd);
    putString(call, path);
    call.putInt(flags);
    call.putInt(mask);
    call.putArray(buffer, 0, buffer.length, ArrayFlags.OUT);
    return invoker.invokeInt(statx, call);
  }

  @Override
  public int statxAt(int dirfd, byte[] names, int offset, int flags, int mask, byte[] buffer) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(statx);
    call.putInt(dirfd);
    putName(call, names, offset);
    call.putInt(flags);
    call.putInt(mask);
    call.putArray(buffer, 0, buffer.length, ArrayFlags.OUT);
    return invoker.invokeInt(statx, call);
  }

  /**
   * The walk's buffers outside the heap, for its whole length: each getdents64 and statx is then a
   * call with numbers only (jffi's invokeN, no invocation buffer, no array pinned or copied by the
   * call), and the listing and each status are copied into the arrays once, by one call each.
   * Names are passed as addresses into the native listing, as the kernel wrote them.
   */
  @Override
  public DirectoryReader directoryReader(long getdentsNumber, byte[] entries, byte[] statxFields) {
    MemoryIO memory = MemoryIO.getInstance();
    long listing = memory.allocateMemory(entries.length, false);
    long status = memory.allocateMemory(statxFields.length, false);
    if (listing == 0 || status == 0) {
      memory.freeMemory(listing);
      memory.freeMemory(status);
      throw new OutOfMemoryError("confine: no native memory for the walk's " + entries.length + "-byte directory buffer");
    }
    return new DirectoryReader() {
      @Override
      public long list(int fd) {
        long n = invoker.invokeN4(syscallPointer2.getCallContext(), syscallPointer2.getFunctionAddress(), getdentsNumber, fd, listing, entries.length);
        if (n > 0) {
          memory.getByteArray(listing, entries, 0, (int) n);
        }
        return n;
      }

      @Override
      public int statx(int dirfd, int nameOffset, int flags, int mask) {
        int result = (int) invoker.invokeN5(statx.getCallContext(), statx.getFunctionAddress(), dirfd, listing + nameOffset, flags, mask, status);
        if (result == 0) {
          memory.getByteArray(status, statxFields, 0, statxFields.length);
        }
        return result;
      }

      @Override
      public void close() {
        memory.freeMemory(listing);
        memory.freeMemory(status);
      }
    };
  }

  /** True if libc has lgetxattr(2). */
  @Override
  public boolean hasXattr() {
    return lgetxattr != null;
  }

  /**
   * lgetxattr(path, name, buffer, size): the value's length, or -1 with errno. {@code name} is
   * NUL-terminated already: preflight calls this once or twice per entry of the jail.
   */
  @Override
  public long lgetxattr(String path, byte[] nameZ, byte[] buffer) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(lgetxattr);
    putString(call, path);
    call.putArray(nameZ, 0, nameZ.length, ArrayFlags.IN);
    call.putArray(buffer, 0, buffer.length, ArrayFlags.OUT);
    call.putLong(buffer.length);
    return invoker.invokeLong(lgetxattr, call);
  }

  /** "": one NUL byte. */
  private static final byte[] EMPTY_PATH = {0};

  @Override
  public long read(int fd, byte[] buffer) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(read);
    call.putInt(fd);
    call.putArray(buffer, 0, buffer.length, ArrayFlags.OUT);
    call.putLong(buffer.length);
    return invoker.invokeLong(read, call);
  }

  @Override
  public long lseek(int fd, long offset, int whence) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(lseek);
    call.putInt(fd);
    call.putLong(offset);
    call.putInt(whence);
    return invoker.invokeLong(lseek, call);
  }

  private static Function function(Library library, String name, Type returns, Type... parameters) {
    long address = library.getSymbolAddress(name);
    if (address == 0) {
      throw new UnsatisfiedLinkError("libc has no " + name + ": " + Library.getLastError());
    }
    return new Function(address, returns, parameters, CallingConvention.DEFAULT, true);
  }

  /** errno as the last call on this thread left it. */
  @Override
  public String name() {
    return "jffi";
  }

  @Override
  public int errno() {
    return LastError.getInstance().get();
  }

  @Override
  public int getresuid(int[] ruid, int[] euid, int[] suid) {
    return threeOut(getresuid, ruid, euid, suid);
  }

  @Override
  public int getresgid(int[] rgid, int[] egid, int[] sgid) {
    return threeOut(getresgid, rgid, egid, sgid);
  }

  private int threeOut(Function function, int[] a, int[] b, int[] c) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(function);
    call.putArray(a, 0, 1, ArrayFlags.OUT);
    call.putArray(b, 0, 1, ArrayFlags.OUT);
    call.putArray(c, 0, 1, ArrayFlags.OUT);
    return invoker.invokeInt(function, call);
  }

  @Override
  public int getgroups(int size, int[] list) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(getgroups);
    call.putInt(size);
    if (size == 0) {
      call.putAddress(0);
    } else {
      call.putArray(list, 0, size, ArrayFlags.OUT);
    }
    return invoker.invokeInt(getgroups, call);
  }

  @Override
  public int setgroups(int[] list) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(setgroups);
    call.putLong(list.length);
    if (list.length == 0) {
      call.putAddress(0);
    } else {
      call.putArray(list, 0, list.length, ArrayFlags.IN);
    }
    return invoker.invokeInt(setgroups, call);
  }

  @Override
  public int setresuid(int ruid, int euid, int suid) {
    return threeInts(setresuid, ruid, euid, suid);
  }

  @Override
  public int setresgid(int rgid, int egid, int sgid) {
    return threeInts(setresgid, rgid, egid, sgid);
  }

  private int threeInts(Function function, int a, int b, int c) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(function);
    call.putInt(a);
    call.putInt(b);
    call.putInt(c);
    return invoker.invokeInt(function, call);
  }

  @Override
  public int fchdir(int fd) {
    return oneInt(fchdir, fd);
  }

  @Override
  public int close(int fd) {
    return oneInt(close, fd);
  }

  @Override
  public int umask(int mask) {
    return oneInt(umask, mask);
  }

  private int oneInt(Function function, int a) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(function);
    call.putInt(a);
    return invoker.invokeInt(function, call);
  }

  @Override
  public int chdir(String path) {
    return oneString(chdir, path);
  }

  @Override
  public int chroot(String path) {
    return oneString(chroot, path);
  }

  private int oneString(Function function, String s) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(function);
    putString(call, s);
    return invoker.invokeInt(function, call);
  }

  @Override
  public int open(String path, int flags) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(open);
    putString(call, path);
    call.putInt(flags);
    return invoker.invokeInt(open, call);
  }

  @Override
  public int openat(int dirfd, String path, int flags) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(openat);
    call.putInt(dirfd);
    putString(call, path);
    call.putInt(flags);
    return invoker.invokeInt(openat, call);
  }

  @Override
  public int openat(int dirfd, byte[] names, int offset, int flags) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(openat);
    call.putInt(dirfd);
    putName(call, names, offset);
    call.putInt(flags);
    return invoker.invokeInt(openat, call);
  }

  /** The working directory, or empty if getcwd failed (errno says why). */
  @Override
  public Optional<String> getcwd() {
    byte[] buffer = new byte[4097];
    HeapInvocationBuffer call = new HeapInvocationBuffer(getcwd);
    call.putArray(buffer, 0, 4096, ArrayFlags.OUT);
    call.putLong(4096);
    if (invoker.invokeAddress(getcwd, call) == 0) {
      return Optional.empty();
    }
    int length = 0;
    while (buffer[length] != 0) {
      length++;
    }
    return Optional.of(new String(buffer, 0, length, StandardCharsets.UTF_8));
  }

  @Override
  public void openlog(String ident, int option, int facility) {
    byte[] bytes = bytes(ident);
    MemoryIO memory = MemoryIO.getInstance();
    long copy = memory.allocateMemory(bytes.length + 1, true);
    memory.putByteArray(copy, bytes, 0, bytes.length);
    syslogIdent = copy;
    HeapInvocationBuffer call = new HeapInvocationBuffer(openlog);
    call.putAddress(copy);
    call.putInt(option);
    call.putInt(facility);
    invoker.invokeInt(openlog, call);
  }

  /** syslog(priority, "%s", message): the message is never a format. */
  @Override
  public void syslog(int priority, String message) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(syslog);
    call.putInt(priority);
    putString(call, "%s");
    putString(call, message);
    invoker.invokeInt(syslog, call);
  }

  @Override
  public int socket(int domain, int type, int protocol) {
    return threeInts(socket, domain, type, protocol);
  }

  @Override
  public int getsockopt(int fd, int level, int name, byte[] value) {
    int[] length = {value.length};
    HeapInvocationBuffer call = new HeapInvocationBuffer(getsockopt);
    call.putInt(fd);
    call.putInt(level);
    call.putInt(name);
    call.putArray(value, 0, value.length, ArrayFlags.OUT);
    call.putArray(length, 0, 1, ArrayFlags.IN | ArrayFlags.OUT);
    int r = invoker.invokeInt(getsockopt, call);
    return r < 0 ? r : length[0];
  }

  @Override
  public int connect(int fd, byte[] address) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(connect);
    call.putInt(fd);
    call.putArray(address, 0, address.length, ArrayFlags.IN);
    call.putInt(address.length);
    return invoker.invokeInt(connect, call);
  }

  @Override
  public long sendto(int fd, byte[] buffer, int flags) {
    HeapInvocationBuffer call = new HeapInvocationBuffer(sendto);
    call.putInt(fd);
    call.putArray(buffer, 0, buffer.length, ArrayFlags.IN);
    call.putLong(buffer.length);
    call.putInt(flags);
    call.putAddress(0);
    call.putInt(0);
    return invoker.invokeLong(sendto, call);
  }

  @Override
  public PasswdResult getpwnam(String name, int bufferSize) {
    return passwd(getpwnamR, name, 0, bufferSize);
  }

  @Override
  public PasswdResult getpwuid(int uid, int bufferSize) {
    return passwd(getpwuidR, null, uid, bufferSize);
  }

  private PasswdResult passwd(Function function, String name, int uid, int bufferSize) {
    // The struct and its strings must be native memory: pw_name points into the buffer.
    // struct passwd starts with pw_name, pw_passwd, pw_uid, pw_gid on Linux (64-bit: 8, 8, 4, 4).
    MemoryIO memory = MemoryIO.getInstance();
    long pwd = memory.allocateMemory(128, true);
    long buffer = memory.allocateMemory(bufferSize, false);
    try {
      long[] result = new long[1];
      HeapInvocationBuffer call = new HeapInvocationBuffer(function);
      if (name != null) {
        putString(call, name);
      } else {
        call.putInt(uid);
      }
      call.putAddress(pwd);
      call.putAddress(buffer);
      call.putLong(bufferSize);
      call.putArray(result, 0, 1, ArrayFlags.OUT);
      int status = invoker.invokeInt(function, call);
      if (status != 0 || result[0] == 0) {
        return new PasswdResult(status, Optional.empty());
      }
      String found = new String(memory.getZeroTerminatedByteArray(memory.getAddress(pwd), 1024), StandardCharsets.UTF_8);
      long foundUid = Integer.toUnsignedLong(memory.getInt(pwd + 16));
      long foundGid = Integer.toUnsignedLong(memory.getInt(pwd + 20));
      return new PasswdResult(0, Optional.of(new PasswdEntry(found, foundUid, foundGid)));
    } finally {
      memory.freeMemory(buffer);
      memory.freeMemory(pwd);
    }
  }

  private static void putString(HeapInvocationBuffer call, String s) {
    byte[] bytes = bytes(s);
    call.putArray(bytes, 0, bytes.length, IN_STRING);
  }

  private static byte[] bytes(String s) {
    if (s.indexOf('\0') >= 0) {
      // C would read only up to the NUL: a different string than the one checked.
      throw new IllegalArgumentException("a NUL character in " + s.replace('\0', '?'));
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
