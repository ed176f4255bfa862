package dev.confine.internal;

import java.util.List;

/** A system call returned an error. Checked, so no caller can forget one. */
public final class ErrnoException extends Exception {
  private static final long serialVersionUID = 1L;

  private final dev.confine.Syscall syscall;
  private final List<String> arguments;
  private final int errno;

  public ErrnoException(dev.confine.Syscall syscall, List<String> arguments, int errno) {
    super(syscall.cName() + "(" + String.join(", ", arguments) + "): " + dev.confine.internal.linux.Errno.name(errno) + " (" + dev.confine.internal.linux.Errno.text(errno) + ")");
    this.syscall = syscall;
    this.arguments = List.copyOf(arguments);
    this.errno = errno;
  }

  public dev.confine.Syscall syscall() {
    return syscall;
  }

  public List<String> arguments() {
    return arguments;
  }

  public int errno() {
    return errno;
  }

  public String errnoName() {
    return dev.confine.internal.linux.Errno.name(errno);
  }

  public boolean is(int which) {
    return errno == which;
  }

  /** As the public exception, with a hint at the cause. */
  public dev.confine.SyscallException toSyscallException(String hint, boolean pastPointOfNoReturn) {
    return Internal.get().newSyscallException(this, hint, pastPointOfNoReturn);
  }
}
