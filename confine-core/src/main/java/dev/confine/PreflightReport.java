package dev.confine;

import java.util.ArrayList;
import java.util.List;

/** What preflight found, ordered by severity (errors first). Changes nothing when made. */
public final class PreflightReport {
  private final List<Finding> findings;

  public PreflightReport(List<Finding> findings) {
    // Loops, not a stream with lambdas: this runs on apply()'s cold path, where each lambda spins a
    // class. Severity by severity in declaration order, each in the order found: a stable sort.
    List<Finding> sorted = new ArrayList<>(findings.size());
    for (Severity severity : Severity.values()) {
      for (Finding finding : findings) {
        if (finding.severity() == severity) {
          sorted.add(finding);
        }
      }
    }
    this.findings = List.copyOf(sorted);
  }

  public List<Finding> findings() {
    return findings;
  }

  public List<Finding> errors() {
    return bySeverity(Severity.ERROR);
  }

  public List<Finding> warnings() {
    return bySeverity(Severity.WARNING);
  }

  public List<Finding> bySeverity(Severity severity) {
    List<Finding> of = new ArrayList<>();
    for (Finding finding : findings) {
      if (finding.severity() == severity) {
        of.add(finding);
      }
    }
    return List.copyOf(of);
  }

  public boolean hasErrors() {
    return !errors().isEmpty();
  }

  /** True if any finding carries this code. */
  public boolean has(String code) {
    for (Finding finding : findings) {
      if (finding.code().equals(code)) {
        return true;
      }
    }
    return false;
  }

  /** A readable table: severity, code, what, and the fix under it. */
  @Override
  public String toString() {
    if (findings.isEmpty()) {
      return "preflight: no findings";
    }
    int codeWidth = findings.stream().mapToInt(f -> f.code().length()).max().orElse(4);
    StringBuilder out = new StringBuilder();
    out.append(String.format("%-8s %-" + codeWidth + "s %s%n", "SEVERITY", "CODE", "FINDING"));
    for (Finding f : findings) {
      out.append(String.format("%-8s %-" + codeWidth + "s %s%n", f.severity(), f.code(), f.message()));
      String indent = " ".repeat(9 + codeWidth + 1);
      out.append(indent).append("why: ").append(f.why()).append(System.lineSeparator());
      out.append(indent).append("fix: ").append(f.fix()).append(System.lineSeparator());
    }
    out.append(
        String.format(
            "%d error(s), %d warning(s), %d info",
            errors().size(), warnings().size(), bySeverity(Severity.INFO).size()));
    return out.toString();
  }
}
