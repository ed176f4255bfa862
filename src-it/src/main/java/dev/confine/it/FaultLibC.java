package dev.confine.it;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The calls the fault children (issue 26) make beside confine's own binding, which has no call for
 * a filter in one thread only, a signal handler, or seccomp's user notification: a test's tools,
 * not confine's. Addresses are passed as longs (x86_64 and aarch64: 64-bit pointers).
 */
@SaveError
public interface FaultLibC {
  int PR_SET_SECCOMP = 22;
  int SECCOMP_MODE_FILTER = 2;
  int SIGABRT = 6;

  /** prctl(2); for PR_SET_SECCOMP the filter goes on the calling thread only (no TSYNC). */
  int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  /** sigaction(2) through glibc: {@code act} and {@code oldact} are addresses of glibc's struct sigaction. */
  int sigaction(int signal, long act, long oldact);

  /** syscall(2), all six arguments passed (see AttackLibC.syscall). */
  long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

  int ioctl(int fd, long request, long argument);

  int close(int fd);

  int pthread_sigmask(int how, long set, long oldset);

  int pthread_create(long[] thread, long attributes, long start, long argument);

  int sigfillset(long set);

  static FaultLibC load() {
    return LibraryLoader.create(FaultLibC.class).load("c");
  }

  /** Native memory, zeroed, that lives as long as the returned pointer is reachable. */
  static Pointer allocate(FaultLibC libc, int size) {
    return Memory.allocateDirect(Runtime.getRuntime(libc), size, true);
  }

  /** The address of a function of glibc, to hand to it as a handler or a thread's start routine. */
  static long function(String name) {
    long address = com.kenai.jffi.Library.getCachedInstance("libc.so.6", com.kenai.jffi.Library.LAZY).getSymbolAddress(name);
    if (address == 0) {
      throw new IllegalStateException("no " + name + " in libc.so.6");
    }
    return address;
  }

  /**
   * Starts a native thread that blocks every signal, glibc's SIGSETXID (33) included, which only the
   * raw rt_sigprocmask(2) can do (glibc's wrappers leave it open), so that glibc's set*id broadcast
   * waits for that thread's answer. The new thread inherits the caller's mask: block, create,
   * restore. Returns the number of threads that block SIGSETXID, read from /proc/self/task.
   */
  static int startSetxidBlockingThread(FaultLibC libc, dev.confine.internal.linux.LinuxArch arch) {
    long rtSigprocmask = arch == dev.confine.internal.linux.LinuxArch.X86_64 ? 14 : 135;
    Pointer all = allocate(libc, 8);
    all.putLong(0, -1L);
    Pointer old = allocate(libc, 8);
    if (libc.syscall(rtSigprocmask, 0 /* SIG_BLOCK */, all.address(), old.address(), 8, 0, 0) != 0) {
      throw new IllegalStateException("rt_sigprocmask failed");
    }
    long[] thread = new long[1];
    int r = libc.pthread_create(thread, 0, function("pause"), 0);
    libc.syscall(rtSigprocmask, 2 /* SIG_SETMASK */, old.address(), 0, 8, 0, 0);
    if (r != 0) {
      throw new IllegalStateException("pthread_create: " + r);
    }
    int blocking = 0;
    try (java.nio.file.DirectoryStream<java.nio.file.Path> tasks = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path task : tasks) {
        for (String line : java.nio.file.Files.readAllLines(task.resolve("status"))) {
          if (line.startsWith("SigBlk:") && (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 32)) != 0) {
            blocking++;
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return blocking;
  }

  /**
   * The sock_fprog for {@code program} (struct sock_filter packed as SeccompFilter packs it), in
   * memory the caller keeps reachable until the filter is installed.
   */
  static Pointer[] fprog(FaultLibC libc, long[] program) {
    Pointer filter = allocate(libc, program.length * 8);
    for (int i = 0; i < program.length; i++) {
      filter.putLong(8L * i, program[i]);
    }
    Pointer fprog = allocate(libc, 16);
    fprog.putShort(0, (short) program.length);
    fprog.putAddress(8, filter.address());
    return new Pointer[] {fprog, filter};
  }
}
