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
        + report.errors().stream().map(PreflightException::line).collect(Collectors.joining());
  }

  /**
   * One error on its own line, its three parts marked: the message is read in logs, where what
   * was found, why it matters and the fix would otherwise run together into one sentence.
   */
  private static String line(Finding f) {
    return "\n  - " + f.severity() + " [" + f.code() + "] " + sentence(f.message()) + " Why: " + sentence(f.why()) + " Fix: "
        + sentence(f.fix());
  }

  /** The text ended by a full stop unless it already ends a sentence. */
  private static String sentence(String text) {
    String trimmed = text.strip();
    return trimmed.endsWith(".") || trimmed.endsWith("!") || trimmed.endsWith("?") ? trimmed : trimmed + ".";
  }

  /** All findings, errors and the rest. */
  public PreflightReport report() {
    return report;
  }
}
