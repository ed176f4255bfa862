package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.Finding;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The escape routes a review found (issue 12), tried in real child JVMs that confine themselves
 * to 65534. Each route has two runs: through the library, which must refuse before chroot or halt
 * the process (status 71) after it, and a control through the raw sequence (or the launch state
 * the library would refuse), which shows the route open without the protection.
 */
class EscapeRoutesIT {
  private static final String NOBODY = "65534";
  private static final Duration START = Duration.ofSeconds(90);
  private static final int HALT = 71;

  private JailWithSecret scene;
  private Path jail;
  private Path outside;
  private String token;

  @BeforeEach
  void setUp() {
    Root.require();
    scene = JailWithSecret.make("route");
    jail = scene.jail;
    outside = scene.outside;
    token = scene.token;
  }

  @AfterEach
  void tearDown() {
    if (scene != null) {
      scene.close();
    }
  }

  private static ChildJvm route(String scenario, String... args) throws IOException {
    return route(List.of(), scenario, args);
  }

  private static ChildJvm route(List<String> wrapper, String scenario, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of(scenario));
    all.addAll(List.of(args));
    return ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), List.of(), "dev.confine.it.RouteChild", all.toArray(new String[0]));
  }


  /** The child halted past chroot: status 71, the message on stderr, and no "apply ok". */
  private static void assertHalted(ChildJvm child, String because) throws InterruptedException {
    int status = child.waitFor(START);
    String out = child.output();
    assertEquals(HALT, status, out);
    assertTrue(out.contains("failed after chroot"), out);
    assertTrue(out.contains(because), "expected \"" + because + "\" in:\n" + out);
    assertFalse(out.contains("PROBE apply ok"), out);
  }


  // ---- 1. directory descriptors opened late ----

  @Test
  void aDirectoryAHookOpensIsRefusedBeforeChrootAndWouldOtherwiseLeadOut() throws Exception {
    try (ChildJvm child = route("hook-dir", jail.toString(), NOBODY, NOBODY, outside.toString())) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("PreflightException(open-directory-fd)", p.get("apply"), "preflight runs after the hooks\n" + out);
      assertEquals("0 0 0", p.get("uids-after-refusal"), out);
      assertNotEquals("-1", p.get("hook-fd"), "the hook's stream still holds its descriptor\n" + out);
      // Control: the same descriptor, through the raw sequence, reads the host's file as 65534.
      assertEquals("65534 65534 65534", p.get("raw-uids"), out);
      assertEquals("CONTENT " + token, p.get("escape-openat"), out);
      child.exitCleanly();
    }
  }

  @Test
  void aHookThatOpensUpTheJailAfterACleanCheckIsRefused() throws Exception {
    Path spool = Files.createDirectory(jail.resolve("spool"));
    Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (ChildJvm child = route("hook-chmod", jail.toString(), NOBODY, NOBODY, "spool")) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("0 errors", p.get("check-before"), "the jail was clean before the hook\n" + out);
      assertEquals("PreflightException(jail-writable)", p.get("apply"), "preflight sees what the hook did\n" + out);
      assertEquals("OK", p.get("raw-write"), "control: the raw sequence writes into what the hook opened\n" + out);
      child.exitCleanly();
    }
  }

  @Test
  void aDirectoryAnotherThreadTakesBackAtChrootHaltsTheProcess() throws Exception {
    try (ChildJvm child = route("late-fd", jail.toString(), NOBODY, NOBODY, outside.toString(), "library")) {
      assertHalted(child, "a directory outside the new root is still open");
      assertTrue(child.output().contains("PROBE late-fd-received"), "the thread did take the descriptor back\n" + child.output());
      assertFalse(child.output().contains("as uids 65534"), child.output());
    }
  }

  @Test
  void controlWithoutTheLookAfterTheDropThatThreadReadsTheHostAsTheTarget() throws Exception {
    try (ChildJvm child = route("late-fd", jail.toString(), NOBODY, NOBODY, outside.toString(), "raw")) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("CONTENT " + token + " as uids 65534 65534 65534", p.get("late-read"), child.output());
      child.exitCleanly();
    }
  }

  // ---- 2. every thread's root and working directory ----

  @Test
  void aThreadWithItsOwnFileSystemViewHaltsTheProcess() throws Exception {
    String secret = outside.resolve("secret.txt").toString();
    try (ChildJvm child = route("unshare-fs", jail.toString(), NOBODY, NOBODY, secret, "library")) {
      assertHalted(child, "does not share the process's root");
      assertTrue(child.output().contains("PROBE unshare-clone-fs OK"), child.output());
    }
  }

  @Test
  void controlThatThreadKeepsTheHostsRootThroughTheRawSequence() throws Exception {
    String secret = outside.resolve("secret.txt").toString();
    try (ChildJvm child = route("unshare-fs", jail.toString(), NOBODY, NOBODY, secret, "raw")) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("false", p.get("caller-etc-passwd-visible"), "the caller is chrooted\n" + out);
      assertEquals("CONTENT " + token + " as uids 65534 65534 65534", p.get("own-thread-read"), out);
      child.exitCleanly();
    }
  }

  // ---- 3. writable is more than mode bits ----

  @Test
  void aDirectoryTheTargetOwnsIsWritableWhateverItsMode() throws Exception {
    Path data = Files.createDirectory(jail.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r-xr-xr-x"));
    Files.setAttribute(data, "unix:uid", 65534);
    try (ChildJvm child = route("write", jail.toString(), NOBODY, NOBODY, "data", "library")) {
      assertEquals("PreflightException(jail-writable)", child.awaitReady(START).get("apply"), child.output());
      child.exitCleanly();
    }
    try (ChildJvm child = route("write", jail.toString(), NOBODY, NOBODY, "data", "raw")) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("AccessDeniedException", p.get("write-first"), "mode 0555 stops the first write\n" + out);
      assertEquals("OK", p.get("chmod"), "but its owner may chmod it\n" + out);
      assertEquals("OK", p.get("write-after-chmod"), out);
      child.exitCleanly();
    }
  }

  @Test
  void aDirectoryWithAnAclEntryForTheTargetIsWritable() throws Exception {
    Path data = Files.createDirectory(jail.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    setAcl(data, 65534);
    try (ChildJvm child = route("write", jail.toString(), NOBODY, NOBODY, "data", "library")) {
      assertEquals("PreflightException(jail-writable)", child.awaitReady(START).get("apply"), child.output());
      child.exitCleanly();
    }
    try (ChildJvm child = route("write", jail.toString(), NOBODY, NOBODY, "data", "raw")) {
      assertEquals("OK", child.awaitReady(START).get("write-first"), "root-owned 0755, and yet: the ACL\n" + child.output());
      child.exitCleanly();
    }
  }

  @Test
  void aPathComponentWithAnAclEntryIsComponentWritable() throws Exception {
    Path base = scene.made(Jails.fresh("route-acl-base"));
    Path inner = Files.createDirectory(base.resolve("jail"));
    Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertFalse(has(Confinement.builder().root(inner).user(65534).group(65534).build().check(), "component-writable"), "control: no ACL, no finding");
    setAcl(base, 4242);
    PreflightReport report = Confinement.builder().root(inner).user(65534).group(65534).build().check();
    List<Finding> found = report.findings().stream().filter(f -> f.code().equals("component-writable")).collect(Collectors.toList());
    assertEquals(1, found.size(), report.toString());
    assertEquals(Severity.ERROR, found.get(0).severity());
    assertTrue(found.get(0).message().contains(base + " is writable through its ACL by [user:4242:rwx]"), found.get(0).message());
  }

  /** setfacl -m u:UID:rwx, written as the kernel stores it (linux/posix_acl_xattr.h). */
  private static void setAcl(Path path, int uid) {
    ByteBuffer b = ByteBuffer.allocate(4 + 5 * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(2);
    b.putShort((short) 0x01).putShort((short) 7).putInt(-1); // user::rwx
    b.putShort((short) 0x02).putShort((short) 7).putInt(uid); // user:UID:rwx
    b.putShort((short) 0x04).putShort((short) 5).putInt(-1); // group::r-x
    b.putShort((short) 0x10).putShort((short) 7).putInt(-1); // mask::rwx
    b.putShort((short) 0x20).putShort((short) 5).putInt(-1); // other::r-x
    byte[] value = b.array();
    AttackLibC libc = AttackLibC.load();
    assertEquals(0, libc.setxattr(path.toString(), "system.posix_acl_access", value, value.length, 0),
        "setxattr on " + path + ": " + AttackLibC.lastErrno(libc) + " (does this file system support POSIX ACLs?)");
  }

  private static boolean has(PreflightReport report, String code) {
    return report.findings().stream().anyMatch(f -> f.code().equals(code) && f.severity() == Severity.ERROR);
  }

  // ---- 4. mounts inside the jail ----

  /** Runs the child in a private mount namespace with a tmpfs (these options) on jail/tmp and /dev/urandom's node on it. */
  private List<String> tmpfsWithDevice(String options) throws IOException {
    Files.createDirectories(jail.resolve("tmp"));
    return List.of(
        "unshare", "--mount", "--propagation", "private", "sh", "-c",
        "mount -t tmpfs -o \"$1\" tmpfs \"$0/tmp\" && mknod -m 0666 \"$0/tmp/urandom\" c 1 9 && shift && exec \"$@\"",
        jail.toString(), options);
  }

  @Test
  void aTmpfsInsideTheJailWithADeviceNodeIsRefusedAndItsDeviceWouldOtherwiseWork() throws Exception {
    try (ChildJvm child = route(tmpfsWithDevice("mode=0755"), "device", jail.toString(), NOBODY, NOBODY, "tmp/urandom", "library")) {
      assertEquals("PreflightException(device-node,mount-inside-jail)", child.awaitReady(START).get("apply"), "the walk enters the mount\n" + child.output());
      child.exitCleanly();
    }
    try (ChildJvm child = route(tmpfsWithDevice("mode=0755"), "device", jail.toString(), NOBODY, NOBODY, "tmp/urandom", "raw")) {
      assertEquals("read 16 bytes", child.awaitReady(START).get("device-read"), child.output());
      child.exitCleanly();
    }
    // With nodev the same node is inert: what the mount rule buys even for nodes made later.
    try (ChildJvm child = route(tmpfsWithDevice("mode=0755,nodev,nosuid"), "device", jail.toString(), NOBODY, NOBODY, "tmp/urandom", "raw")) {
      assertEquals("EACCES", child.awaitReady(START).get("device-read"), child.output());
      child.exitCleanly();
    }
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(jail.toString()), "the host never saw the mounts");
  }

  // ---- 5. launch state ----

  @Test
  void inheritableCapabilitiesAndSecurebitsAreRefusedBeforeChroot() throws Exception {
    List<String> inheritable = List.of("setpriv", "--inh-caps", "+net_raw");
    try (ChildJvm child = ChildJvm.startWrapped(inheritable, ChildJvm.javaHome(), List.of(), "dev.confine.it.AttackChild", "try-apply", jail.toString(), NOBODY, NOBODY)) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("PreflightException(inheritable-capabilities)", p.get("apply"), child.output());
      assertEquals("0 0 0", p.get("uids"), child.output());
      child.exitCleanly();
    }
    List<String> noFixup = List.of("setpriv", "--securebits", "+no_setuid_fixup");
    try (ChildJvm child = ChildJvm.startWrapped(noFixup, ChildJvm.javaHome(), List.of(), "dev.confine.it.AttackChild", "try-apply", jail.toString(), NOBODY, NOBODY)) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("PreflightException(securebits)", p.get("apply"), child.output());
      child.exitCleanly();
    }
  }

  @Test
  void controlWithoutTheFixUpTheRawDropLeavesEveryThreadAllOfRootsCapabilities() throws Exception {
    List<String> noFixup = List.of("setpriv", "--securebits", "+no_setuid_fixup");
    try (ChildJvm child = route(noFixup, "confine", jail.toString(), NOBODY, NOBODY, "raw")) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("65534 65534 65534", p.get("uids"), child.output());
      Map<String, Map<String, String>> threads = ProcView.threads(child.pid());
      for (Map<String, String> status : threads.values()) {
        assertTrue(status.get("Uid").startsWith("65534"), status.toString());
        assertNotEquals("0000000000000000", status.get("CapPrm"), "uid 65534 with root's capabilities: " + status);
      }
      child.exitCleanly();
    }
  }

  @Test
  void controlInheritableCapabilitiesSurviveTheRawDropInEveryThreadButTheCaller() throws Exception {
    List<String> inheritable = List.of("setpriv", "--inh-caps", "+net_raw");
    try (ChildJvm child = route(inheritable, "confine", jail.toString(), NOBODY, NOBODY, "raw")) {
      child.awaitReady(START);
      long withInheritable =
          ProcView.threads(child.pid()).values().stream().filter(s -> s.get("CapInh").equals("0000000000002000")).count();
      assertTrue(withInheritable > 1, "the raw drop does not touch CapInh: " + withInheritable + " threads keep cap_net_raw\n" + child.output());
      child.exitCleanly();
    }
  }

  // ---- 6. identity, dumpable, the deny list ----

  @Test
  void aPasswdEntryWithUidMinusOneIsRefusedWhereItIsResolved() throws Exception {
    Path passwd = jail.resolve("passwd");
    Files.writeString(passwd, Files.readString(Path.of("/etc/passwd")) + "minus:x:4294967295:65534:uid -1:/:/usr/sbin/nologin\n");
    List<String> wrapper =
        List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$1\" /etc/passwd; shift; exec \"$@\"", "sh", passwd.toString());
    try (ChildJvm child = ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), List.of(), "dev.confine.it.AttackChild", "try-apply", jail.toString(), "minus")) {
      Map<String, String> p = child.awaitReady(START);
      assertTrue(p.get("apply").startsWith("ConfinementException(user \"minus\" has uid 4294967295"), child.output());
      assertEquals("0 0 0", p.get("uids"), child.output());
      child.exitCleanly();
    }
  }

  @Test
  void controlSetresuidMinusOneChangesNothing() throws Exception {
    try (ChildJvm child = route("confine", jail.toString(), "4294967295", NOBODY, "raw")) {
      assertEquals("0 0 0", child.awaitReady(START).get("uids"), "(uid_t) -1 is \"unchanged\": the raw drop keeps root\n" + child.output());
      child.exitCleanly();
    }
  }

  private static final Path SUID_DUMPABLE = Path.of("/proc/sys/fs/suid_dumpable");

  /** What another process of uid 65534 reads of the child's /proc/PID/environ: its exit status and output. */
  private static String environAsNobody(long pid) throws Exception {
    Process cat =
        new ProcessBuilder("setpriv", "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "head", "-c", "16", "/proc/" + pid + "/environ")
            .redirectErrorStream(true)
            .start();
    String out = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(cat.waitFor(10, TimeUnit.SECONDS));
    return cat.exitValue() + " " + out;
  }

  @Test
  void theProcessIsNotDumpableEvenWhereSuidDumpableIsOne() throws Exception {
    String before = Files.readString(SUID_DUMPABLE).trim();
    try {
      // fs.suid_dumpable=1 (some distributions' setting): a set*id leaves the process dumpable.
      Files.writeString(SUID_DUMPABLE, "1");
      try (ChildJvm child = route("confine", jail.toString(), NOBODY, NOBODY, "library")) {
        assertEquals("ok", child.awaitReady(START).get("apply"), child.output());
        String read = environAsNobody(child.pid());
        assertTrue(read.startsWith("1 ") && read.contains("Permission denied"), "uid 65534 must not read the daemon's /proc files: " + read);
        child.exitCleanly();
      }
      try (ChildJvm child = route("confine", jail.toString(), NOBODY, NOBODY, "raw")) {
        child.awaitReady(START);
        String read = environAsNobody(child.pid());
        assertTrue(read.startsWith("0 "), "control: without PR_SET_DUMPABLE 0, uid 65534 reads it: " + read);
        child.exitCleanly();
      }
    } finally {
      Files.writeString(SUID_DUMPABLE, before);
    }
  }

  // ---- a jail that is a bind mount (issue 23, route 4) ----

  /**
   * The child in a private mount namespace where the jail is a bind mount of {@code source}: the
   * mount is gone with the child, and the host never sees it.
   */
  private static ChildJvm bindSourceRoute(Path source, Path jail, Path kept, Path secret, String mode) throws IOException {
    List<String> wrapper =
        List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$0\" \"$1\" && shift && exec \"$@\"", source.toString(), jail.toString());
    return route(wrapper, "bind-source", jail.toString(), NOBODY, NOBODY, kept.toString(), secret.toString(), mode);
  }

  @Test
  void aDirectoryKeptInTheBindSourceOfTheJailIsRefusedBeforeChrootThoughAllowed() throws Exception {
    Path source = scene.made(Jails.fresh("route-bind-source"));
    Path kept = Files.createDirectory(source.resolve("www"));
    Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (ChildJvm child = bindSourceRoute(source, jail, kept, outside.resolve("secret.txt"), "library")) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("true", p.get("same-device-and-inode"), "the bind shows its source's device and inode\n" + out);
      assertEquals("false", p.get("same-mount"), out);
      assertEquals("PreflightException(open-directory-fd)", p.get("apply"), out);
      String refusal = p.get("refusal");
      assertTrue(refusal.startsWith("fd " + p.get("kept-fd") + " is an open directory (" + kept + ") outside the new root"), out);
      assertTrue(refusal.contains("on another mount"), out);
      assertTrue(refusal.contains("allowOpenDirectory(" + p.get("kept-fd") + ") does not cover a directory outside the root"), out);
      assertEquals("0 0 0", p.get("uids-after-refusal"), "refused before anything changed\n" + out);
      child.exitCleanly();
    }
  }

  @Test
  void controlThroughTheRawSequenceThatDescriptorReadsTheHost() throws Exception {
    Path source = scene.made(Jails.fresh("route-bind-source"));
    Path kept = Files.createDirectory(source.resolve("www"));
    Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (ChildJvm child = bindSourceRoute(source, jail, kept, outside.resolve("secret.txt"), "raw")) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("true", p.get("same-device-and-inode"), out);
      assertEquals("CONTENT " + token + " as uids 65534 65534 65534", p.get("escape-openat"), "\"..\" from the source climbs to the host\n" + out);
      child.exitCleanly();
    }
  }

  /** A process of uid 65534 that holds the outside directory open on descriptor 3. */
  private long helperHoldingOutside() throws Exception {
    Process helper =
        new ProcessBuilder("setpriv", "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "sh", "-c", "exec 3<\"$0\"; exec sleep 120", outside.toString())
            .start();
    scene.helper(helper);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Path fd3 = Path.of("/proc", String.valueOf(helper.pid()), "fd", "3");
    while (System.nanoTime() < deadline) {
      try {
        if (Files.readSymbolicLink(fd3).equals(outside) && Files.readString(Path.of("/proc", String.valueOf(helper.pid()), "comm")).trim().equals("sleep")) {
          return helper.pid();
        }
      } catch (IOException e) {
        // not there yet
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the helper never held " + outside + " on fd 3");
  }

  @Test
  void theDenyListStopsPidfdGetfdFromTakingADirectoryOfAnotherProcess() throws Exception {
    long helper = helperHoldingOutside();
    try (ChildJvm child = route("pidfd", jail.toString(), NOBODY, NOBODY, String.valueOf(helper), "3", "deny")) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("ok", p.get("apply"), child.output());
      assertEquals("EPERM", p.get("pidfd_getfd"), child.output());
      assertEquals("none", p.get("stolen-read"), child.output());
      child.exitCleanly();
    }
    // The default policy's baseline filter refuses it as well (issue 23).
    try (ChildJvm child = route("pidfd", jail.toString(), NOBODY, NOBODY, String.valueOf(helper), "3", "default")) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("EPERM", p.get("pidfd_getfd"), child.output());
      assertEquals("none", p.get("stolen-read"), child.output());
      child.exitCleanly();
    }
    try (ChildJvm child = route("pidfd", jail.toString(), NOBODY, NOBODY, String.valueOf(helper), "3", "none")) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("OK", p.get("pidfd_getfd"), "control: without any filter the call goes through\n" + child.output());
      assertEquals("CONTENT " + token, p.get("stolen-read"), child.output());
      child.exitCleanly();
    }
  }
}
