package dev.confine.internal.preflight;

import static dev.confine.internal.Findings.only;
import static dev.confine.internal.Findings.withCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.internal.Internal;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.internal.FileStatus;
import dev.confine.testing.simulation.Simulation;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each check against a simulated machine that holds the bad situation. */
class PreflightTest {
  private static final long UID = 4000;
  private static final long GID = 4001;

  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/srv/jail/etc").file("/srv/jail/etc/hosts", 0, 0644).user("app", UID, GID);
  }

  private static ConfinementPolicy.Builder policy() {
    return Confinement.builder().root("/srv/jail").user("app");
  }

  @Test
  void aCleanJailHasNoFindings() {
    PreflightReport report = machine().check(policy().build());
    // Both INFO, of the process, not the jail: the simulated process starts in / on a terminal.
    assertEquals(List.of("cwd-outside-root", "terminal"), report.findings().stream().map(Finding::code).collect(Collectors.toList()), report.toString());
  }

  @Test
  void aSupervisorThatTookCapSetpcapIsRefusedBeforeChrootNotHaltedAfter() {
    Simulation kernel = machine().withoutCapability(dev.confine.internal.Capabilities.CAP_SETPCAP);
    Finding missing = only(kernel.check(policy().build()), "missing-capability");
    assertTrue(missing.message().contains("CAP_SETPCAP"), missing.message());
    assertEquals(Severity.ERROR, missing.severity());
    assertThrows(PreflightException.class, () -> kernel.apply(policy().build()));
    assertEquals("/", kernel.model().root(), "refused before chroot");
    // Control: with it, no such finding.
    assertTrue(withCode(machine().check(policy().build()), "missing-capability").isEmpty());
  }

  @Test
  void checkChangesNothing() {
    Simulation kernel = machine().entry("/srv/jail/bin/su", FileStatus.Type.REGULAR, 0, 0, 04755, 1);
    kernel.check(policy().build());
    assertEquals("/", kernel.model().root());
    assertTrue(kernel.model().uids().allEqual(0));
    assertTrue(kernel.calls().stream().noneMatch(c -> c.startsWith("chroot") || c.startsWith("set") || c.startsWith("open(")),
        kernel.calls().toString());
  }

  /**
   * Issue 25's first friction: a jail under /tmp got "chmod go-w /tmp", advice that breaks the
   * machine. A shared sticky directory, or another user's, is left as it is: the jail moves.
   */
  @Test
  void theFixNeverWeakensOrTakesASystemDirectoryTheJailMovesInstead() {
    Simulation underTmp = new Simulation().directory("/tmp", 0, 01777).directory("/tmp/jail").user("nobody", 65534, 65534);
    Finding sticky = only(underTmp.check(Confinement.builder().root("/tmp/jail").user("nobody").build()), "component-writable");
    assertEquals(Severity.ERROR, sticky.severity());
    assertFalse(sticky.fix().contains("chmod"), sticky.fix());
    assertTrue(sticky.fix().startsWith("Leave /tmp as it is (it is a shared directory (mode 1777)"), sticky.fix());
    assertTrue(sticky.fix().contains("never under /tmp"), sticky.fix());
    Simulation underHome = new Simulation().directory("/home/alice", 1000, 0755).directory("/home/alice/jail").user("nobody", 65534, 65534);
    Finding owned = only(underHome.check(Confinement.builder().root("/home/alice/jail").user("nobody").build()), "component-not-root-owned");
    assertFalse(owned.fix().contains("chown"), owned.fix());
    assertTrue(owned.fix().startsWith("Leave /home/alice as it is (it belongs to uid 1000)"), owned.fix());
    // Control: the root itself is the operator's to fix, and so is a group-writable /srv (next test).
    Simulation rootWritable = new Simulation().directory("/srv/jail", 0, 0777).user("nobody", 65534, 65534);
    List<Finding> root = withCode(rootWritable.check(Confinement.builder().root("/srv/jail").user("nobody").build()), "component-writable");
    assertTrue(root.stream().anyMatch(f -> f.fix().equals("chmod go-w /srv/jail")), root.toString());
  }

  /** Issue 25's sixth friction: a misspelt allowance was accepted in silence. */
  @Test
  void anAllowanceOfAPathThatIsNotInTheJailIsNamed() {
    Simulation kernel = machine().directory("/srv/jail/var").directory("/srv/jail/var/spool", 65534, 0755);
    Finding f = only(kernel.check(policy().allowWritable("var/spoo").build()), "allowed-path-missing");
    assertEquals(Severity.WARNING, f.severity());
    assertEquals("allowWritable(\"var/spoo\") names /srv/jail/var/spoo, which does not exist", f.message());
    // Control: spelt right, nothing to say (and the directory meant is allowed).
    assertTrue(withCode(kernel.check(policy().allowWritable("var/spool").build()), "allowed-path-missing").isEmpty());
  }

  @Test
  void aGroupWritableComponentIsAnError() {
    Simulation kernel = machine().directory("/srv", 0, 0775);
    Finding f = only(kernel.check(policy().build()), "component-writable");
    assertEquals(Severity.ERROR, f.severity());
    assertEquals("component /srv is writable by group 0 (mode 0775)", f.message());
    assertEquals("chmod go-w /srv", f.fix());
  }

  @Test
  void aWorldWritableStickyComponentIsAnErrorToo() {
    Simulation kernel = machine().directory("/srv", 0, 01777);
    assertEquals("component /srv is writable by group 0 and others (mode 1777)",
        only(kernel.check(policy().build()), "component-writable").message());
  }

  @Test
  void aComponentNotOwnedByRootIsAnError() {
    Simulation kernel = machine().directory("/srv", 1000, 0755);
    assertEquals("component /srv is owned by uid 1000, not root",
        only(kernel.check(policy().build()), "component-not-root-owned").message());
  }

  @Test
  void aJailOwnedByTheTargetIsNotRootOwnedAndWritable() {
    Simulation kernel = machine().entry("/srv/jail", FileStatus.Type.DIRECTORY, UID, GID, 0755, 2);
    PreflightReport report = kernel.check(policy().build());
    assertEquals("the root /srv/jail is owned by uid 4000, not root", only(report, "component-not-root-owned").message());
    assertTrue(only(report, "jail-writable").message().startsWith("/srv/jail (the root) is writable by the target uid 4000"), report.toString());
  }

  @Test
  void aSymlinkedComponentIsAnError() {
    Simulation kernel = new Simulation().directory("/data/jail").symlink("/srv", "/data").user("app", UID, GID);
    PreflightReport report = kernel.check(policy().build());
    assertEquals("component /srv of the root /srv/jail is a symbolic link", only(report, "symlink-in-path").message());
    assertTrue(report.hasErrors());
  }

  @Test
  void theRootItselfASymlinkIsRootSymlink() {
    Simulation kernel = new Simulation().directory("/data/jail").directory("/srv").symlink("/srv/jail", "/data/jail").user("app", UID, GID);
    PreflightReport report = kernel.check(policy().build());
    only(report, "root-symlink");
    assertFalse(report.has("symlink-in-path"));
  }

  @Test
  void entriesWritableByTheTargetAreErrors() {
    Simulation kernel =
        machine()
            .entry("/srv/jail/owned", FileStatus.Type.REGULAR, UID, 0, 0644, 1)
            .entry("/srv/jail/group", FileStatus.Type.REGULAR, 0, GID, 0664, 1)
            .entry("/srv/jail/world", FileStatus.Type.DIRECTORY, 0, 0, 0777, 2)
            .entry("/srv/jail/ownedReadOnly", FileStatus.Type.REGULAR, UID, 0, 0444, 1)
            .entry("/srv/jail/otherGroup", FileStatus.Type.REGULAR, 0, 7, 0664, 1);
    List<String> messages = withCode(kernel.check(policy().build()), "jail-writable").stream().map(Finding::message).collect(Collectors.toList());
    assertEquals(4, messages.size(), messages.toString());
    assertTrue(messages.contains("/srv/jail/owned is writable by the target uid 4000 (its owner, who may chmod it whatever its mode) (mode 0644, uid 4000, gid 0)"), messages.toString());
    // Read-only by its mode, but its owner may chmod it: the review wrote into such a file.
    assertTrue(messages.contains("/srv/jail/ownedReadOnly is writable by the target uid 4000 (its owner, who may chmod it whatever its mode) (mode 0444, uid 4000, gid 0)"), messages.toString());
    assertTrue(messages.contains("/srv/jail/group is writable by the target's group 4001 (mode 0664, uid 0, gid 4001)"), messages.toString());
    assertTrue(messages.contains("/srv/jail/world is writable by everyone (mode 0777, uid 0, gid 0)"), messages.toString());
  }

  @Test
  void aSupplementaryGroupCountsAsTheTargets() {
    Simulation kernel = machine().entry("/srv/jail/shared", FileStatus.Type.REGULAR, 0, 55, 0660, 1);
    assertFalse(kernel.check(policy().build()).has("jail-writable"));
    assertTrue(kernel.check(policy().supplementaryGroups(55).build()).has("jail-writable"));
  }

  @Test
  void anAllowedWritableSubdirectoryIsInfoWithANote() {
    Simulation kernel =
        machine()
            .entry("/srv/jail/var/spool", FileStatus.Type.DIRECTORY, UID, GID, 0755, 2)
            .entry("/srv/jail/var/spool/job", FileStatus.Type.REGULAR, UID, GID, 0644, 1)
            .entry("/srv/jail/var/spoolish", FileStatus.Type.REGULAR, UID, GID, 0644, 1);
    PreflightReport report = kernel.check(policy().allowWritable("var/spool").build());
    List<Finding> writable = withCode(report, "jail-writable");
    assertEquals(3, writable.size(), report.toString());
    assertEquals(1, report.errors().size(), "only var/spoolish, which is not under var/spool: " + report);
    assertEquals("/srv/jail/var/spoolish is writable by the target uid 4000 (its owner, who may chmod it whatever its mode) (mode 0644, uid 4000, gid 4001)",
        report.errors().get(0).message());
    assertTrue(writable.stream().filter(f -> f.severity() == Severity.INFO)
        .allMatch(f -> f.message().endsWith("(allowed by allowWritable(\"var/spool\"))")), report.toString());
  }

  @Test
  void setuidAndSetgidFilesAreErrors() {
    Simulation kernel =
        machine()
            .entry("/srv/jail/bin/su", FileStatus.Type.REGULAR, 0, 0, 04755, 1)
            .entry("/srv/jail/bin/wall", FileStatus.Type.REGULAR, 0, 5, 02755, 1)
            .entry("/srv/jail/shared", FileStatus.Type.DIRECTORY, 0, 5, 02755, 2);
    PreflightReport report = kernel.check(policy().build());
    assertEquals("/srv/jail/bin/su is setuid (mode 4755, owner uid 0)", only(report, "setuid-file").message());
    assertEquals("/srv/jail/bin/wall is setgid (mode 2755, group 5)", only(report, "setgid-file").message());
  }

  @Test
  void deviceNodesAreErrorsUnlessListed() {
    Simulation kernel =
        machine()
            .entry("/srv/jail/dev/null", FileStatus.Type.CHAR_DEVICE, 0, 0, 0666, 1)
            .entry("/srv/jail/dev/sda", FileStatus.Type.BLOCK_DEVICE, 0, 6, 0660, 1);
    PreflightReport strict = kernel.check(policy().build());
    assertEquals(2, withCode(strict, "device-node").size(), strict.toString());
    assertTrue(
        strict.errors().stream().anyMatch(f -> f.message().equals("/srv/jail/dev/null is a character device node, writable by everyone (mode 0666)")),
        strict.toString());
    assertFalse(strict.has("jail-writable"), "a device node's mode belongs to its own finding: " + strict);

    // Allowing it by name accepts it as it is: /dev/null only works writable by everyone.
    PreflightReport allowed = kernel.check(policy().allowDeviceNodes("dev/null").build());
    assertEquals(List.of("/srv/jail/dev/sda is a block device node"),
        allowed.errors().stream().map(Finding::message).collect(Collectors.toList()), allowed.toString());
    assertEquals(Severity.INFO,
        withCode(allowed, "device-node").stream().filter(f -> f.message().contains("dev/null")).findFirst().orElseThrow().severity());
  }

  @Test
  void withNameLookupsPreparedEachResolverFileMissingFromTheJailIsAWarning() {
    ConfinementPolicy lookups = policy().prepare(dev.confine.JvmFacility.NETWORK, dev.confine.JvmFacility.NAME_LOOKUPS).build();
    PreflightReport report = machine().check(lookups);
    assertEquals(
        List.of("/srv/jail/etc/nsswitch.conf is not a regular file of the jail, and NAME_LOOKUPS is prepared",
            "/srv/jail/etc/resolv.conf is not a regular file of the jail, and NAME_LOOKUPS is prepared"),
        withCode(report, "name-lookup-file-missing").stream().map(Finding::message).collect(Collectors.toList()),
        report.toString());
    assertEquals(Severity.WARNING, withCode(report, "name-lookup-file-missing").get(0).severity());
    assertTrue(withCode(report, "name-lookup-file-missing").get(0).fix().startsWith("cp /etc/nsswitch.conf /srv/jail/etc/nsswitch.conf"));

    Simulation complete = machine().file("/srv/jail/etc/nsswitch.conf", 0, 0644).file("/srv/jail/etc/resolv.conf", 0, 0644);
    assertEquals(List.of(), withCode(complete.check(lookups), "name-lookup-file-missing"));
    assertEquals(List.of(), withCode(machine().check(policy().build()), "name-lookup-file-missing"), "only when asked for");
  }

  @Test
  void aJailWhoseEtcIsALinkHasNoResolverFilesOfItsOwn() {
    Simulation kernel = new Simulation().directory("/srv/jail").symlink("/srv/jail/etc", "/etc").user("app", UID, GID);
    kernel.file("/etc/hosts", 0, 0644).file("/etc/resolv.conf", 0, 0644).file("/etc/nsswitch.conf", 0, 0644);
    PreflightReport report = kernel.check(policy().prepare(dev.confine.JvmFacility.NAME_LOOKUPS).build());
    assertEquals(3, withCode(report, "name-lookup-file-missing").size(), report.toString());
  }

  @Test
  void hardLinkedFilesAreWarnings() {
    Simulation kernel = machine().entry("/srv/jail/etc/passwd", FileStatus.Type.REGULAR, 0, 0, 0644, 2);
    Finding f = only(kernel.check(policy().build()), "hard-link");
    assertEquals(Severity.WARNING, f.severity());
    assertTrue(f.message().startsWith("/srv/jail/etc/passwd has 2 links"), f.message());
  }

  @Test
  void theWalkDoesNotFollowSymlinks() {
    Simulation kernel = machine().entry("/opt/su", FileStatus.Type.REGULAR, 0, 0, 04755, 1).symlink("/srv/jail/opt", "/opt");
    PreflightReport report = kernel.check(policy().build());
    assertFalse(report.has("setuid-file"), report.toString());
    assertFalse(report.has("jail-writable"), "a link's 0777 means nothing: " + report);
  }

  @Test
  void manyFindingsOfOneCodeAreSummarised() {
    Simulation kernel = machine();
    for (int i = 0; i < 50; i++) {
      kernel.entry("/srv/jail/bin/s" + i, FileStatus.Type.REGULAR, 0, 0, 04755, 1);
    }
    List<Finding> found = withCode(kernel.check(policy().build()), "setuid-file");
    assertEquals(Collector.LIMIT + 1, found.size());
    assertEquals("30 more entries like these (50 in all; only the first 20 are listed)", found.get(found.size() - 1).message());
  }

  @Test
  void specialMountsInsideTheJailAreErrors() {
    Simulation kernel =
        machine().mount("/proc", "proc").mount("/srv/jail/proc", "proc").mount("/srv/jail/data", "ext4").mount("/srv/jailhouse/sys", "sysfs");
    PreflightReport report = kernel.check(policy().build());
    assertEquals("a proc file system is mounted at /srv/jail/proc, inside the jail", only(report, "special-mount").message());
    Finding data = only(report, "mount-inside-jail");
    assertEquals(Severity.ERROR, data.severity());
    assertEquals("ext4 (ext4) is mounted at /srv/jail/data, inside the jail, without nodev and nosuid (options rw)", data.message());
  }

  @Test
  void otherProcessesOfTheTargetUidAreAWarningUnlessAllowed() {
    Simulation kernel = machine().otherProcess(812, UID).otherProcess(77, UID).otherProcess(90, 1);
    Finding f = only(kernel.check(policy().build()), "shared-uid");
    assertEquals(Severity.WARNING, f.severity());
    assertEquals("2 other processes already run as uid 4000: pid 77, 812", f.message());
    assertEquals("1 other process already runs as uid 4000: pid 5",
        only(machine().otherProcess(5, UID).check(policy().build()), "shared-uid").message());
    Finding allowed = only(kernel.check(policy().allowSharedUid().build()), "shared-uid");
    assertEquals(Severity.INFO, allowed.severity());
    assertTrue(allowed.message().endsWith("(allowed by allowSharedUid())"), allowed.message());
  }

  @Test
  void aUserNameWithUid0IsReportedAndRefused() {
    Simulation kernel = machine().user("toor", 0, 0);
    ConfinementPolicy policy = Confinement.builder().root("/srv/jail").user("toor").build();
    PreflightReport report = kernel.check(policy);
    assertTrue(report.hasErrors());
    assertTrue(report.has("unknown-identity"), report.toString());
    assertThrows(ConfinementException.class, () -> kernel.apply(policy));
    assertTrue(kernel.model().uids().allEqual(0));
  }

  @Test
  void supplementaryGroup0IsTargetIsRoot() {
    // The builder refuses gid 0 in supplementaryGroups; a resolved identity carrying it is the defensive case.
    List<Finding> findings = new java.util.ArrayList<>();
    ConfinementPolicy policy = policy().build();
    PreflightContext context =
        new PreflightContext(Internal.get().viewOf(policy), java.util.Optional.of(new dev.confine.internal.Identity(java.util.Optional.of("app"), UID, GID, List.of(0L))),
            new dev.confine.testing.simulation.SimulatedKernel(), java.util.Optional.empty());
    ProcessChecks.targetIdentity(context, findings);
    assertEquals(1, findings.size());
    assertEquals("target-is-root", findings.get(0).code());
    assertEquals("the target identity has supplementary group 0 (in [0])", findings.get(0).message());
  }

  @Test
  void anOpenDirectoryInsideTheRootMayBeAllowedOutsideNever() {
    Simulation kernel = machine();
    int inside = kernel.leakDirectoryDescriptor("/srv/jail/etc");
    int outside = kernel.leakDirectoryDescriptor("/srv");
    PreflightReport strict = kernel.check(policy().build());
    assertEquals(2, withCode(strict, "open-directory-fd").size(), strict.toString());

    PreflightReport allowed = kernel.check(policy().allowOpenDirectory(inside).allowOpenDirectory(outside).build());
    List<Finding> errors = allowed.errors();
    assertEquals(1, errors.size(), allowed.toString());
    assertEquals("fd " + outside + " is an open directory (/srv) outside the new root: \"..\" climbs 2 level(s) to the top"
        + " (device 1, inode 2, mount 21) without meeting the root (device 1, inode 3, mount 21); allowOpenDirectory(" + outside
        + ") does not cover a directory outside the root", errors.get(0).message());
    assertTrue(allowed.findings().stream().anyMatch(f -> f.severity() == Severity.INFO && f.message().startsWith("fd " + inside + " ")));
  }

  @Test
  void applyRefusesListingEveryErrorAndDoesNothing() {
    Simulation kernel =
        machine().directory("/srv", 0, 0777).entry("/srv/jail/bin/su", FileStatus.Type.REGULAR, 0, 0, 04755, 1).mount("/srv/jail/proc", "proc");
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy().build()));
    for (String code : List.of("component-writable", "setuid-file", "special-mount")) {
      assertTrue(e.getMessage().contains("[" + code + "]"), e.getMessage());
    }
    assertEquals(3, e.report().errors().size(), e.getMessage());
    assertEquals("/", kernel.model().root());
    assertTrue(kernel.calls().stream().noneMatch(c -> c.startsWith("chroot") || c.startsWith("fchdir")), kernel.calls().toString());
  }
}
