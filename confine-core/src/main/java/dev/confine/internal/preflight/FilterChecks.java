package dev.confine.internal.preflight;

import static dev.confine.Severity.INFO;
import static dev.confine.Severity.WARNING;

import dev.confine.Finding;
import java.util.List;

/** What the policy takes out of the baseline seccomp filter, said before apply() as the report says it after. */
final class FilterChecks {
  /** The code of the finding: the baseline filter is off, or entries were taken out of it. */
  static final String BASELINE = "baseline-filter";

  private FilterChecks() {}

  static void baseline(PreflightContext context, List<Finding> findings) {
    if (!context.policy.baselineFilter()) {
      findings.add(
          new Finding(
              WARNING,
              BASELINE,
              "the baseline seccomp filter is off (noBaselineFilter())",
              "Without it the confined process can read and rewrite root's session keyring (keyctl), setns into namespaces"
                  + " another process of its uid holds, push input into a root shell's terminal (TIOCSTI), ptrace same-uid"
                  + " processes and make every other call of the baseline.",
              "Keep the baseline, and take out only the entries the server needs with allowSyscalls(...)."));
    } else if (!context.policy.allowedSyscalls().isEmpty()) {
      findings.add(
          new Finding(
              INFO,
              BASELINE,
              "taken out of the baseline seccomp filter by allowSyscalls(): " + String.join(", ", context.policy.allowedSyscalls()),
              "The confined process may make these calls; the rest of the baseline (" + context.policy.baselineEntries().size()
                  + " entries) is refused in every thread.",
              "Nothing, if the server needs them."));
    }
  }
}
