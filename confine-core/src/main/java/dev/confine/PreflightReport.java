package dev.confine;

import java.util.List;
import java.util.stream.Collectors;

/** What preflight found, ordered by severity (errors first). Changes nothing when made. */
public final class PreflightReport {
  private final List<Finding> findings;

  public PreflightReport(List<Finding> findings) {
    this.findings =
        findings.stream()
            .sorted((a, b) -> a.severity().compareTo(b.severity()))
            .collect(Collectors.toUnmodifiableList());
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
    return findings.stream()
        .filter(f -> f.severity() == severity)
        .collect(Collectors.toUnmodifiableList());
  }

  public boolean hasErrors() {
    return !errors().isEmpty();
  }

  /** True if any finding carries this code. */
  public boolean has(String code) {
    return findings.stream().anyMatch(f -> f.code().equals(code));
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
