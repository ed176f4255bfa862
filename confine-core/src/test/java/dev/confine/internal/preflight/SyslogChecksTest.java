package dev.confine.internal.preflight;

import static dev.confine.internal.Findings.only;
import static dev.confine.internal.Findings.withCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import dev.confine.SyslogFacility;
import dev.confine.internal.FileStatus;
import dev.confine.testing.simulation.Simulation;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * openSyslogFirst() and the two sockets: the host's /dev/log (connected before chroot) and the
 * jail's dev/log (where glibc reconnects after the log daemon restarts). Each with its control.
 */
class SyslogChecksTest {
  private static final String JAIL_LOG = "/srv/jail/dev/log";

  /** A jail with dev/, and the host's /dev/log socket as journald makes it (a link to its socket, 0666). */
  private static Simulation machine() {
    return new Simulation()
        .directory("/srv/jail")
        .directory("/srv/jail/dev")
        .directory("/run/systemd/journal")
        .entry("/run/systemd/journal/dev-log", FileStatus.Type.SOCKET, 0, 0, 0666, 1)
        .directory("/dev")
        .symlink("/dev/log", "/run/systemd/journal/dev-log")
        .user("app", 4000, 4000);
  }

  /** The socket rsyslog's $AddUnixListenSocket makes: root's, 0666 (everyone must be able to connect). */
  private static Simulation withJailSocket(Simulation kernel) {
    return kernel.entry(JAIL_LOG, FileStatus.Type.SOCKET, 0, 0, 0666, 1);
  }

  private static ConfinementPolicy.Builder syslogPolicy() {
    return Confinement.builder().root("/srv/jail").user("app").openSyslogFirst("app", SyslogFacility.DAEMON);
  }

  private static List<String> syslogCodes(PreflightReport report) {
    return report.findings().stream().map(Finding::code).filter(c -> c.startsWith("syslog-")).collect(Collectors.toList());
  }

  @Test
  void aJailWithItsOwnSocketIsInfoAndTheWalkAcceptsTheSocket() {
    PreflightReport report = withJailSocket(machine()).check(syslogPolicy().build());
    Finding f = only(report, "syslog-jail-socket");
    assertEquals(Severity.INFO, f.severity());
    assertTrue(f.message().startsWith(JAIL_LOG + " is a socket"), f.message());
    assertEquals(List.of("syslog-jail-socket"), syslogCodes(report), report.toString());
    assertTrue(withCode(report, "jail-writable").isEmpty(), "a socket's write bit is a permission to connect:\n" + report);
  }

  @Test
  void withoutOpenSyslogFirstTheSameSocketIsJudgedAsBefore() {
    // The control: the walk's acceptance belongs to openSyslogFirst; without it a socket writable
    // by everyone is what it always was, and no syslog finding is made.
    PreflightReport report = withJailSocket(machine()).check(Confinement.builder().root("/srv/jail").user("app").build());
    Finding f = only(report, "jail-writable");
    assertEquals(Severity.ERROR, f.severity());
    assertTrue(f.message().startsWith(JAIL_LOG + " is writable by everyone"), f.message());
    assertEquals(List.of(), syslogCodes(report));
  }

  @Test
  void anotherSocketInTheJailIsStillWritable() {
    Simulation kernel = withJailSocket(machine()).entry("/srv/jail/dev/docker.sock", FileStatus.Type.SOCKET, 0, 0, 0666, 1);
    Finding f = only(kernel.check(syslogPolicy().build()), "jail-writable");
    assertTrue(f.message().startsWith("/srv/jail/dev/docker.sock is writable by everyone"), f.message());
  }

  @Test
  void aJailWithoutTheSocketIsAWarningWhoseFixNamesEachDaemonsSetting() {
    PreflightReport report = machine().check(syslogPolicy().build());
    Finding f = only(report, "syslog-jail-socket-missing");
    assertEquals(Severity.WARNING, f.severity());
    assertEquals(JAIL_LOG + " does not exist, and openSyslogFirst() is set", f.message());
    assertTrue(f.why().contains("every later message is lost"), f.why());
    for (String setting :
        List.of("$AddUnixListenSocket " + JAIL_LOG, "input(type=\"imuxsock\" Socket=\"" + JAIL_LOG + "\")", "unix-dgram(\"" + JAIL_LOG + "\")",
            "bind mount of /run/systemd/journal/dev-log onto " + JAIL_LOG)) {
      assertTrue(f.fix().contains(setting), setting + " in " + f.fix());
    }
    assertFalse(report.hasErrors(), report.toString());
  }

  @Test
  void aRegularFileOrALinkAtDevLogIsNotTheSocket() {
    Finding file = only(machine().file(JAIL_LOG, 0, 0644).check(syslogPolicy().build()), "syslog-jail-socket-missing");
    assertEquals(JAIL_LOG + " is a regular file, not a socket, and openSyslogFirst() is set", file.message());
    // A link is never followed by the walk, and would be resolved in the jail, not here.
    Finding link = only(machine().symlink(JAIL_LOG, "/run/systemd/journal/dev-log").check(syslogPolicy().build()), "syslog-jail-socket-missing");
    assertEquals(JAIL_LOG + " is a symbolic link, not a socket, and openSyslogFirst() is set", link.message());
  }

  @Test
  void aLinkedDevDirectoryIsNotTheJails() {
    // lstat of /srv/jail/dev/log would follow /srv/jail/dev on the host and find the host's socket.
    Simulation kernel =
        new Simulation().directory("/srv/jail").directory("/dev").entry("/dev/log", FileStatus.Type.SOCKET, 0, 0, 0666, 1)
            .symlink("/srv/jail/dev", "/dev").user("app", 4000, 4000);
    assertTrue(kernel.model().lstat(JAIL_LOG).isPresent(), "the scene: the path reaches the host's socket through the link");
    Finding f = only(kernel.check(syslogPolicy().build()), "syslog-jail-socket-missing");
    assertEquals(JAIL_LOG + " is not in the jail: /srv/jail/dev is a symbolic link, and openSyslogFirst() is set", f.message());
  }

  @Test
  void aMissingHostSocketIsAWarning() {
    Simulation kernel = withJailSocket(new Simulation().directory("/srv/jail").directory("/srv/jail/dev").user("app", 4000, 4000));
    PreflightReport report = kernel.check(syslogPolicy().build());
    Finding f = only(report, "syslog-socket-missing");
    assertEquals(Severity.WARNING, f.severity());
    assertEquals("/dev/log does not exist, and openSyslogFirst() is set", f.message());
    assertTrue(f.why().contains("until syslog(3) reaches " + JAIL_LOG), f.why());
    assertTrue(f.fix().contains("After=systemd-journald.socket"), f.fix());
    // The control: the same jail with the host's socket in place.
    assertTrue(withCode(withJailSocket(machine()).check(syslogPolicy().build()), "syslog-socket-missing").isEmpty());
  }

  @Test
  void aHostLinkToNothingIsMissingToo() {
    Simulation kernel = withJailSocket(new Simulation().directory("/srv/jail").directory("/srv/jail/dev").directory("/dev")
        .symlink("/dev/log", "/run/systemd/journal/dev-log").user("app", 4000, 4000));
    assertEquals("/dev/log does not exist, and openSyslogFirst() is set", only(kernel.check(syslogPolicy().build()), "syslog-socket-missing").message());
    Finding regular = only(withJailSocket(new Simulation().directory("/srv/jail").directory("/srv/jail/dev").file("/dev/log", 0, 0644)
        .user("app", 4000, 4000)).check(syslogPolicy().build()), "syslog-socket-missing");
    assertEquals("/dev/log is a regular file, not a socket, and openSyslogFirst() is set", regular.message());
    assertTrue(regular.why().endsWith("are lost until syslog(3) reaches " + JAIL_LOG + " (it tries again at each message)."), regular.why());
  }

  @Test
  void withoutOpenSyslogFirstNothingIsSaidOfEitherSocket() {
    PreflightReport report = new Simulation().directory("/srv/jail").user("app", 4000, 4000)
        .check(Confinement.builder().root("/srv/jail").user("app").build());
    assertEquals(List.of(), syslogCodes(report));
  }

  @Test
  void applyConfinesIntoAJailWithTheSocketAndReportsIt() {
    Simulation kernel = withJailSocket(machine());
    ConfinementReport report = kernel.apply(syslogPolicy().build());
    assertEquals("/srv/jail", kernel.model().root());
    assertEquals(List.of("syslog-jail-socket"), syslogCodes(report.preflight()));
    report.syslog().orElseThrow().info("after chroot");
    assertEquals(List.of("app <30> after chroot"), kernel.model().syslogMessages());
  }

  @Test
  void applyWithTheSocketButWithoutOpenSyslogFirstIsRefused() {
    // The control for the walk: the same jail is refused when nothing declares the socket's use.
    Simulation kernel = withJailSocket(machine());
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(Confinement.builder().root("/srv/jail").user("app").build()));
    assertTrue(e.report().has("jail-writable"), e.getMessage());
    assertEquals("/", kernel.model().root());
  }

  @Test
  void aFailedLookAtTheHostSocketRefusesWithTheCallNamed() {
    Simulation kernel = withJailSocket(machine()).failNext(Syscall.FSTAT, "EIO");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.check(syslogPolicy().build()));
    assertEquals(Syscall.FSTAT, e.syscall());
    assertEquals(List.of("\"/dev/log\""), e.arguments());
  }
}
