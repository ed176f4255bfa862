package dev.confine;

/**
 * The system calls confine makes, by name. A {@link Step} names one, a {@link SyscallException}
 * names the one that failed, and the test kit's fake kernel can be told to fail any of them.
 */
public enum Syscall {
  OPENLOG("openlog"),
  UMASK("umask"),
  OPEN("open"),
  FCHDIR("fchdir"),
  CHROOT("chroot"),
  CHDIR("chdir"),
  CLOSE("close"),
  SETGROUPS("setgroups"),
  SETRESGID("setresgid"),
  SETRESUID("setresuid"),
  GETRESUID("getresuid"),
  GETRESGID("getresgid"),
  GETGROUPS("getgroups"),
  SETUID("setuid"),
  SETGID("setgid"),
  GETCWD("getcwd"),
  GETPWNAM("getpwnam_r"),
  GETPWUID("getpwuid_r");

  private final String cName;

  Syscall(String cName) {
    this.cName = cName;
  }

  /** The name of the C function, as in its manual page: {@code "setresuid"}. */
  public String cName() {
    return cName;
  }
}
