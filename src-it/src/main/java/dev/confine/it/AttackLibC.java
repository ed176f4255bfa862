package dev.confine.it;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The calls an attacker inside the jail would make, bound by the child program itself: confine's
 * own LibC binds only what confine needs, and an attacker is not limited to that.
 */
@SaveError
public interface AttackLibC {
  int open(String path, int flags);

  int openat(int dirfd, String path, int flags);

  @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);

  int close(int fd);

  int fchdir(int fd);

  int chdir(String path);

  int chroot(String path);

  int mkdir(String path, int mode);

  int setuid(int uid);

  int seteuid(int uid);

  int setresuid(int ruid, int euid, int suid);

  int setgid(int gid);

  int setegid(int gid);

  int setresgid(int rgid, int egid, int sgid);

  int setgroups(@size_t long size, @In int[] list);

  /** Returns the previous fsuid, never an error: the result alone proves nothing. */
  int setfsuid(int fsuid);

  int setfsgid(int fsgid);

  int getresuid(@Out int[] ruid, @Out int[] euid, @Out int[] suid);

  int kill(int pid, int signal);

  long ptrace(long request, long pid, Pointer addr, Pointer data);

  int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

  int posix_spawn(@Out int[] pid, String path, Pointer fileActions, Pointer attributes, Pointer argv, Pointer envp);

  int waitpid(int pid, @Out int[] status, int options);

  /**
   * syscall(2): any call by number, unused arguments 0; -1 and errno on failure. All six
   * arguments are passed: glibc's syscall() hands the kernel a sixth one from the stack, and with
   * five here it was garbage (process_madvise and open_tree_attr then failed with EINVAL).
   */
  long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

  int socket(int domain, int type, int protocol);

  int socketpair(int domain, int type, int protocol, @Out int[] sv);

  @ssize_t long sendmsg(int fd, Pointer msg, int flags);

  @ssize_t long recvmsg(int fd, Pointer msg, int flags);

  int chmod(String path, int mode);

  /** setxattr(2): the test JVM writes POSIX ACLs with it (no setfacl needed). */
  int setxattr(String path, String name, @In byte[] value, @size_t long size, int flags);

  int prctl(int option, long a2, long a3, long a4, long a5);

  /** Binds libc. */
  static AttackLibC load() {
    return LibraryLoader.create(AttackLibC.class).load("c");
  }

  /** The errno of the last call on this thread, as a name ("EPERM"). */
  static String lastErrno(AttackLibC libc) {
    int errno = LastError.getLastError(Runtime.getRuntime(libc));
    jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
    return e == null || e.name().startsWith("__UNKNOWN") ? "errno" + errno : e.name();
  }

  /**
   * The first line of a file opened read-only relative to dirfd ("CONTENT ..."), or the errno
   * name of the failure: what a probe reports so the parent can tell a read from a refusal.
   */
  static String readAt(AttackLibC libc, int dirfd, String path) {
    int fd = libc.openat(dirfd, path, jnr.constants.platform.OpenFlags.O_RDONLY.intValue());
    if (fd < 0) {
      return lastErrno(libc);
    }
    try {
      byte[] buf = new byte[256];
      long n = libc.read(fd, buf, buf.length);
      if (n < 0) {
        return "read " + lastErrno(libc);
      }
      String text = new String(buf, 0, (int) n, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
      int newline = text.indexOf('\n');
      return "CONTENT " + (newline >= 0 ? text.substring(0, newline) : text).trim();
    } finally {
      libc.close(fd);
    }
  }
}
