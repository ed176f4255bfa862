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
