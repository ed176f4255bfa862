package dev.confine;

/**
 * What confine does when a step past the point of no return fails: from chroot on, or from the
 * {@link ConfinementPolicy.Builder#denyExec()} filter right before it, the first irreversible step.
 */
public enum FailureMode {
  /**
   * Write the reason to standard error (and to syslog if it was opened), then halt the JVM at
   * once with exit status {@value #HALT_STATUS}, without running shutdown hooks: a process that
   * may still be root inside a half-made jail must not go on. The default.
   */
  HALT,
  /**
   * Throw a {@link ConfinementException} whose {@link ConfinementException#pastPointOfNoReturn()}
   * is true. For tests and for callers that halt the process themselves; the caller must not let
   * the process go on serving.
   */
  THROW;

  /** The exit status of {@link #HALT}: EX_OSERR from sysexits.h. */
  public static final int HALT_STATUS = 71;
}
