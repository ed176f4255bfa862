package dev.confine;

/**
 * The operating system, the jail or the process's state did not allow the confinement asked for.
 * Caller mistakes (null, a relative path, uid 0) are reported at once as {@link
 * NullPointerException}, {@link IllegalArgumentException} or {@link IllegalStateException}
 * instead.
 */
public class ConfinementException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean pastPointOfNoReturn;

  public ConfinementException(String message) {
    this(message, false, null);
  }

  public ConfinementException(String message, boolean pastPointOfNoReturn, Throwable cause) {
    super(message, cause);
    this.pastPointOfNoReturn = pastPointOfNoReturn;
  }

  /**
   * True when the failure came after chroot: the process is no longer as it was and may still hold
   * root. Only seen with {@link FailureMode#THROW}; such a process must exit, not serve.
   */
  public boolean pastPointOfNoReturn() {
    return pastPointOfNoReturn;
  }
}
