package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreflightExceptionTest {
  @Test
  void eachErrorIsOneLineWithWhatWhyAndFixMarked() {
    PreflightReport report =
        new PreflightReport(
            List.of(
                new Finding(Severity.ERROR, "root-missing", "the root /x does not exist", "There is nothing to chroot into.",
                    "Create it (owned by root, mode 0755) before apply()."),
                new Finding(Severity.WARNING, "hard-link", "/x/a has 2 links", "Not listed.", "Not listed."),
                new Finding(Severity.ERROR, "setuid-file", "/x/bin/su is setuid (mode 4755, owner uid 0)",
                    "A setuid program runs as its owner", "chmod u-s /x/bin/su, or accept it knowingly with allowSetuidFiles(\"bin/su\")")));
    assertEquals(
        "preflight refused the confinement (2 errors):\n"
            + "  - ERROR [root-missing] the root /x does not exist. Why: There is nothing to chroot into."
            + " Fix: Create it (owned by root, mode 0755) before apply().\n"
            + "  - ERROR [setuid-file] /x/bin/su is setuid (mode 4755, owner uid 0). Why: A setuid program runs as its owner."
            + " Fix: chmod u-s /x/bin/su, or accept it knowingly with allowSetuidFiles(\"bin/su\").",
        new PreflightException(report).getMessage());
  }

  @Test
  void oneErrorIsSingular() {
    PreflightReport report = new PreflightReport(List.of(new Finding(Severity.ERROR, "c", "what", "why", "fix")));
    assertEquals("preflight refused the confinement (1 error):\n  - ERROR [c] what. Why: why. Fix: fix.",
        new PreflightException(report).getMessage());
  }
}
