package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.confine.Finding;
import dev.confine.PreflightReport;
import java.util.List;
import java.util.stream.Collectors;

/** Picking findings out of a preflight report by code, for the tests that assert on them. */
public final class Findings {
  private Findings() {}

  /** The findings with this code, in the report's order. */
  public static List<Finding> withCode(PreflightReport report, String code) {
    return withCode(report.findings(), code);
  }

  public static List<Finding> withCode(List<Finding> findings, String code) {
    return findings.stream().filter(f -> f.code().equals(code)).collect(Collectors.toList());
  }

  /** The one finding with this code; fails, showing the report, if there are none or several. */
  public static Finding only(PreflightReport report, String code) {
    List<Finding> found = withCode(report, code);
    assertEquals(1, found.size(), code + " in\n" + report);
    return found.get(0);
  }

  public static Finding only(List<Finding> findings, String code) {
    List<Finding> found = withCode(findings, code);
    assertEquals(1, found.size(), code + " in " + findings);
    return found.get(0);
  }
}
