package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three routes of the security review past a correct chroot and uid change, that the default
 * policy closes (the baseline seccomp filter in every thread, and leaving the controlling
 * terminal): a push into a root shell's terminal (TIOCSTI), root's session keyring (keyctl), and
 * another process's namespaces (setns). Each is tried in a real child JVM (SecureDefaultChild)
 * confined to 65534 with the default policy, and again without the protection (the raw sequence,
 * or noBaselineFilter()), where the route must be shown open: a test whose control cannot fail
 * would prove nothing.
 */
class SecureDefaultIT {
  private static final String NOBODY = "65534";
  private static final Duration START = Duration.ofSeconds(90);
  private static final String CHILD = "dev.confine.it.SecureDefaultChild";

  private JailWithSecret scene;
  private Path jail;
  private Path outside;
  private String token;

  @BeforeEach
  void setUp() {
    Root.require();
    scene = JailWithSecret.make("secure");
    jail = scene.jail;
    outside = scene.outside;
    token = scene.token;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (scene != null) {
      scene.close();
    }
    if (jail != null) {
      Leftovers.assertNoneOutlives(jail.toString(), "a child JVM of this test", Duration.ofSeconds(5));
    }
  }

  private static ChildJvm child(String... args) throws IOException {
    return ChildJvm.start(List.of(), CHILD, args);
  }



  // ---- 1. a push into the terminal of a root shell ----

  private static final Path LEGACY_TIOCSTI = Path.of("/proc/sys/dev/tty/legacy_tiocsti");

  /** What one run of route 1 showed. */
  private static final class Push {
    Map<String, String> probes;
    String output;
    /** tty_nr of /proc/PID/stat once the child has confined itself and pushed: 0 if it has no terminal. */
    String ttyNrAfter;
    String jobExit;
    /** The length of the line pushed. */
    int length;
  }

  /**
   * An interactive root shell on a pty (script(1) runs bash with the pty as its controlling
   * terminal, and this test types into the master), which starts the child JVM as a job: fds 0 to
   * 2 the pty, its controlling terminal, a process group of its own in the foreground, not a
   * session leader. The child confines as {@code mode} says and pushes "touch outside/pwned\n"
   * with TIOCSTI. Once the job has ended the shell reads its input again: whatever was pushed runs
   * as root before the marker typed next.
   */
  private Push pushFromAJobOfARootShell(String mode) throws Exception {
    if (Files.exists(LEGACY_TIOCSTI)) {
      assumeTrue(Files.readString(LEGACY_TIOCSTI).trim().equals("1"),
          "SKIPPED: dev.tty.legacy_tiocsti is 0: the kernel refuses TIOCSTI to every process without CAP_SYS_ADMIN, so the control cannot show the route open");
    }
    Path target = outside.resolve("pwned");
    Path work = scene.made(Jails.fresh("secure-tty"));
    Path run = work.resolve("run.sh");
    List<String> java =
        ChildJvm.javaCommand(ChildJvm.javaHome(), List.of(), ChildJvm.classpath(), CHILD, "tty", jail.toString(), NOBODY, NOBODY, mode, target.toString());
    // A script keeps the typed line short (no readline wrapping); exec keeps the job's pid the JVM's.
    Files.writeString(run, "exec " + java.stream().map(a -> "'" + a + "'").collect(Collectors.joining(" ")) + "\n");
    // TERM=dumb: plain output to parse; HISTFILE=/dev/null: root's history is not touched.
    ChildJvm shell =
        ChildJvm.startCommand(List.of("env", "TERM=dumb", "HISTFILE=/dev/null", "script", "-q", "-c", "bash --norc --noprofile -i", "/dev/null"));
    try {
      // The markers are arithmetic so that the echo of the typed line never matches them.
      shell.send("echo SHELL-$((20+1))");
      shell.await("SHELL-21", START);
      shell.send("bash " + run + "; echo \"JOB-EXIT $?\"");
      shell.await("READY", START);
      Push push = new Push();
      push.probes = shell.probes();
      push.length = ("touch " + target + "\n").getBytes(StandardCharsets.UTF_8).length;
      String pid = push.probes.get("pid");
      assertTrue(pid != null && pid.matches("\\d+"), "the child said no pid\n" + shell.output());
      push.ttyNrAfter = stat(Long.parseLong(pid))[4];
      Files.createFile(jail.resolve("exit-now")); // the child waits for it, reading no input
      push.jobExit = shell.await("JOB-EXIT", START);
      shell.send("echo SHELL-$((40+2))");
      shell.await("SHELL-42", START);
      push.output = shell.output();
      return push;
    } finally {
      List<ProcessHandle> below = ProcessHandle.of(shell.pid()).map(p -> p.descendants().collect(Collectors.toList())).orElse(List.of());
      for (ProcessHandle p : below) {
        p.destroyForcibly();
      }
      for (ProcessHandle p : below) {
        p.onExit().get(10, TimeUnit.SECONDS);
      }
      shell.close();
    }
  }

  /** The fields of /proc/PID/stat after the command's name: [0] state ... [2] pgrp, [3] session, [4] tty_nr, [5] tpgid. */
  private static String[] stat(long pid) throws IOException {
    return Files.readString(Path.of("/proc", String.valueOf(pid), "stat")).replaceFirst("^.*\\) ", "").trim().split(" ");
  }

  /** The scene is the one the route needs: a job of the shell in the foreground of its terminal, as 65534 once confined. */
  private static void assertAJobOnTheTerminal(Push push) {
    Map<String, String> p = push.probes;
    String out = push.output;
    assertEquals(p.get("pid"), p.get("pgrp"), "a process group of its own (the shell's job)\n" + out);
    assertNotEquals(p.get("pid"), p.get("session"), "not a session leader: the shell leads the session\n" + out);
    assertEquals(p.get("pgrp"), p.get("tpgid"), "the foreground job of the terminal\n" + out);
    assertNotEquals("0", p.get("tty_nr"), "the pty is its controlling terminal\n" + out);
    assertEquals("65534 65534 65534", p.get("uids"), out);
    assertEquals("JOB-EXIT 0", push.jobExit, out);
  }

  private void assertNotPwned(Push push) {
    assertEquals("0/" + push.length, push.probes.get("tiocsti-pushed"), push.output);
    assertEquals("EPERM", push.probes.get("tiocsti-errors"), push.output);
    assertFalse(Files.exists(outside.resolve("pwned")), "the root shell ran the pushed command\n" + push.output);
  }

  @Test
  void theDefaultPolicyStopsAPushIntoTheRootShellsTerminal() throws Exception {
    Push push = pushFromAJobOfARootShell("library");
    assertAJobOnTheTerminal(push);
    assertEquals("ok", push.probes.get("apply"), push.output);
    assertTrue(push.probes.get("notes").contains("left the controlling terminal"), push.output);
    assertEquals("0", push.ttyNrAfter, "seen from outside: no controlling terminal any more\n" + push.output);
    assertNotPwned(push);
  }

  @Test
  void controlWithoutEitherLayerTheJobPushesACommandThatTheRootShellRuns() throws Exception {
    Push push = pushFromAJobOfARootShell("raw");
    assertAJobOnTheTerminal(push);
    assertNotEquals("0", push.ttyNrAfter, "the raw sequence keeps the terminal\n" + push.output);
    assertEquals(push.length + "/" + push.length, push.probes.get("tiocsti-pushed"), push.output);
    assertEquals("none", push.probes.get("tiocsti-errors"), push.output);
    Path pwned = outside.resolve("pwned");
    assertTrue(Files.exists(pwned), "the root shell ran the pushed line\n" + push.output);
    assertEquals(0, Files.getAttribute(pwned, "unix:uid"), "as root: the confined process could not have made it\n" + push.output);
  }

  @Test
  void leavingTheTerminalAloneClosesTheRoute() throws Exception {
    // noBaselineFilter(): TIOCSTI passes the filter; the kernel refuses it (EPERM) to a process
    // whose controlling terminal the target is not, whatever the uid.
    Push push = pushFromAJobOfARootShell("library-nobaseline");
    assertAJobOnTheTerminal(push);
    assertEquals("ok", push.probes.get("apply"), push.output);
    assertEquals("0", push.ttyNrAfter, push.output);
    assertNotPwned(push);
  }

  @Test
  void theBaselineFilterAloneClosesTheRoute() throws Exception {
    // The raw sequence with the library's baseline program installed after chroot: the terminal
    // is still the process's own, and the filter refuses the push.
    Push push = pushFromAJobOfARootShell("raw-filter");
    assertAJobOnTheTerminal(push);
    assertNotEquals("0", push.ttyNrAfter, "the terminal is kept: only the filter stands\n" + push.output);
    assertNotPwned(push);
  }

  // ---- 2. root's session keyring ----

  private static String procKeysAsRoot() throws IOException {
    return Files.readString(Path.of("/proc/keys"));
  }

  /** /proc/keys as uid 65534 sees it: a key shows only to whom may view it, and root may not view 65534's keys. */
  private static String procKeysAsNobody() throws Exception {
    Process cat = new ProcessBuilder("setpriv", "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "cat", "/proc/keys").redirectErrorStream(true).start();
    String out = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(cat.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, cat.exitValue(), out);
    return out;
  }

  /** Runs the keys scenario; returns its probes once the child has exited and its keys are gone. */
  private Map<String, String> keys(String mode) throws Exception {
    String keyring = "confine-it-" + UUID.randomUUID();
    Map<String, String> p;
    try (ChildJvm child = child("keys", jail.toString(), NOBODY, NOBODY, mode, keyring)) {
      p = child.awaitReady(START);
      String out = child.output();
      assertEquals("OK", p.get("keyring"), out);
      assertEquals("OK", p.get("key"), out);
      assertEquals("FOUND", p.get("root-search"), "the search finds the key, as root before the drop\n" + out);
      assertEquals("ok", p.get("apply"), out);
      assertTrue(procKeysAsRoot().contains("confine-it-secret"), "the leftover check below can see the key\n" + procKeysAsRoot());
      assertTrue(procKeysAsRoot().contains(keyring), procKeysAsRoot());
      if (mode.equals("library-nobaseline")) {
        assertTrue(procKeysAsNobody().contains("confine-it-planted-caller"), "the leftover check below can see a planted key\n" + procKeysAsNobody());
      }
      child.exitCleanly();
    }
    // The keyring was the child's alone: with it gone, the kernel collects the keys.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String left;
    do {
      String all = procKeysAsRoot() + procKeysAsNobody();
      left = all.lines().filter(l -> l.contains("confine-it-")).collect(Collectors.joining("\n"));
      if (left.isEmpty()) {
        return p;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("keys outlived the child by 10 s:\n" + left);
  }

  @Test
  void theDefaultPolicyKeepsEveryThreadFromRootsSessionKeyring() throws Exception {
    Map<String, String> p = keys("library");
    for (String who : List.of("caller", "earlier")) {
      assertEquals("65534 65534 65534", p.get(who + "-uids"), who + ": " + p);
      for (String call : List.of("request_key", "search", "read", "add_key")) {
        assertEquals("EPERM", p.get(who + "-" + call), who + "-" + call + ": " + p);
      }
    }
  }

  @Test
  void controlWithoutTheBaselineFilterEveryThreadReadsRootsKeyAsTheTarget() throws Exception {
    // setresuid changes the uid, not the session keyring: the process still possesses it, and a
    // possessor may search, read and write it whoever owns it.
    Map<String, String> p = keys("library-nobaseline");
    for (String who : List.of("caller", "earlier")) {
      assertEquals("65534 65534 65534", p.get(who + "-uids"), who + ": " + p);
      assertEquals("FOUND", p.get(who + "-request_key"), who + ": " + p);
      assertEquals("FOUND", p.get(who + "-search"), who + ": " + p);
      assertEquals("CONTENT s3cret", p.get(who + "-read"), who + ": " + p);
      assertEquals("OK", p.get(who + "-add_key"), who + ": " + p);
    }
  }

  // ---- 3. another process's namespaces ----

  /**
   * A process of the target uid on the host that holds a user namespace of its own and a mount
   * namespace owned by it (a copy of the host's mounts), as any unprivileged user may make.
   */
  private long namespaceHolder() throws Exception {
    Process helper =
        new ProcessBuilder("setpriv", "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "unshare", "--user", "--mount", "--map-root-user", "sleep", "120")
            .redirectErrorStream(true)
            .start();
    scene.helper(helper);
    Path ns = Path.of("/proc", String.valueOf(helper.pid()), "ns", "user");
    Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/user"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!helper.isAlive()) {
        String out = new String(helper.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(false, "SKIPPED: uid 65534 cannot make a user namespace here (unprivileged user namespaces disabled?): " + out);
      }
      try {
        if (!Files.readSymbolicLink(ns).equals(own)
            && Files.readString(Path.of("/proc", String.valueOf(helper.pid()), "comm")).trim().equals("sleep")) {
          return helper.pid();
        }
      } catch (IOException e) {
        // not there yet
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the helper never entered a user namespace of its own");
  }

  /**
   * A static program in the jail: enters the user namespace on descriptor argv[1], then the mount
   * namespace on argv[2] (whose root is the host's: setns moves the caller's root there, out of
   * the chroot), and reads argv[3] by its absolute path. Static: the jail has no libc.
   */
  private void escapeProgramInJail() throws Exception {
    Path work = scene.made(Jails.fresh("secure-build"));
    Path source = work.resolve("nsescape.c");
    Files.writeString(
        source,
        "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sched.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
            + "#include <string.h>\n#include <errno.h>\n#include <unistd.h>\n"
            + "static const char *result(int rc) { return rc == 0 ? \"OK\" : strerrorname_np(errno); }\n"
            + "int main(int argc, char **argv) {\n"
            + "  setvbuf(stdout, NULL, _IONBF, 0);\n"
            + "  uid_t r, e, s; getresuid(&r, &e, &s);\n"
            + "  printf(\"PROBE helper-uids %u %u %u\\n\", r, e, s);\n"
            + "  printf(\"PROBE helper-setns-user %s\\n\", result(setns(atoi(argv[1]), CLONE_NEWUSER)));\n"
            + "  printf(\"PROBE helper-setns-mnt %s\\n\", result(setns(atoi(argv[2]), CLONE_NEWNS)));\n"
            + "  int fd = open(argv[3], O_RDONLY);\n"
            + "  if (fd < 0) { printf(\"PROBE helper-read %s\\n\", strerrorname_np(errno)); return 0; }\n"
            + "  char buf[256]; ssize_t n = read(fd, buf, sizeof buf - 1);\n"
            + "  buf[n < 0 ? 0 : n] = 0; buf[strcspn(buf, \"\\n\")] = 0;\n"
            + "  printf(\"PROBE helper-read CONTENT %s\\n\", buf);\n"
            + "  return 0;\n}\n");
    Path binary = jail.resolve("nsescape");
    Process gcc = new ProcessBuilder("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()).redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, gcc.waitFor(), "gcc -static: " + out);
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private Map<String, String> namespaces(String mode) throws Exception {
    long holder = namespaceHolder();
    escapeProgramInJail();
    String secret = outside.resolve("secret.txt").toString();
    try (ChildJvm child = child("ns", jail.toString(), NOBODY, NOBODY, mode, String.valueOf(holder), secret)) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("OK", p.get("ns-fds"), out);
      assertEquals("ok", p.get("apply"), out);
      assertEquals("65534 65534 65534", p.get("uids"), out);
      assertEquals("ENOENT", p.get("jvm-read"), "chrooted: the host's path is not there\n" + out);
      assertEquals("65534 65534 65534", p.get("helper-uids"), out);
      assertEquals("exit 0", p.get("helper-exit"), out);
      child.exitCleanly();
      return p;
    }
  }

  @Test
  void theDefaultPolicyKeepsTheTargetOutOfAnotherProcesssNamespaces() throws Exception {
    Map<String, String> p = namespaces("library");
    assertEquals("EPERM", p.get("jvm-setns-user"), p.toString());
    assertEquals("EPERM", p.get("helper-setns-user"), "the filter is inherited across execve\n" + p);
    assertEquals("EPERM", p.get("helper-setns-mnt"), p.toString());
    assertEquals("ENOENT", p.get("helper-read"), p.toString());
  }

  @Test
  void controlWithoutTheBaselineFilterAProgramInTheJailEntersThemAndReadsTheHost() throws Exception {
    Map<String, String> p = namespaces("library-nobaseline");
    // The JVM itself cannot take the route: the kernel refuses setns into a user namespace to a
    // process with more than one thread (EINVAL), filter or not. Hence the single-threaded program,
    // as in the review; and hence EPERM above can only come from the filter.
    assertEquals("EINVAL", p.get("jvm-setns-user"), p.toString());
    // uid 65534 owns that user namespace: entering it gives every capability there, and with them
    // the mount namespace it owns, whose root is the host's.
    assertEquals("OK", p.get("helper-setns-user"), p.toString());
    assertEquals("OK", p.get("helper-setns-mnt"), p.toString());
    assertEquals("CONTENT " + token, p.get("helper-read"), "out of the chroot\n" + p);
  }
}
