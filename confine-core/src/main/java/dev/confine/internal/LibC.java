package dev.confine.internal;

import java.util.Optional;

/**
 * The libc calls NativeKernel makes, as C has them: an int or long result, -1 (or a documented
 * error result) with {@link #errno()} set on failure, read at once on the same thread. Two
 * bindings: {@link DirectLibC} (jffi, Java 17+) and {@code FfmLibC} (java.lang.foreign, Java 22+,
 * in the jar's META-INF/versions/22). Buffers are Java arrays, copied in and out by the binding.
 */
interface LibC {
  /** What a getpw*_r call returned: its status, and the entry if one was found. */
  final class PasswdResult {
    final int status;
    final Optional<PasswdEntry> entry;

    PasswdResult(int status, Optional<PasswdEntry> entry) {
      this.status = status;
      this.entry = entry;
    }
  }

  /** "jffi" or "FFM (java.lang.foreign)": what the report says ran. */
  String name();

  /** errno as the last call on this thread left it. */
  int errno();

  boolean hasLinuxCalls();

  boolean hasStatx();

  boolean hasXattr();

  int prctl(int option, long a2, long a3, long a4, long a5);

  /** capget(2), _LINUX_CAPABILITY_VERSION_3, this thread: data 2 x {effective, permitted, inheritable}. */
  int capget(int[] data);

  int capset(int[] data);

  /** syscall(seccomp, SECCOMP_SET_MODE_FILTER, flags, &sock_fprog). */
  long seccompSetModeFilter(long number, long flags, long[] program);

  /** syscall(number) for a call without arguments that cannot fail (gettid). */
  long syscall0(long number);

  /** syscall(number, a1, a2) for a call whose arguments are numbers (ioctl without an argument). */
  long syscall2(long number, long a1, long a2);

  long getdents64(long number, int fd, byte[] buffer);

  /** statx(fd, "", AT_EMPTY_PATH, mask, buffer). */
  int fstatx(int fd, int mask, byte[] buffer);

  int statxAt(int dirfd, String path, int flags, int mask, byte[] buffer);

  /**
   * statx(dirfd, name, flags, mask, buffer) with the name as the bytes from {@code offset} up to
   * the next NUL of {@code names}: a getdents64 record's name, passed as the kernel gave it (no
   * String per entry, and a name that is not UTF-8 still names its file).
   */
  int statxAt(int dirfd, byte[] names, int offset, int flags, int mask, byte[] buffer);

  /**
   * The walk's two calls, getdents64 of a directory into {@code entries} and statx of a name in
   * it into {@code statx}, through buffers the binding may keep for the whole walk: jffi's calls
   * with array arguments build an invocation buffer and pin or copy each array per call, which was
   * most of a 100,000-entry walk's cost beyond find's (issue 28). By default, the array calls.
   */
  default DirectoryReader directoryReader(long getdentsNumber, byte[] entries, byte[] statx) {
    return new DirectoryReader() {
      @Override
      public long list(int fd) {
        return getdents64(getdentsNumber, fd, entries);
      }

      @Override
      public int statx(int dirfd, int nameOffset, int flags, int mask) {
        return statxAt(dirfd, entries, nameOffset, flags, mask, statx);
      }

      @Override
      public void close() {}
    };
  }

  /** What {@link #directoryReader} gives: used by one thread, closed after the walk. */
  interface DirectoryReader extends AutoCloseable {
    /** getdents64(fd) into the entries array: the bytes listed, 0 at the end, -1 with errno. */
    long list(int fd);

    /**
     * statx(dirfd, name, flags, mask) into the statx array, the name being the NUL-terminated
     * bytes at {@code nameOffset} of the last listing: 0, or -1 with errno.
     */
    int statx(int dirfd, int nameOffset, int flags, int mask);

    @Override
    void close();
  }

  /** lgetxattr(path, name, buffer, size); {@code nameZ} is NUL-terminated. */
  long lgetxattr(String path, byte[] nameZ, byte[] buffer);

  long read(int fd, byte[] buffer);

  long lseek(int fd, long offset, int whence);

  int getresuid(int[] ruid, int[] euid, int[] suid);

  int getresgid(int[] rgid, int[] egid, int[] sgid);

  int getgroups(int size, int[] list);

  /** glibc's setgroups: applied to every thread of the process. */
  int setgroups(int[] list);

  /** glibc's setresuid: applied to every thread of the process (its setxid broadcast). */
  int setresuid(int ruid, int euid, int suid);

  int setresgid(int rgid, int egid, int sgid);

  int fchdir(int fd);

  int close(int fd);

  int umask(int mask);

  int chdir(String path);

  int chroot(String path);

  int open(String path, int flags);

  int openat(int dirfd, String path, int flags);

  /**
   * openat(dirfd, name, flags) with the name as the bytes from {@code offset} up to the next NUL
   * of {@code names}: a path built as bytes ("4242/status"), no String per thread of thousands.
   */
  int openat(int dirfd, byte[] names, int offset, int flags);

  /** glibc's getcwd: empty (errno ENOENT) for a directory outside the root. */
  Optional<String> getcwd();

  /** openlog(3) keeps the ident pointer: the binding keeps the memory for good. */
  void openlog(String ident, int option, int facility);

  /** syslog(priority, "%s", message). */
  void syslog(int priority, String message);

  /** socket(2). */
  int socket(int domain, int type, int protocol);

  /** connect(fd, address, address.length): {@code address} is the whole struct sockaddr_un, as long as it counts. */
  int connect(int fd, byte[] address);

  /** sendto(fd, buffer, buffer.length, flags, NULL, 0): through a connected socket. */
  long sendto(int fd, byte[] buffer, int flags);

  /**
   * getsockopt(fd, level, name, value, &length) with length value.length on entry: the length
   * the kernel wrote, or -1 with errno.
   */
  int getsockopt(int fd, int level, int name, byte[] value);

  PasswdResult getpwnam(String name, int bufferSize);

  PasswdResult getpwuid(int uid, int bufferSize);
}
