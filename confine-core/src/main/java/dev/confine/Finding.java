package dev.confine;

import static java.util.Objects.requireNonNull;

/**
 * One thing preflight found: how much it matters, what was found, why it matters, and how to fix
 * it. The code is stable ({@code "open-directory-fd"}) so tools can match on it.
 */
public final class Finding {
  private final Severity severity;
  private final String code;
  private final String message;
  private final String why;
  private final String fix;

  public Finding(Severity severity, String code, String message, String why, String fix) {
    this.severity = requireNonNull(severity, "severity");
    this.code = requireNonNull(code, "code");
    this.message = requireNonNull(message, "message");
    this.why = requireNonNull(why, "why");
    this.fix = requireNonNull(fix, "fix");
  }

  public Severity severity() {
    return severity;
  }

  public String code() {
    return code;
  }

  /** What was found, with the values: "fd 7 is an open directory (/etc) outside the new root". */
  public String message() {
    return message;
  }

  /** Why it matters. */
  public String why() {
    return why;
  }

  /** What to do about it. */
  public String fix() {
    return fix;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Finding
        && ((Finding) other).severity == severity
        && ((Finding) other).code.equals(code)
        && ((Finding) other).message.equals(message);
  }

  @Override
  public int hashCode() {
    return severity.hashCode() * 31 * 31 + code.hashCode() * 31 + message.hashCode();
  }

  @Override
  public String toString() {
    return severity + " [" + code + "] " + message + ". " + why + " " + fix;
  }
}
