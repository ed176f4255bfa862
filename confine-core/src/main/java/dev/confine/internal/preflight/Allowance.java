package dev.confine.internal.preflight;

import dev.confine.Finding;
import dev.confine.Severity;

/** A finding the policy accepted knowingly: still reported, as INFO, saying which option allowed it. */
final class Allowance {
  private Allowance() {}

  static Finding allowed(Finding finding, String option) {
    return new Finding(
        Severity.INFO,
        finding.code(),
        finding.message() + " (allowed by " + option + ")",
        finding.why(),
        "Accepted knowingly with " + option + "; remove that option to make this " + finding.severity() + " again.");
  }
}
