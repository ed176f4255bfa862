package dev.confine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The test kit as a daemon's own test uses it with openSyslogFirst(): public types only. */
class FakeKernelSyslogTest {
  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("nobody").openSyslogFirst().build();
  }

  private static FakeKernel machine() {
    return new FakeKernel().directory("/srv/jail").directory("/srv/jail/dev").user("nobody", 65534, 65534);
  }

  private static List<String> syslogFindings(FakeKernel kernel) {
    return kernel.check(policy()).findings().stream()
        .filter(f -> f.code().startsWith("syslog-"))
        .map(f -> f.severity() + " " + f.code())
        .collect(Collectors.toList());
  }

  @Test
  void withBothSocketsOnlyTheJailsIsNoted() {
    FakeKernel kernel = machine().syslogSocket("/dev/log").syslogSocket("/srv/jail/dev/log");
    assertEquals(List.of("INFO syslog-jail-socket"), syslogFindings(kernel));
  }

  @Test
  void withoutThemBothAreWarnings() {
    // The control: a fake machine with no log daemon.
    assertEquals(List.of("WARNING syslog-jail-socket-missing", "WARNING syslog-socket-missing"), syslogFindings(machine()));
  }
}
