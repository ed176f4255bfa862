package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ConfinementReportTest {
  @Test
  void summaryAndToStringCarryTheFacts() {
    ConfinementReport report =
        new ConfinementReport(
            Path.of("/srv/jail"), Optional.of("nobody"), 65534, 65534, List.of(),
            List.of(new Step(Syscall.CHROOT, List.of("."), true, "x")),
            List.of("getresuid() = 65534 65534 65534"),
            new PreflightReport(List.of()),
            Map.of(Phase.TOTAL, Duration.ofMillis(12)),
            Map.of("classpath-jars", Duration.ofMillis(1)),
            List.of("user.dir still reads \"/home\""),
            ContainerView.of(1, 2, OptionalLong.of(1L << 30), OptionalLong.of(24L << 30)),
            Optional.empty(),
            Optional.empty(),
            List.of(Duration.ofMillis(3)));
    assertTrue(report.summary().startsWith("confined to /srv/jail as uid 65534 gid 65534 groups [] in 12.0 ms"), report.summary());
    String text = report.toString();
    assertTrue(text.contains("chroot(\".\")"), text);
    assertTrue(text.contains("getresuid() = 65534 65534 65534"), text);
    assertTrue(text.contains("classpath-jars=1.0"), text);
    assertTrue(text.contains("note: user.dir"), text);
    assertTrue(text.contains("container view: availableProcessors 1 -> 2, total memory 1073741824 -> 25769803776 bytes"), text);
    assertEquals(List.of(Duration.ofMillis(3)), report.stepTimes());
  }

  @Test
  void stepTimesAreNoneOrOnePerStep() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ConfinementReport(
                Path.of("/srv/jail"), Optional.empty(), 65534, 65534, List.of(),
                List.of(new Step(Syscall.CHROOT, List.of("."), true, "x")), List.of(), new PreflightReport(List.of()),
                Map.of(), Map.of(), List.of(), ContainerView.of(1, 1, OptionalLong.empty(), OptionalLong.empty()), Optional.empty(), Optional.empty(), List.of(Duration.ZERO, Duration.ZERO)));
    assertEquals("2 step times for 1 steps", e.getMessage());
  }
}
