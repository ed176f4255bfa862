package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routes 5 and 6 of the security review of issue 23, in real child JVMs as root, each with its
 * control: a jail file with file capabilities (cap_setuid+ep) that gave uid 0 back to a thread
 * started before the drop, and a root-only file opened before apply() that stayed readable after it.
 */
class PrivilegeRoutesIT {
  private static final String NOBODY = "65534";
  private static final Duration START = Duration.ofSeconds(90);
  /** VFORK: the JDK's default launcher execs jspawnhelper from the JDK, which is not in the jail. */
  private static final List<String> VFORK = List.of("-Djdk.lang.Process.launchMechanism=VFORK");
  /**
   * security.capability for cap_setuid+ep as setcap writes it (VFS_CAP_REVISION_2, linux/capability.h):
   * magic_etc 0x02000001 (revision 2, effective), permitted low 1 << 7 (CAP_SETUID), inheritable 0,
   * permitted and inheritable high 0; little-endian.
   */
  private static final String CAP_SETUID_EP = "0100000280000000000000000000000000000000";

  private final List<Path> made = new ArrayList<>();
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("privilege");
    made.add(jail);
  }

  @AfterEach
  void tearDown() {
    made.forEach(Jails::remove);
  }

  private static ChildJvm route(List<String> jvmOptions, String scenario, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of(scenario));
    all.addAll(List.of(args));
    return ChildJvm.start(jvmOptions, "dev.confine.it.RouteChild", all.toArray(new String[0]));
  }


  /** A static program in the jail, root's, 0755, that calls setuid(0) and prints its uids; then its file capabilities. */
  private void capableProgramInJail() throws Exception {
    Path work = Jails.fresh("privilege-build");
    made.add(work);
    Path source = work.resolve("getroot.c");
    Files.writeString(
        source,
        "#include <stdio.h>\n#include <unistd.h>\n"
            + "int main(void) { int back = setuid(0); uid_t r, e, s; getresuid(&r, &e, &s);\n"
            + "  printf(\"setuid0=%d ruid=%u euid=%u suid=%u\\n\", back, r, e, s); return 0; }\n");
    Path binary = jail.resolve("getroot");
    Process gcc = new ProcessBuilder("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()).redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes());
    assertEquals(0, gcc.waitFor(), "gcc -static: " + out);
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    // python3's os.setxattr, not setcap: no libcap2-bin needed (CI installs python3-minimal already).
    Process python =
        new ProcessBuilder(
                "/usr/bin/python3", "-c",
                "import os, sys; os.setxattr(sys.argv[1], 'security.capability', bytes.fromhex(sys.argv[2]), follow_symlinks=False)",
                binary.toString(), CAP_SETUID_EP)
            .redirectErrorStream(true)
            .start();
    String pyOut = new String(python.getInputStream().readAllBytes());
    assertEquals(0, python.waitFor(), "setxattr security.capability: " + pyOut);
  }

  // ---- route 5: file capabilities ----

  @Test
  void aFileWithCapSetuidIsRefusedUnderAllowNewPrivilegesNamingTheFile() throws Exception {
    capableProgramInJail();
    try (ChildJvm child = route(VFORK, "filecap", jail.toString(), NOBODY, NOBODY, "getroot", "library")) {
      child.await("READY", START);
      Map<String, String> p = child.probes();
      String out = child.output();
      assertEquals(
          "ERROR " + jail.resolve("getroot") + " carries file capabilities (security.capability: cap_setuid+ep; mode 0755, owner uid 0)",
          p.get("check-file-capabilities"), out);
      assertEquals("PreflightException(file-capabilities)", p.get("apply"), out);
      assertTrue(p.get("apply-message").contains(jail.resolve("getroot") + " carries file capabilities"), out);
      assertEquals("0 0 0", p.get("uids-after-refusal"), "refused before anything changed\n" + out);
      assertEquals("true", p.get("host-visible"), "refused before chroot\n" + out);
      child.exitCleanly();
    }
  }

  @Test
  void controlTheRawSequenceLetsAThreadStartedBeforeTheDropRunItAndBeRootAgain() throws Exception {
    // Proves the refusal above is about something real: nothing stops the file's capabilities.
    capableProgramInJail();
    try (ChildJvm child = route(VFORK, "filecap", jail.toString(), NOBODY, NOBODY, "getroot", "raw")) {
      child.await("READY", START);
      Map<String, String> p = child.probes();
      String out = child.output();
      assertEquals("65534 65534 65534", p.get("uids"), out);
      assertEquals("exit 0: setuid0=0 ruid=0 euid=0 suid=0", p.get("exec-from-early-thread"), out);
      child.exitCleanly();
    }
  }

  // ---- route 6: a descriptor opened as root before apply() ----

  @Test
  void aRootOnlyFileOpenedBeforeApplyIsAWarningAnErrorWhenRefusedAndStillReadableAfterADefaultApply() throws Exception {
    Path shadow = Path.of("/etc/shadow");
    assertEquals("---", PosixFilePermissions.toString(Files.getPosixFilePermissions(shadow)).substring(6), "the test needs a file others cannot read");
    try (ChildJvm child = route(List.of(), "inherited", jail.toString(), NOBODY, NOBODY, shadow.toString())) {
      child.await("READY", START);
      Map<String, String> p = child.probes();
      String out = child.output();
      String fd = p.get("fd");
      assertTrue(fd != null && !fd.equals("-1"), out);
      String finding = p.get("check-inherited");
      assertTrue(finding != null && finding.startsWith("WARNING fd " + fd + " (/etc/shadow) is a file open for reading"), out);
      assertTrue(finding.contains("that uid 65534 with groups [65534] could not open for reading"), out);
      assertEquals("PreflightException(inherited-descriptor)", p.get("strict-apply"), out);
      assertEquals("0 0 0", p.get("strict-uids"), "refused before anything changed\n" + out);
      assertEquals("true", p.get("strict-host-visible"), "refused before chroot\n" + out);
      // Control: a default apply() confines (a WARNING does not refuse), and the kept descriptor still reads the host's file.
      assertEquals("ok", p.get("apply"), out);
      assertEquals("65534 65534 65534", p.get("uids"), out);
      assertEquals("false", p.get("host-visible"), "chrooted\n" + out);
      assertTrue(p.get("read-kept").startsWith("read ") && p.get("read-kept").endsWith(", starting root:"), out);
      child.exitCleanly();
    }
  }
}
