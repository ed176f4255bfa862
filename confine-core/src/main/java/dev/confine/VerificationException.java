package dev.confine;

/**
 * After the drop, a check of the process's state found it not as asked: an id, a group, the
 * working directory, or root could be regained. Always past the point of no return.
 */
public final class VerificationException extends ConfinementException {
  private static final long serialVersionUID = 1L;

  public VerificationException(String message) {
    super(message, true, null);
  }
}
