package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.internal.ReportParts;
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
        new ReportParts()
            .root(Path.of("/srv/jail"))
            .userName(Optional.of("nobody"))
            .uid(65534)
            .gid(65534)
            .steps(List.of(new Step(Syscall.CHROOT, List.of("."), true, "x")))
            .stepTimes(List.of(Duration.ofMillis(3)))
            .verifications(List.of("getresuid() = 65534 65534 65534"))
            .preflight(new PreflightReport(List.of()))
            .phases(Map.of(Phase.TOTAL, Duration.ofMillis(12)))
            .preparations(Map.of("classpath-jars", Duration.ofMillis(1)))
            .notes(List.of("user.dir still reads \"/home\""))
            .containerView(ContainerView.of(1, 2, OptionalLong.of(1L << 30), OptionalLong.of(24L << 30)))
            .build();
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
            () -> minimal()
                .steps(List.of(new Step(Syscall.CHROOT, List.of("."), true, "x")))
                .stepTimes(List.of(Duration.ZERO, Duration.ZERO))
                .build());
    assertEquals("2 step times for 1 steps", e.getMessage());
  }

  @Test
  void aPartThatMustBeSetIsNamedWhenMissing() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> new ReportParts().root(Path.of("/srv/jail")).uid(1).gid(1).build());
    assertEquals("preflight", e.getMessage());
    e = assertThrows(NullPointerException.class, () -> new ReportParts().root(Path.of("/srv/jail")).uid(1).build());
    assertEquals("gid", e.getMessage());
  }

  /** The parts that must be set, and nothing else. */
  private static ReportParts minimal() {
    return new ReportParts()
        .root(Path.of("/srv/jail"))
        .uid(65534)
        .gid(65534)
        .preflight(new PreflightReport(List.of()))
        .containerView(ContainerView.of(1, 1, OptionalLong.empty(), OptionalLong.empty()));
  }
}
