package dev.confine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfinementReportTest {
  @Test
  void summaryAndToStringCarryTheFacts() {
    ConfinementReport report =
        new ConfinementReport(
            Path.of("/srv/jail"), Optional.of("nobody"), 65534, 65534, List.of(),
            List.of(Step.irreversible(Syscall.CHROOT, "x", ".")),
            List.of("getresuid() = 65534 65534 65534"),
            new PreflightReport(List.of()),
            Map.of(Phase.TOTAL, Duration.ofMillis(12)),
            Map.of("classpath-jars", Duration.ofMillis(1)),
            List.of("user.dir still reads \"/home\""),
            Optional.empty());
    assertTrue(report.summary().startsWith("confined to /srv/jail as uid 65534 gid 65534 groups [] in 12.0 ms"), report.summary());
    String text = report.toString();
    assertTrue(text.contains("chroot(\".\")"), text);
    assertTrue(text.contains("getresuid() = 65534 65534 65534"), text);
    assertTrue(text.contains("classpath-jars=1.0"), text);
    assertTrue(text.contains("note: user.dir"), text);
  }
}
