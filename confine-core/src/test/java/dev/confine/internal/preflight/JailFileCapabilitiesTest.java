package dev.confine.internal.preflight;

import static dev.confine.internal.Findings.withCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.internal.Capabilities;
import dev.confine.internal.FileCapabilities;
import dev.confine.internal.FileStatus;
import dev.confine.testing.simulation.Simulation;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Route 5 and 7 of issue 23, against the simulation: a jail file with file capabilities is an
 * ERROR as a setuid file is, and a FIFO or socket node a WARNING; each with its control.
 */
class JailFileCapabilitiesTest {
  private static final FileCapabilities SETUID_EP = new FileCapabilities(1L << Capabilities.CAP_SETUID, 0, true);

  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/srv/jail/bin").file("/srv/jail/bin/tool", 0, 0755).user("app", 4000, 4001);
  }

  private static ConfinementPolicy.Builder policy() {
    return Confinement.builder().root("/srv/jail").user("app");
  }

  @Test
  void aFileWithCapabilitiesIsAnErrorNamingThem() {
    Simulation kernel = machine().fileCapabilities("/srv/jail/bin/tool", SETUID_EP);
    List<Finding> found = withCode(kernel.check(policy().build()), "file-capabilities");
    assertEquals(1, found.size(), found.toString());
    assertEquals(Severity.ERROR, found.get(0).severity());
    assertEquals("/srv/jail/bin/tool carries file capabilities (security.capability: cap_setuid+ep; mode 0755, owner uid 0)", found.get(0).message());
    assertTrue(found.get(0).fix().startsWith("setcap -r /srv/jail/bin/tool"), found.get(0).fix());
  }

  @Test
  void underAllowNewPrivilegesApplyIsRefusedBeforeChroot() {
    Simulation kernel = machine().fileCapabilities("/srv/jail/bin/tool", SETUID_EP);
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy().allowNewPrivileges().build()));
    assertTrue(e.getMessage().contains("/srv/jail/bin/tool carries file capabilities"), e.getMessage());
    assertEquals("/", kernel.model().root(), "refused before chroot");
  }

  @Test
  void controlTheSameFileWithoutCapabilitiesHasNoFinding() {
    PreflightReport report = machine().check(policy().build());
    assertTrue(withCode(report, "file-capabilities").isEmpty(), report.toString());
    assertTrue(withCode(report, "setuid-file").isEmpty(), report.toString());
  }

  @Test
  void allowedByNameItIsInfo() {
    Simulation kernel = machine().fileCapabilities("/srv/jail/bin/tool", SETUID_EP);
    List<Finding> found = withCode(kernel.check(policy().allowSetuidFiles("bin/tool").build()), "file-capabilities");
    assertEquals(1, found.size(), found.toString());
    assertEquals(Severity.INFO, found.get(0).severity());
    assertTrue(found.get(0).message().endsWith("(allowed by allowSetuidFiles(\"bin/tool\"))"), found.get(0).message());
  }

  @Test
  void theWalkReadsTheAttributeOfFilesThatCanBeRunOnly() {
    Simulation kernel =
        machine().directory("/srv/jail/etc").file("/srv/jail/etc/hosts", 0, 0644).file("/srv/jail/etc/mine", 4000, 0600)
            .symlink("/srv/jail/bin/sh", "tool");
    kernel.check(policy().allowWritable("etc/mine").build());
    List<String> read =
        kernel.calls().stream().filter(c -> c.contains("security.capability")).collect(Collectors.toList());
    // bin/tool (0755), and etc/mine: the target owns it and may chmod it +x. Not etc/hosts: no x bit, root's.
    assertEquals(2, read.size(), read.toString());
    assertTrue(read.stream().allMatch(c -> c.contains("/srv/jail/bin/tool") || c.contains("/srv/jail/etc/mine")), read.toString());
  }

  @Test
  void capabilitiesOnAFileNoOneCanRunAreInertAndAFileTheTargetOwnsIsCounted() {
    // execve(2) refuses a file without an x bit even to root, and only its owner could chmod it.
    Simulation inert =
        machine().file("/srv/jail/bin/data", 0, 0644).fileCapabilities("/srv/jail/bin/data", SETUID_EP);
    assertTrue(withCode(inert.check(policy().build()), "file-capabilities").isEmpty());
    // Control: the target's own file, which it may chmod +x, is counted whatever its mode.
    Simulation owned =
        machine().file("/srv/jail/bin/data", 4000, 0600).fileCapabilities("/srv/jail/bin/data", SETUID_EP);
    assertEquals(1, withCode(owned.check(policy().allowWritable("bin/data").build()), "file-capabilities").size());
  }

  @Test
  void theValueParsesAsSetcapWritesIt() {
    // setcap cap_setuid+ep: revision 2 with the effective flag, permitted bit 7.
    byte[] value = {1, 0, 0, 2, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    FileCapabilities parsed = FileCapabilities.parse(value);
    assertEquals(1L << Capabilities.CAP_SETUID, parsed.permitted);
    assertTrue(parsed.effective);
    assertEquals("cap_setuid+ep", parsed.toString());
    assertEquals(java.util.Arrays.toString(value), java.util.Arrays.toString(parsed.encode()));
    assertThrows(IllegalArgumentException.class, () -> FileCapabilities.parse(new byte[] {1, 0, 0, 2}));
    assertThrows(IllegalArgumentException.class, () -> FileCapabilities.parse(new byte[] {0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0}));
  }

  @Test
  void aFifoInTheJailIsAWarningWithItsModeOwnerAndLinks() {
    Simulation kernel = machine().entry("/srv/jail/run/ctl", FileStatus.Type.FIFO, 0, 0, 0600, 1);
    List<Finding> found = withCode(kernel.check(policy().build()), "fifo-or-socket");
    assertEquals(1, found.size(), found.toString());
    assertEquals(Severity.WARNING, found.get(0).severity());
    assertEquals("/srv/jail/run/ctl is a FIFO (mode 0600, owner uid 0, gid 0, 1 link)", found.get(0).message());
  }

  @Test
  void aHostSocketHardLinkedInIsAWarningWithItsLinkCount() {
    Simulation kernel = machine().entry("/srv/jail/run/docker.sock", FileStatus.Type.SOCKET, 0, 0, 0660, 2);
    List<Finding> found = withCode(kernel.check(policy().build()), "fifo-or-socket");
    assertEquals(1, found.size(), found.toString());
    assertEquals("/srv/jail/run/docker.sock is a socket (mode 0660, owner uid 0, gid 0, 2 links)", found.get(0).message());
    assertTrue(found.get(0).why().contains("hard-linked"), found.get(0).why());
  }

  @Test
  void controlAJailWithoutFifoOrSocketHasNoSuchFinding() {
    PreflightReport report = machine().entry("/srv/jail/run/data", FileStatus.Type.REGULAR, 0, 0, 0600, 1).check(policy().build());
    assertTrue(withCode(report, "fifo-or-socket").isEmpty(), report.toString());
  }

  @Test
  void theJailsSyslogSocketIsLeftToTheSyslogChecksOnlyWithOpenSyslogFirst() {
    Simulation kernel =
        machine().datagramReceiver("/dev/log").entry("/srv/jail/dev/log", FileStatus.Type.SOCKET, 0, 0, 0666, 1);
    PreflightReport withSyslog = kernel.check(policy().openSyslogFirst().build());
    assertTrue(withCode(withSyslog, "fifo-or-socket").isEmpty(), withSyslog.toString());
    assertEquals(1, withCode(withSyslog, "syslog-jail-socket").size(), withSyslog.toString());
    // Control: without openSyslogFirst nothing declares its use, and it is reported like any other socket.
    PreflightReport without = kernel.check(policy().build());
    assertEquals(1, withCode(without, "fifo-or-socket").size(), without.toString());
  }
}
