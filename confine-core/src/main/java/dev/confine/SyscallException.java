package dev.confine;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A system call failed: which one, with which arguments, the errno, and a hint at the cause. */
public final class SyscallException extends ConfinementException {
  private static final long serialVersionUID = 1L;

  private final Syscall syscall;
  private final List<String> arguments;
  private final int errno;
  private final String errnoName;
  private final String hint;

  /** {@code cause}: the exception the errno was read from (an NIO one, for the reads preflight makes), or null. */
  SyscallException(
      Syscall syscall,
      List<String> arguments,
      int errno,
      String errnoName,
      String errnoText,
      String hint,
      boolean pastPointOfNoReturn,
      Throwable cause) {
    super(
        syscall.cName()
            + String.join(", ", arguments).transform(a -> "(" + a + ")")
            + " failed: "
            + errnoName
            + " ("
            + errnoText
            + ")"
            + (hint.isEmpty() ? "" : ". " + hint),
        pastPointOfNoReturn,
        cause);
    this.syscall = requireNonNull(syscall, "syscall");
    this.arguments = List.copyOf(arguments);
    this.errno = errno;
    this.errnoName = requireNonNull(errnoName, "errnoName");
    this.hint = requireNonNull(hint, "hint");
  }

  public Syscall syscall() {
    return syscall;
  }

  /** The arguments as they were passed, rendered as text. */
  public List<String> arguments() {
    return arguments;
  }

  /** The errno value on this platform. */
  public int errno() {
    return errno;
  }

  /** The errno's symbolic name, such as {@code "EPERM"}. */
  public String errnoName() {
    return errnoName;
  }

  /** What most likely caused it and what to do; may be empty. */
  public String hint() {
    return hint;
  }
}
