package dev.confine;

import static java.util.Objects.requireNonNull;

import java.util.stream.Collectors;

/**
 * {@code apply()} refused to start: preflight found at least one {@link Severity#ERROR}. Nothing
 * irreversible was done; the message lists every error, not just the first.
 */
public final class PreflightException extends ConfinementException {
  private static final long serialVersionUID = 1L;

  private final transient PreflightReport report;

  public PreflightException(PreflightReport report) {
    super(message(requireNonNull(report, "report")));
    this.report = report;
  }

  private static String message(PreflightReport report) {
    return "preflight refused the confinement ("
        + report.errors().size()
        + " error"
        + (report.errors().size() == 1 ? "" : "s")
        + "):"
        + report.errors().stream()
            .map(f -> "\n  - [" + f.code() + "] " + f.message() + " " + f.why() + " " + f.fix())
            .collect(Collectors.joining());
  }

  /** All findings, errors and the rest. */
  public PreflightReport report() {
    return report;
  }
}
