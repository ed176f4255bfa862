package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each bad situation built for real in a fresh jail, and the exact finding seen. Checks that only
 * read run in this JVM through policy.check() (which never confines); apply() and anything that
 * needs a clean process (no stray descriptors) or another mount namespace runs in a child JVM.
 */
class PreflightIT {
  /** Unused ids: nothing on the machine runs as them (see sharedUid, which starts one on purpose). */
  private static final long UID = 64999;
  private static final long GID = 64999;
  private static final Duration CHILD = Duration.ofSeconds(60);

  private Path jail;
  private final List<Path> more = new ArrayList<>();

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("preflight");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
    more.forEach(Jails::remove);
  }

  private static ConfinementPolicy.Builder policy(Path root) {
    return Confinement.builder().root(root).user(UID).group(GID);
  }

  private static List<Finding> withCode(PreflightReport report, String code) {
    return report.findings().stream().filter(f -> f.code().equals(code)).collect(Collectors.toList());
  }

  private static Finding only(PreflightReport report, String code) {
    List<Finding> found = withCode(report, code);
    assertEquals(1, found.size(), code + " in\n" + report);
    return found.get(0);
  }

  static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
  }

  /** The "FINDING SEVERITY code message" lines of a child, as "SEVERITY code message". */
  private static List<String> findings(ChildJvm child) {
    return child.output().lines().filter(l -> l.startsWith("FINDING ")).map(l -> l.substring(8)).collect(Collectors.toList());
  }

  @Test
  void aCleanJailHasNoErrorInAFreshProcess() throws Exception {
    Files.createDirectories(jail.resolve("etc"));
    Files.writeString(jail.resolve("etc/hosts"), "127.0.0.1 localhost\n");
    Files.createDirectories(jail.resolve("bin"));
    Files.createSymbolicLink(jail.resolve("bin/escape"), Path.of("/usr/bin"));
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.PreflightChild", jail.toString(), "" + UID, "" + GID)) {
      child.await("ERRORS", CHILD);
      assertEquals(0, child.waitFor(CHILD), child.output());
      assertTrue(child.output().contains("ERRORS 0"), child.output());
      assertTrue(findings(child).stream().noneMatch(f -> f.startsWith("ERROR") || f.startsWith("WARNING")), child.output());
    }
  }

  @Test
  void aGroupWritableComponent() throws Exception {
    Path component = jail.resolve("shared");
    Path root = component.resolve("jail");
    Files.createDirectories(root);
    Files.setPosixFilePermissions(component, PosixFilePermissions.fromString("rwxrwxr-x"));
    Finding f = only(policy(root).build().check(), "component-writable");
    assertEquals(Severity.ERROR, f.severity());
    assertEquals("component " + component + " is writable by group 0 (mode 0775)", f.message());
  }

  @Test
  void aSymlinkedComponent() throws Exception {
    Files.createDirectories(jail.resolve("real/jail"));
    Files.createSymbolicLink(jail.resolve("link"), Path.of("real"));
    Path root = jail.resolve("link/jail");
    PreflightReport report = policy(root).build().check();
    assertEquals("component " + jail.resolve("link") + " of the root " + root + " is a symbolic link", only(report, "symlink-in-path").message());
    assertTrue(report.hasErrors());
  }

  @Test
  void aJailOwnedByTheTargetUser() throws Exception {
    Path root = jail.resolve("owned");
    Files.createDirectories(root);
    run("chown", UID + ":" + GID, root.toString());
    PreflightReport report = policy(root).build().check();
    assertEquals("the root " + root + " is owned by uid " + UID + ", not root", only(report, "component-not-root-owned").message());
    assertTrue(only(report, "jail-writable").message().startsWith(root + " (the root) is writable by the target uid " + UID), report.toString());
  }

  @Test
  void aFileWritableByTheTargetUnlessItsDirectoryIsAllowed() throws Exception {
    Path spool = Files.createDirectories(jail.resolve("var/spool"));
    run("chown", UID + ":" + GID, spool.toString());
    PreflightReport strict = policy(jail).build().check();
    assertEquals(Severity.ERROR, only(strict, "jail-writable").severity());
    Finding allowed = only(policy(jail).allowWritable("var/spool").build().check(), "jail-writable");
    assertEquals(Severity.INFO, allowed.severity());
    assertTrue(allowed.message().endsWith("(allowed by allowWritable(\"var/spool\"))"), allowed.message());
  }

  @Test
  void aSetuidFileButNotOneBehindASymlink() throws Exception {
    Path tool = jail.resolve("bin/tool");
    Files.createDirectories(tool.getParent());
    Files.writeString(tool, "#!/bin/sh\n");
    run("chmod", "4755", tool.toString());
    Path outside = Jails.fresh("preflight-outside");
    more.add(outside);
    Path outsideTool = Files.writeString(outside.resolve("other-tool"), "#!/bin/sh\n");
    run("chmod", "4755", outsideTool.toString());
    Files.createSymbolicLink(jail.resolve("linked"), outside); // a setuid file behind a link: must not be walked
    PreflightReport report = policy(jail).build().check();
    assertEquals(tool + " is setuid (mode 4755, owner uid 0)", only(report, "setuid-file").message());
  }

  @Test
  void aDeviceNodeMadeWithMknod() throws Exception {
    Files.createDirectories(jail.resolve("dev"));
    run("mknod", "-m", "0644", jail.resolve("dev/null").toString(), "c", "1", "3");
    Finding f = only(policy(jail).build().check(), "device-node");
    assertEquals(Severity.ERROR, f.severity());
    assertEquals(jail.resolve("dev/null") + " is a character device node", f.message());
    assertEquals(Severity.INFO, only(policy(jail).allowDeviceNodes("dev/null").build().check(), "device-node").severity());
  }

  @Test
  void aWorkingDevNullIsAcceptedByItsNameAlone() throws Exception {
    Files.createDirectories(jail.resolve("dev"));
    run("mknod", "-m", "0666", jail.resolve("dev/null").toString(), "c", "1", "3");
    Finding f = only(policy(jail).build().check(), "device-node");
    assertEquals(jail.resolve("dev/null") + " is a character device node, writable by everyone (mode 0666)", f.message());
    PreflightReport allowed = policy(jail).allowDeviceNodes("dev/null").build().check();
    assertEquals(List.of(), allowed.errors(), allowed.toString());
  }

  @Test
  void aHardLinkedFile() throws Exception {
    Path elsewhere = Jails.fresh("preflight-outside");
    more.add(elsewhere);
    Path original = Files.writeString(elsewhere.resolve("secret"), "outside\n");
    Files.createLink(jail.resolve("secret"), original);
    Finding f = only(policy(jail).build().check(), "hard-link");
    assertEquals(Severity.WARNING, f.severity());
    assertTrue(f.message().startsWith(jail.resolve("secret") + " has 2 links"), f.message());
  }

  /**
   * Issue 23, route 7: a FIFO and a host socket hard-linked into the jail (a service outside
   * listens on it; connecting needs only write permission on the node) were found by nothing.
   * Control: the same jail without them has no such finding.
   */
  @Test
  void aFifoAndAHostSocketLinkedIntoTheJail() throws Exception {
    assertEquals(List.of(), withCode(policy(jail).build().check(), "fifo-or-socket"), "control: none before");
    run("mkfifo", "-m", "0644", jail.resolve("pipe").toString());
    Path elsewhere = Jails.fresh("preflight-outside");
    more.add(elsewhere);
    Path hostSocket = elsewhere.resolve("service.sock");
    try (java.nio.channels.ServerSocketChannel service = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      service.bind(java.net.UnixDomainSocketAddress.of(hostSocket));
      Files.createLink(jail.resolve("service.sock"), hostSocket);
      List<Finding> found = withCode(policy(jail).build().check(), "fifo-or-socket");
      assertEquals(2, found.size(), found.toString());
      assertTrue(found.stream().allMatch(f -> f.severity() == Severity.WARNING), found.toString());
      assertTrue(found.stream().anyMatch(f -> f.message().startsWith(jail.resolve("pipe") + " is a FIFO (mode 0644")), found.toString());
      assertTrue(found.stream().anyMatch(f -> f.message().startsWith(jail.resolve("service.sock") + " is a socket") && f.message().contains("2 links")),
          found.toString());
    }
  }

  @Test
  void anOpenDirectoryOutsideHeldByTheChildRefusesApply() throws Exception {
    try (ChildJvm child =
        ChildJvm.start(List.of(), "dev.confine.it.PreflightChild", jail.toString(), "" + UID, "" + GID, "--open-dir", "/etc", "--apply")) {
      child.await("ERRORS", CHILD);
      assertEquals(0, child.waitFor(CHILD), child.output());
      String fd = child.output().lines().filter(l -> l.startsWith("OPENED ")).findFirst().orElseThrow().substring(7);
      assertTrue(child.output().contains("REFUSED preflight refused the confinement"), child.output());
      assertTrue(child.output().contains("[open-directory-fd] fd " + fd + " is an open directory (/etc) outside the new root"), child.output());
      assertTrue(child.output().contains("ROOT-STILL /"), "nothing was confined: " + child.output());
      assertFalse(child.output().contains("CONFINED"), child.output());
    }
  }

  @Test
  void anOpenDirectoryInsideMayBeAllowed() throws Exception {
    Files.createDirectories(jail.resolve("data"));
    try (ChildJvm strict =
        ChildJvm.start(List.of(), "dev.confine.it.PreflightChild", jail.toString(), "" + UID, "" + GID, "--open-dir", jail.resolve("data").toString())) {
      strict.await("ERRORS", CHILD);
      assertTrue(findings(strict).stream().anyMatch(f -> f.startsWith("ERROR open-directory-fd ") && f.contains(jail.resolve("data") + ") inside the new root")),
          strict.output());
    }
    try (ChildJvm allowed =
        ChildJvm.start(List.of(), "dev.confine.it.PreflightChild", jail.toString(), "" + UID, "" + GID, "--open-dir", jail.resolve("data").toString(),
            "--allow-open-dir")) {
      allowed.await("ERRORS", CHILD);
      assertTrue(allowed.output().contains("ERRORS 0"), allowed.output());
      assertTrue(findings(allowed).stream().anyMatch(f -> f.startsWith("INFO open-directory-fd ") && f.contains("(allowed by allowOpenDirectory(")),
          allowed.output());
    }
  }

  @Test
  void uid0TargetIsRefusedByTheBuilder() {
    ConfinementPolicy.Builder b = Confinement.builder().root(jail);
    assertEquals("uid must not be 0: confining to root keeps root", assertThrows(IllegalArgumentException.class, () -> b.user(0)).getMessage());
    assertEquals("gid must not be 0: confining to root keeps root", assertThrows(IllegalArgumentException.class, () -> b.group(0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.user("root"));
    assertThrows(IllegalArgumentException.class, () -> b.supplementaryGroups(10, 0));
  }

  @Test
  void aProcMountInsideTheJailInAPrivateMountNamespace() throws Exception {
    Files.createDirectories(jail.resolve("proc"));
    List<String> wrapper =
        List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", "mount -t proc proc \"$0/proc\" && exec \"$@\"", jail.toString());
    try (ChildJvm child = ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), List.of(), "dev.confine.it.PreflightChild", jail.toString(), "" + UID, "" + GID)) {
      child.await("ERRORS", CHILD);
      assertTrue(findings(child).contains("ERROR special-mount a proc file system is mounted at " + jail.resolve("proc") + ", inside the jail"),
          child.output());
    }
    // The host never saw the mount.
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(jail.toString()));
  }

  @Test
  void anotherProcessRunningAsTheTargetUid() throws Exception {
    long shared = 64998;
    Process sleeper = new ProcessBuilder("setpriv", "--reuid", "" + shared, "--regid", "" + shared, "--clear-groups", "sleep", "60").start();
    try {
      long pid = sleeper.pid(); // setpriv execs sleep: same pid
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      Finding f;
      while (true) {
        List<Finding> found = withCode(Confinement.builder().root(jail).user(shared).group(shared).build().check(), "shared-uid");
        if (!found.isEmpty() || System.nanoTime() > deadline) {
          assertEquals(1, found.size(), "shared-uid");
          f = found.get(0);
          break;
        }
        Thread.sleep(50);
      }
      assertEquals(Severity.WARNING, f.severity());
      assertTrue(f.message().matches("\\d+ other process(es)? already runs? as uid " + shared + ": pid .*\\b" + pid + "\\b.*"), f.message());
    } finally {
      sleeper.destroyForcibly();
      sleeper.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
