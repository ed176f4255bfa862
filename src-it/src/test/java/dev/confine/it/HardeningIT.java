package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
 * no_new_privs, capabilities and every thread, seen from outside through
 * /proc/&lt;pid&gt;/task/*&#47;status of a child JVM that confined itself.
 */
class HardeningIT {
  private static final String ZERO = "0000000000000000";
  private static final String NET_BIND_SERVICE = "0000000000000400";
  private static final String NET_RAW = "0000000000002000";

  private Path jail;
  private final List<Path> extra = new ArrayList<>();

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("harden");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
    extra.forEach(Jails::remove);
  }

  private ChildJvm start(List<String> jvmOptions, String... options) throws IOException {
    List<String> args = new ArrayList<>(List.of(jail.toString(), "65534", "65534"));
    args.addAll(List.of(options));
    return ChildJvm.start(jvmOptions, "dev.confine.it.HardenChild", args.toArray(new String[0]));
  }

  /** Asserts ids, groups, NoNewPrivs and the capability sets of every thread; returns the threads. */
  private static Map<String, Map<String, String>> assertEveryThreadDropped(long pid, String callerPrmEff, String output) throws IOException {
    Map<String, Map<String, String>> threads = ProcView.threads(pid);
    assertTrue(threads.size() > 5, "a JVM has many threads: " + threads.keySet());
    int withKept = 0;
    for (Map.Entry<String, Map<String, String>> e : threads.entrySet()) {
      Map<String, String> s = e.getValue();
      String who = "thread " + e.getKey() + " " + s.get("Name") + "\n" + output;
      assertEquals("65534\t65534\t65534\t65534", s.get("Uid"), who);
      assertEquals("65534\t65534\t65534\t65534", s.get("Gid"), who);
      assertEquals("", s.get("Groups"), who);
      assertEquals("1", s.get("NoNewPrivs"), who);
      assertEquals("2", s.get("Seccomp"), who);
      assertEquals(ZERO, s.get("CapInh"), who);
      assertEquals(ZERO, s.get("CapAmb"), who);
      if (!s.get("CapPrm").equals(ZERO)) {
        withKept++;
        assertEquals(callerPrmEff, s.get("CapPrm"), who);
        assertEquals(callerPrmEff, s.get("CapEff"), who);
        assertEquals(ZERO, s.get("CapBnd"), "the thread holding kept capabilities is the caller, whose bounding set is empty: " + who);
      } else {
        assertEquals(ZERO, s.get("CapEff"), who);
      }
    }
    assertEquals(callerPrmEff.equals(ZERO) ? 0 : 1, withKept, "kept capabilities live in the calling thread only:\n" + output);
    return threads;
  }

  private static int freeLowPort() throws IOException {
    for (int port : new int[] {80, 81, 82, 83, 88, 90, 99}) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException busy) {
        // try the next
      }
    }
    throw new IllegalStateException("no free port below 1024 among those tried");
  }

  @Test
  void byDefaultEveryThreadHasNoNewPrivsAndNoCapabilityAndCannotBindALowPort() throws Exception {
    int port = freeLowPort();
    try (ChildJvm child = start(List.of(), "--bind=" + port)) {
      child.await("READY", Duration.ofSeconds(60));
      Map<String, Map<String, String>> threads = assertEveryThreadDropped(child.pid(), ZERO, child.output());
      // The bounding set: empty in the calling thread only (prctl is per thread), full elsewhere.
      long emptyBounding = threads.values().stream().filter(s -> s.get("CapBnd").equals(ZERO)).count();
      assertTrue(emptyBounding >= 1, child.output());
      assertTrue(child.output().contains("other threads keep"), child.output());
      assertTrue(child.probes().get("bind-caller").startsWith("FAILED"), child.output());
      assertTrue(child.probes().get("bind-other").startsWith("FAILED"), child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void keptNetBindServiceLivesInTheCallerOnlyAndBindsALowPortThere() throws Exception {
    int port = freeLowPort();
    try (ChildJvm child = start(List.of(), "--keep", "--bind=" + port)) {
      child.await("READY", Duration.ofSeconds(60));
      assertEveryThreadDropped(child.pid(), NET_BIND_SERVICE, child.output());
      assertEquals("OK", child.probes().get("bind-caller"), child.output());
      assertTrue(child.probes().get("bind-other").startsWith("FAILED"), "a thread from before apply() holds no capability: " + child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void fiftyThreadsCreatingThreadsDuringApplyAllEndDropped() throws Exception {
    try (ChildJvm child = start(List.of(), "--churn=50", "--deny")) {
      child.await("READY", Duration.ofSeconds(90));
      String started = child.probes().get("churn-threads-started");
      assertTrue(started != null && Long.parseLong(started.split(" ")[0]) > 50, child.output());
      assertEveryThreadDropped(child.pid(), ZERO, child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void keptNetRawOpensARawSocketFromTheCallerOnly() throws Exception {
    try (ChildJvm child = start(List.of(), "--keep-raw", "--raw-socket")) {
      child.await("READY", Duration.ofSeconds(60));
      assertEveryThreadDropped(child.pid(), NET_RAW, child.output());
      assertEquals("OK", child.probes().get("raw-caller"), "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) with CAP_NET_RAW kept:\n" + child.output());
      assertEquals("FAILED EPERM", child.probes().get("raw-other"), "a thread from before apply() holds no capability: " + child.output());
      assertTrue(child.output().contains("kept [NET_RAW]"), child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void withoutNetRawARawSocketIsRefusedEverywhere() throws Exception {
    try (ChildJvm child = start(List.of(), "--raw-socket")) {
      child.await("READY", Duration.ofSeconds(60));
      assertEveryThreadDropped(child.pid(), ZERO, child.output());
      assertEquals("FAILED EPERM", child.probes().get("raw-caller"), child.output());
      assertEquals("FAILED EPERM", child.probes().get("raw-other"), child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  /** Every descriptor of the process that is a directory, as "fd -> target", read from /proc/&lt;pid&gt;/fd by the parent. */
  private static List<String> directoryDescriptors(long pid) throws IOException {
    List<String> directories = new ArrayList<>();
    List<Path> entries;
    try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      entries = fds.collect(java.util.stream.Collectors.toList());
    }
    assertTrue(entries.size() >= 3, "stdin, stdout, stderr at least: " + entries);
    for (Path fd : entries) {
      // The magic link is followed: as root the parent sees what the descriptor refers to.
      if (Files.isDirectory(fd)) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException closedMeanwhile) {
          target = "?";
        }
        directories.add(fd.getFileName() + " -> " + target);
      }
    }
    return directories;
  }

  @Test
  void noDirectoryDescriptorIsLeftOpenAfterApplyAndTheReportSaysTheThreadListWasClosed() throws Exception {
    try (ChildJvm child = start(List.of())) {
      child.await("READY", Duration.ofSeconds(60));
      assertEquals(List.of(), directoryDescriptors(child.pid()), child.output());
      assertTrue(
          child.output().lines().anyMatch(l -> l.matches("REPORT verified closed the /proc/self/task descriptor \\(fd \\d+\\) before returning.*")),
          child.output());
      assertTrue(child.output().contains("open(\"/proc/self/task\""), "the plan opened it: " + child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void theDirectoryDescriptorCheckSeesOneOpenedAfterApply() throws Exception {
    // Proves the check above can fail: a directory the child opens after apply() is seen.
    try (ChildJvm child = start(List.of(), "--open-dir")) {
      child.await("READY", Duration.ofSeconds(60));
      String fd = child.probes().get("opened-dir");
      assertTrue(fd != null && fd.matches("\\d+"), child.output());
      assertEquals(List.of(fd + " -> " + jail), directoryDescriptors(child.pid()), child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  /** A static setuid-root program in the jail: prints its real and effective uid, and whether setuid(0) works. */
  private void setuidProgramInJail() throws Exception {
    Path work = Jails.fresh("suid-build");
    extra.add(work);
    Path source = work.resolve("suidtest.c");
    Files.writeString(
        source,
        "#include <stdio.h>\n#include <unistd.h>\n"
            + "int main(void) { uid_t r, e, s; getresuid(&r, &e, &s);\n"
            + "  int back = setuid(0);\n"
            + "  printf(\"ruid=%u euid=%u suid=%u setuid0=%d\\n\", r, e, s, back); return 0; }\n");
    Path binary = jail.resolve("suidtest");
    Process gcc = new ProcessBuilder("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()).redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes());
    assertEquals(0, gcc.waitFor(), "gcc -static: " + out);
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals(0, new ProcessBuilder("chmod", "4755", binary.toString()).start().waitFor());
    assertEquals("root", Files.getOwner(binary).getName());
  }

  @Test
  void aSetuidRootProgramInTheJailDoesNotGainRootWithNoNewPrivs() throws Exception {
    setuidProgramInJail();
    try (ChildJvm child = start(List.of("-Djdk.lang.Process.launchMechanism=VFORK"), "--allow-setuid=suidtest", "--exec=/suidtest")) {
      child.await("READY", Duration.ofSeconds(60));
      assertEquals("0", child.probes().get("exec-status"), child.output());
      assertEquals("ruid=65534 euid=65534 suid=65534 setuid0=-1", child.probes().get("exec"), child.output());
      assertTrue(child.output().contains("setuid-file") && child.output().contains("allowed by allowSetuidFiles"), child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void theSameProgramGainsRootWhenNewPrivilegesAreAllowed() throws Exception {
    // Proves the test above can fail: without no_new_privs the setuid bit works.
    setuidProgramInJail();
    try (ChildJvm child =
        start(List.of("-Djdk.lang.Process.launchMechanism=VFORK"), "--allow-setuid=suidtest", "--allow-new-privileges", "--exec=/suidtest")) {
      child.await("READY", Duration.ofSeconds(60));
      assertEquals("ruid=65534 euid=0 suid=0 setuid0=0", child.probes().get("exec"), child.output());
      Map<String, Map<String, String>> threads = ProcView.threads(child.pid());
      threads.values().forEach(s -> assertEquals("0", s.get("NoNewPrivs"), child.output()));
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  /** A static program in the jail that exits 0: something to run once chroot has removed /bin. */
  private void trueProgramInJail() throws Exception {
    Path work = Jails.fresh("true-build");
    extra.add(work);
    Path source = work.resolve("true.c");
    Files.writeString(source, "int main(void) { return 0; }\n");
    Path binary = jail.resolve("true");
    Process gcc = new ProcessBuilder("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()).redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes());
    assertEquals(0, gcc.waitFor(), "gcc -static: " + out);
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void denyExecStopsEveryThreadFromStartingAProgramButNotAThread() throws Exception {
    trueProgramInJail();
    try (ChildJvm child = start(List.of("-Djdk.lang.Process.launchMechanism=VFORK"), "--deny-exec", "--exec-everywhere=/true")) {
      child.await("READY", Duration.ofSeconds(60));
      Map<String, String> p = child.probes();
      for (String where : List.of("caller", "preexisting", "new")) {
        String got = p.get("exec-" + where);
        assertTrue(got != null && got.startsWith("FAILED") && got.contains("Operation not permitted"), where + ": " + got + "\n" + child.output());
      }
      assertEquals("OK", p.get("thread-start"), child.output());
      assertTrue(child.output().contains("no thread can run a program or start a process"), "the report says it\n" + child.output());
      ProcView.threads(child.pid()).values().forEach(s -> assertEquals("2", s.get("Seccomp"), child.output()));
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void withoutDenyExecTheSameProgramRunsFromEveryThread() throws Exception {
    // Proves the test above can fail: the program, the jail and the launch mechanism work.
    trueProgramInJail();
    try (ChildJvm child = start(List.of("-Djdk.lang.Process.launchMechanism=VFORK"), "--exec-everywhere=/true")) {
      child.await("READY", Duration.ofSeconds(60));
      Map<String, String> p = child.probes();
      for (String where : List.of("caller", "preexisting", "new")) {
        assertEquals("exit 0", p.get("exec-" + where), where + "\n" + child.output());
      }
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }
}
