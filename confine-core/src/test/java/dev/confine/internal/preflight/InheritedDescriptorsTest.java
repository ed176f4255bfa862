package dev.confine.internal.preflight;

import static dev.confine.internal.Findings.only;
import static dev.confine.internal.Findings.withCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.internal.Internal;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.internal.PosixAcl;
import dev.confine.testing.simulation.Simulation;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Route 6 of issue 23 (descriptors opened as root before apply() stay usable after the drop) and
 * the terminal on fd 0-2, against the simulation; each finding with its control.
 */
class InheritedDescriptorsTest {
  private static final String INHERITED = "inherited-descriptor";

  private static final long UID = 65534;
  private static final long GID = 65534;
  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int O_RDWR = 2;
  private static final int O_APPEND = 02000;

  private static Simulation machine() {
    return new Simulation()
        .directory("/srv/jail")
        .user("nobody", UID, GID)
        .entry("/etc/shadow", dev.confine.internal.FileStatus.Type.REGULAR, 0, 42, 0640, 1)
        .file("/etc/passwd", 0, 0644)
        .standardStreams("/dev/null");
  }

  private static ConfinementPolicy.Builder policy() {
    return Confinement.builder().root("/srv/jail").user("nobody");
  }

  @Test
  void aRootOnlyFileOpenForReadingIsAWarningNamingFdAndPath() {
    Simulation kernel = machine();
    int fd = kernel.openFile("/etc/shadow", O_RDONLY);
    Finding f = only(kernel.check(policy().build()), INHERITED);
    assertEquals(Severity.WARNING, f.severity());
    assertEquals(
        "fd " + fd + " (/etc/shadow) is a file open for reading (flags 0100000) that uid 65534 with groups [65534] could not open"
            + " for reading (mode 0640, owner uid 0, gid 42)",
        f.message());
    assertTrue(f.fix().contains("refuseInheritedDescriptors()"), f.fix());
  }

  @Test
  void refuseInheritedDescriptorsMakesItAnErrorThatRefusesApplyBeforeChroot() {
    Simulation kernel = machine();
    kernel.openFile("/etc/shadow", O_RDWR);
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy().refuseInheritedDescriptors().build()));
    assertEquals(Severity.ERROR, only(e.report(), INHERITED).severity());
    assertTrue(e.getMessage().contains("(/etc/shadow) is a file open for reading and writing"), e.getMessage());
    assertEquals("/", kernel.model().root(), "refused before chroot");
    assertTrue(kernel.model().uids().allEqual(0));
  }

  @Test
  void controlTheSameFileOpenWriteOnlyOrWorldReadableIsNotCounted() {
    Simulation kernel = machine();
    kernel.openFile("/etc/shadow", O_WRONLY | O_APPEND); // a daemon's own log, say
    kernel.openFile("/etc/passwd", O_RDONLY);
    PreflightReport report = kernel.check(policy().refuseInheritedDescriptors().build());
    assertTrue(withCode(report, INHERITED).isEmpty(), report.toString());
  }

  @Test
  void theTargetsGroupOrAnAclEntryMayMakeItReadable() {
    Simulation byGroup = machine();
    byGroup.openFile("/etc/shadow", O_RDONLY);
    assertTrue(withCode(byGroup.check(policy().group(42).build()), INHERITED).isEmpty(), "gid 42 may read a 0640 file of group 42");
    Simulation byAcl = machine();
    byAcl.openFile("/etc/shadow", O_RDONLY);
    byAcl.acl("/etc/shadow", false, new PosixAcl(List.of(
        new PosixAcl.Entry(PosixAcl.Tag.USER_OBJ, -1, 6), new PosixAcl.Entry(PosixAcl.Tag.USER, UID, 4),
        new PosixAcl.Entry(PosixAcl.Tag.GROUP_OBJ, -1, 4), new PosixAcl.Entry(PosixAcl.Tag.MASK, -1, 4),
        new PosixAcl.Entry(PosixAcl.Tag.OTHER, -1, 0))));
    assertTrue(withCode(byAcl.check(policy().build()), INHERITED).isEmpty(), "user:65534:r-- lets the target read it");
    // Control: an ACL entry under a mask without r grants nothing.
    Simulation masked = machine();
    masked.openFile("/etc/shadow", O_RDONLY);
    masked.acl("/etc/shadow", false, new PosixAcl(List.of(
        new PosixAcl.Entry(PosixAcl.Tag.USER_OBJ, -1, 6), new PosixAcl.Entry(PosixAcl.Tag.USER, UID, 4),
        new PosixAcl.Entry(PosixAcl.Tag.GROUP_OBJ, -1, 0), new PosixAcl.Entry(PosixAcl.Tag.MASK, -1, 0),
        new PosixAcl.Entry(PosixAcl.Tag.OTHER, -1, 0))));
    assertEquals(1, withCode(masked.check(policy().build()), INHERITED).size());
  }

  @Test
  void aClassPathEntryIsNotCounted() {
    // The test JVM's own class path: the same names, root-only in the simulation.
    String entry = Path.of(System.getProperty("java.class.path").split(File.pathSeparator)[0]).toAbsolutePath().normalize().toString();
    Simulation kernel = machine().file(entry, 0, 0600);
    kernel.openFile(entry, O_RDONLY);
    assertTrue(withCode(kernel.check(policy().build()), INHERITED).isEmpty());
    // Control: the same file elsewhere is counted.
    Simulation elsewhere = machine().file("/opt/app/secret.jar", 0, 0600);
    elsewhere.openFile("/opt/app/secret.jar", O_RDONLY);
    assertEquals(1, withCode(elsewhere.check(policy().build()), INHERITED).size());
  }

  @Test
  void aUnixSocketToAnotherUidIsCountedOneToTheTargetIsNot() {
    Simulation kernel = machine();
    int fd = kernel.connectedUnixSocket(321, 0, 0);
    Finding f = only(kernel.check(policy().build()), INHERITED);
    assertTrue(f.message().startsWith("fd " + fd + " (socket:["), f.message());
    assertTrue(f.message().endsWith("is a Unix socket connected to pid 321 uid 0 gid 0, another uid than the target's 65534"), f.message());
    // Control: the peer runs as the target uid, or is this process (a socketpair made here, as the
    // JDK's NIO keeps one); and a listening socket or pipe has no peer.
    Simulation control = machine();
    control.connectedUnixSocket(322, UID, GID);
    control.connectedUnixSocket(control.model().processId(), 0, 0);
    control.descriptor("socket:[9999]");
    control.descriptor("pipe:[77]");
    assertTrue(withCode(control.check(policy().build()), INHERITED).isEmpty());
  }

  @Test
  void aMemfdAndAPidfdAreCountedTheJvmsOwnAnonInodesAreNot() {
    Simulation kernel = machine();
    int memfd = kernel.descriptor("/memfd:secret (deleted)");
    int pidfd = kernel.descriptor("anon_inode:[pidfd]");
    List<Finding> found = withCode(kernel.check(policy().build()), INHERITED);
    assertEquals(2, found.size(), found.toString());
    assertTrue(found.get(0).message().startsWith("fd " + memfd + " (/memfd:secret (deleted)) is a memfd"), found.get(0).message());
    assertTrue(found.get(1).message().startsWith("fd " + pidfd + " (anon_inode:[pidfd]) is a pidfd"), found.get(1).message());
    // Control: eventfd, epoll, inotify, timerfd, and ZGC's heap.
    Simulation control = machine();
    for (String quiet : List.of("anon_inode:[eventfd]", "anon_inode:[eventpoll]", "anon_inode:inotify", "anon_inode:[timerfd]",
        "/memfd:java_heap (deleted)")) {
      control.descriptor(quiet);
    }
    assertTrue(withCode(control.check(policy().build()), INHERITED).isEmpty());
  }

  @Test
  void aTerminalOnTheStandardStreamsIsInfo() {
    Simulation kernel = new Simulation().directory("/srv/jail").user("nobody", UID, GID).standardStreams("/dev/pts/3");
    List<Finding> found =
        kernel.check(policy().build()).findings().stream().filter(f -> f.code().equals("terminal")).collect(Collectors.toList());
    assertEquals(1, found.size(), found.toString());
    assertEquals(Severity.INFO, found.get(0).severity());
    assertEquals(
        "fd 0, 1, 2 are /dev/pts/3: apply() gives up the controlling terminal (TIOCNOTTY) and the baseline seccomp filter refuses"
            + " TIOCSTI and TIOCLINUX; the descriptor itself still reads and writes that terminal",
        found.get(0).message());
    assertTrue(found.get(0).fix().contains("< /dev/null > log"), found.get(0).fix());
    // Control: standard streams on /dev/null (and /dev/tty's like on fd 3 or above) are no finding.
    Simulation control = machine();
    control.descriptor("/dev/tty1");
    assertTrue(control.check(policy().build()).findings().stream().noneMatch(f -> f.code().equals("terminal")));
  }

  @Test
  void oneStreamOnATerminalIsNamedAlone() throws Exception {
    Simulation kernel = new Simulation().directory("/srv/jail").user("nobody", UID, GID).standardStreams("/dev/console");
    kernel.model().close(0);
    kernel.model().close(1);
    PreflightReport report = kernel.check(policy().build());
    assertTrue(report.findings().stream().anyMatch(f -> f.message().startsWith("fd 2 is /dev/console: apply() gives up")), report.toString());
  }

  @Test
  void sharedUidSaysWhatTheOtherProcessCanDoAndWhatTheFilterRefuses() {
    Simulation kernel = machine().otherProcess(700, UID);
    Finding f =
        kernel.check(policy().build()).findings().stream().filter(x -> x.code().equals("shared-uid")).findFirst().orElseThrow();
    for (String named : List.of("signal", "ptrace", "pidfd_getfd(2)", "setns(2)", "Yama",
        "refuses setns, unshare, ptrace, process_vm_readv/writev, pidfd_getfd and kcmp", "signals both ways stay possible")) {
      assertTrue(f.why().contains(named), named + " in " + f.why());
    }
    // Control: no other process of that uid, no finding.
    assertTrue(machine().otherProcess(701, 1234).check(policy().build()).findings().stream().noneMatch(x -> x.code().equals("shared-uid")));
  }

  /**
   * The review of issue 23: a ring made as root before apply() holds a host directory as a fixed
   * file and root's credentials as a personality, and reads /etc/shadow after the drop. No ring
   * can be judged harmless from its fdinfo (personalities do not show), so each is refused, also
   * in the look right before chroot, whatever the policy.
   */
  @Test
  void anIoUringRingIsRefusedByDefaultAndInTheLastLookBeforeChroot() throws Exception {
    Simulation kernel = machine();
    int ring = kernel.descriptor("anon_inode:[io_uring]");
    PreflightReport report = kernel.check(policy().build());
    List<Finding> rings = report.findings().stream().filter(f -> f.code().equals("io-uring-ring")).collect(Collectors.toList());
    assertEquals(1, rings.size(), report.toString());
    assertEquals(dev.confine.Severity.ERROR, rings.get(0).severity());
    assertTrue(rings.get(0).message().contains("fd " + ring), rings.get(0).message());
    assertTrue(withCode(report, INHERITED).isEmpty(), "said once, as its own code");
    PreflightReport again = Preflight.descriptorsAgain(Internal.get().viewOf(policy().build()), java.util.Optional.empty(), kernel.model(), java.util.Optional.empty());
    assertTrue(again.findings().stream().anyMatch(f -> f.code().equals("io-uring-ring") && f.severity() == dev.confine.Severity.ERROR), again.toString());
    // Control: an eventfd, an epoll and a pipe are the JVM's own and stay quiet.
    Simulation quiet = machine();
    quiet.descriptor("anon_inode:[eventfd]");
    quiet.descriptor("anon_inode:[eventpoll]");
    quiet.descriptor("pipe:[123]");
    assertTrue(quiet.check(policy().build()).findings().stream().noneMatch(f -> f.code().equals("io-uring-ring")));
  }
}
