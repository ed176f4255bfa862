package dev.confine.bench;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/**
 * The libc functions confine calls, bound through jnr-ffi's LibraryLoader: how confine bound libc
 * before it went to jffi directly. Kept here only so the benchmark can show what that costs a cold
 * JVM against confine's binding and jnr-posix's full POSIX.
 */
@SaveError
public interface JnrLibC {
  int getresuid(@Out int[] ruid, @Out int[] euid, @Out int[] suid);

  int getresgid(@Out int[] rgid, @Out int[] egid, @Out int[] sgid);

  int getgroups(int size, @Out int[] list);

  int setgroups(@size_t long size, @In int[] list);

  int setresuid(int ruid, int euid, int suid);

  int setresgid(int rgid, int egid, int sgid);

  int setuid(int uid);

  int setgid(int gid);

  int getpwnam_r(String name, Pointer pwd, Pointer buf, @size_t long buflen, PointerByReference result);

  int getpwuid_r(int uid, Pointer pwd, Pointer buf, @size_t long buflen, PointerByReference result);

  int open(String path, int flags);

  int openat(int dirfd, String path, int flags);

  int fchdir(int fd);

  int chdir(String path);

  int chroot(String path);

  int close(int fd);

  Pointer getcwd(Pointer buf, @size_t long size);

  int umask(int mask);

  void openlog(Pointer ident, int option, int facility);

  @Variadic(fixedCount = 2)
  void syslog(int priority, String format, String message);
}
