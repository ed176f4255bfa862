package dev.confine.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/**
 * The libc functions confine calls, and nothing else, through jnr-ffi. jnr-posix's full POSIX
 * costs a cold JVM hundreds of milliseconds to bind; even this small interface costs about 200 ms
 * of CPU (BENCHMARKS.md), so {@link NativeKernel} binds it only when a call not made through
 * {@link DirectLibC} (jffi directly, for apply()'s path) is first used. Ids are passed as int and
 * read back as unsigned.
 */
@SaveError
public interface LibC {
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
