package dev.confine.internal.preflight;

import dev.confine.Finding;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds findings, keeping at most {@link #LIMIT} per code and severity, then one summary: a jail
 * of 100k world-writable files gives a readable report, not 100k lines.
 */
final class Collector {
  static final int LIMIT = 20;

  private final List<Finding> findings;
  private final Map<String, Integer> counts = new LinkedHashMap<>();
  private final Map<String, Finding> firsts = new LinkedHashMap<>();

  Collector(List<Finding> findings) {
    this.findings = findings;
  }

  void add(Finding finding) {
    String key = finding.severity() + " " + finding.code();
    // get and put, not merge(key, 1, Integer::sum): a method reference spins a class on apply()'s cold path.
    Integer before = counts.get(key);
    int count = before == null ? 1 : before + 1;
    counts.put(key, count);
    firsts.putIfAbsent(key, finding);
    if (count <= LIMIT) {
      findings.add(finding);
    }
  }

  /** Adds one summary finding for each code that went over the limit. */
  void finish() {
    // A loop, not forEach with a lambda, which spins a class on apply()'s cold path.
    for (Map.Entry<String, Integer> entry : counts.entrySet()) {
      String key = entry.getKey();
      int count = entry.getValue();
      if (count > LIMIT) {
        Finding first = firsts.get(key);
        findings.add(
            new Finding(
                first.severity(),
                first.code(),
                (count - LIMIT) + " more entries like these (" + count + " in all; only the first " + LIMIT + " are listed)",
                first.why(),
                first.fix()));
      }
    }
  }
}
