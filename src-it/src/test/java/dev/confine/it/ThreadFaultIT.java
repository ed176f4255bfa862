package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 26, the one-thread case (ThreadFaultChild): a set*id call made to fail by a filter in one
 * thread only (a thread started before apply(), or the caller), where glibc's set*id broadcast
 * sees one thread fail and the others succeed. glibc then aborts the process (nptl's
 * setxid_error). The child holds 6 s in its SIGABRT handler; the parent samples every thread from
 * /proc all along and judges:
 * <ul>
 *   <li>the process ends by glibc's abort (134) or confine's halt (71), and no code of the daemon
 *       ran after apply() (the caller never returned from it);
 *   <li>no thread was ever seen with the effect of a step after the failed one (setgroups, then
 *       setresgid, then setresuid), and none with the host's root once the process was chrooted;
 *   <li>while held: which threads did the failed step, which did not, and that the caller is one
 *       that did not, blocked in a system call (inside the failed set*id, or in abort's handler).
 * </ul>
 * The children start with supplementary group 0 (setpriv --groups 0), so that setgroups shows.
 */
class ThreadFaultIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final int HALT = 71;
  private static final int ABORT = 134;
  private static final Path MATRIX = Path.of("target", "fault-matrix-threads.txt");
  private static final List<String> GROUPS_ZERO = List.of("setpriv", "--groups", "0", "--");
  /** The order of the set*id steps in the sequence, and the /proc field each changes. */
  private static final List<String> STEPS = List.of("setgroups", "setresgid", "setresuid");
  private static final List<String> FIELDS = List.of("Groups", "Gid", "Uid");
  private static final Map<String, String> ROOT_VALUE = Map.of("Groups", "0", "Gid", "0\t0\t0\t0", "Uid", "0\t0\t0\t0");

  private JailAndCwd dirs;
  private Path jail;
  private Path cwd;

  @BeforeEach
  void setUp() {
    dirs = new JailAndCwd("tfault");
    jail = dirs.jail;
    cwd = dirs.cwd;
  }

  @AfterEach
  void tearDown() {
    dirs.close();
  }

  static final class Case {
    final String syscall;
    final String errno;
    final String where;
    final String policy;

    Case(String syscall, String errno, String where, String policy) {
      this.syscall = syscall;
      this.errno = errno;
      this.where = where;
      this.policy = policy;
    }

    @Override
    public String toString() {
      return syscall + " " + errno + " in " + (where.equals("other") ? "one other thread" : "the caller only") + " (" + policy + ")";
    }
  }

  static Stream<Case> cases() {
    List<Case> all = new ArrayList<>();
    Map<String, List<String>> errnos = Map.of("setgroups", List.of("EPERM", "EINVAL"), "setresgid", List.of("EPERM", "EINVAL"), "setresuid", List.of("EAGAIN", "EIO"));
    // Each case holds 6 s: the second errno of each call runs on Java 17 only (glibc's
    // behaviour does not depend on the JVM; the Temurin 25 run keeps one errno per call).
    boolean both = ChildJvm.featureVersion(ChildJvm.javaHome()) == 17;
    for (String where : List.of("other", "caller")) {
      for (String syscall : STEPS) {
        for (String errno : both ? errnos.get(syscall) : errnos.get(syscall).subList(0, 1)) {
          all.add(new Case(syscall, errno, where, "nobaseline"));
        }
      }
    }
    // With the baseline filter (the default policy): its TSYNC meets the other thread's own
    // filter (ESRCH), or carries the caller's filter to every thread.
    all.add(new Case("setresuid", "EAGAIN", "other", "baseline"));
    all.add(new Case("setresuid", "EAGAIN", "caller", "baseline"));
    return all.stream();
  }

  @Test
  void controlAFilterWithoutTsyncActsInItsThreadOnly() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.ThreadFaultChild", "filter-control", cwd.toString())) {
      Map<String, String> p = child.awaitReady(START);
      assertEquals("EIO", p.get("control-victim-chdir"), child.output());
      assertEquals("ok", p.get("control-main-chdir"), child.output());
      assertEquals("/", p.get("control-cwd"), child.output());
      child.exitCleanly();
    }
  }

  /** Without confine: glibc's setresuid(0, 0, 0) aborts when one thread's call fails. */
  @Test
  void controlGlibcAbortsWhenOneThreadFails() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.ThreadFaultChild", "glibc-control", cwd.toString())) {
      int status = child.waitFor(START);
      assertEquals(ABORT, status, child.output());
      assertFalse(child.output().contains("PROBE after-apply-ran"), child.output());
      assertFalse(child.output().contains("PROBE control-setresuid"), child.output());
      record("control: setresuid(0, 0, 0) through glibc, EPERM in one other thread, no confine -> status " + status + " (SIGABRT)");
    }
  }

  /**
   * A native thread that blocks glibc's SIGSETXID (raw rt_sigprocmask) would make glibc's set*id
   * broadcast wait for it for ever: apply() hung after chroot, the process alive in the half-made
   * jail with every thread root (seen here before preflight looked). Preflight now reads every
   * thread's SigBlk and refuses before anything is done.
   */
  @Test
  void aThreadBlockingGlibcsSetxidSignalIsRefusedBeforeChroot() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.ThreadFaultChild", "setxid-blocked", jail.toString(), cwd.toString())) {
      child.await("READY", START);
      String apply = child.probes().getOrDefault("apply", "");
      assertTrue(apply.startsWith("PreflightException past=false") && apply.contains("setxid-signal-blocked"), apply + "\n" + child.output());
      assertRefusedWithNothingChanged(child, "a thread blocking SIGSETXID");
      record("a native thread blocking SIGSETXID (" + child.probes().get("threads-blocking-sigsetxid") + " such thread) -> refused before chroot"
          + " (setxid-signal-blocked), nothing changed");
    }
  }

  /** From outside: every thread still uid 0, the process's root "/" and its working directory where the child put it. */
  private void assertRefusedWithNothingChanged(ChildJvm child, String what) throws IOException {
    long pid = child.pid();
    assertEquals("/", ProcView.root(pid).toString(), what + "\n" + child.output());
    assertEquals(cwd, ProcView.cwd(pid), what + "\n" + child.output());
    for (Map.Entry<String, Map<String, String>> t : ProcView.threads(pid).entrySet()) {
      assertEquals("0\t0\t0\t0", t.getValue().get("Uid"), what + ": thread " + t.getKey() + "\n" + child.output());
    }
  }

  @ParameterizedTest(name = "{0} fails closed")
  @MethodSource("cases")
  void oneThreadFailingFailsClosed(Case c) throws Exception {
    long started = System.nanoTime();
    try (ChildJvm child =
        ChildJvm.startWrapped(GROUPS_ZERO, ChildJvm.javaHome(), List.of(), "dev.confine.it.ThreadFaultChild",
            jail.toString(), cwd.toString(), c.syscall, c.errno, c.where, c.policy)) {
      ProcWatch watch = ProcWatch.start(child.pid(), 5);
      boolean ready;
      try {
        child.await("READY", START);
        ready = true;
      } catch (AssertionError ended) {
        ready = false;
      }
      if (ready) {
        watch.close();
        String apply = child.probes().getOrDefault("apply", "");
        if (apply.startsWith("PreflightException past=false") && apply.contains("seccomp-filters-differ")) {
          // Preflight saw the thread's own filter (Seccomp_filters differ) and refused before
          // anything was done: checked from outside, every thread still root, root and cwd as they were.
          assertRefusedWithNothingChanged(child, c.toString());
          record(c + " -> refused before chroot (seccomp-filters-differ), nothing changed; " + (System.nanoTime() - started) / 1_000_000 + " ms");
          return;
        }
        record(c + " -> NOT FAIL-CLOSED: apply() returned: " + apply);
        fail(c + ": apply() returned to the caller: " + apply + "\n" + child.output());
      }
      int status = child.waitFor(Duration.ofSeconds(30));
      List<ProcWatch.Sample> samples = watch.finish();
      String out = child.output();
      if (out.contains("PROBE after-apply-ran")) {
        record(c + " -> NOT FAIL-CLOSED: the daemon's code ran after apply() (status " + status + ")");
        fail(c + ": the daemon's code ran after apply()\n" + out);
      }
      assertTrue(status == HALT || status == ABORT, c + ": status " + status + "\n" + out);
      String mainTid = child.probes().get("main-tid");
      assertNotNull(mainTid, out);
      String held = judge(c, status, samples, mainTid, out);
      record(c + " -> " + (status == ABORT ? "aborted 134 (glibc)" : "halted 71 (confine)") + "; " + samples.size() + " samples; " + held
          + "; " + (System.nanoTime() - started) / 1_000_000 + " ms");
    }
  }

  /** Checks every sample; returns what the middle one of the samples in which threads differed showed. */
  private static String judge(Case c, int status, List<ProcWatch.Sample> samples, String mainTid, String out) {
    int step = STEPS.indexOf(c.syscall);
    String field = FIELDS.get(step);
    boolean chrooted = false;
    List<ProcWatch.Sample> differing = new ArrayList<>();
    for (ProcWatch.Sample s : samples) {
      chrooted |= !s.processRoot.equals("/");
      for (ProcWatch.Task t : s.tasks) {
        if (chrooted && t.root.equals("/")) {
          fail(c + ": thread " + t + " had the host's root after chroot\n" + out);
        }
        for (int later = step + 1; later < FIELDS.size(); later++) {
          String value = t.field(FIELDS.get(later));
          if (!value.equals(ROOT_VALUE.get(FIELDS.get(later)))) {
            fail(c + ": thread " + t + " went past the failed " + c.syscall + ": " + FIELDS.get(later) + " " + value + "\n" + out);
          }
        }
      }
      if (s.tasks.stream().map(t -> t.field(field)).distinct().count() > 1) {
        differing.add(s);
      }
    }
    // The middle one: the first may come before the abort, the last while the process dies.
    ProcWatch.Sample heldSample = differing.isEmpty() ? null : differing.get(differing.size() / 2);
    if (status == HALT) {
      // confine refused the step (the filter reached every thread, or TSYNC met the foreign one).
      String why = out.lines().filter(l -> l.startsWith("confine:")).findFirst().orElse("");
      return "threads never differed in " + field + (heldSample == null ? "" : " (they did once!)") + ": " + shorten(why);
    }
    assertNotNull(heldSample, c + ": glibc aborted, but no sample caught the threads differing in " + field + "\n" + out);
    ProcWatch.Sample held = heldSample;
    String rootValue = ROOT_VALUE.get(field);
    List<ProcWatch.Task> notDone = held.tasks.stream().filter(t -> t.field(field).equals(rootValue)).collect(Collectors.toList());
    List<ProcWatch.Task> done = held.tasks.stream().filter(t -> !t.field(field).equals(rootValue)).collect(Collectors.toList());
    ProcWatch.Task caller = held.tasks.stream().filter(t -> t.tid.equals(mainTid)).findFirst().orElse(null);
    assertNotNull(caller, c + ": the caller was not among the threads while held\n" + out);
    assertTrue(notDone.contains(caller), c + ": the caller " + caller + " had done the failed " + c.syscall + " while held\n" + out);
    assertTrue(caller.blocked(), c + ": the caller " + caller + " was not in a system call while held\n" + out);
    assertFalse(held.processRoot.equals("/"), c + ": held with the host's root\n" + out);
    return "held (" + differing.size() + " samples differing): " + done.size() + " threads had done " + c.syscall + ", " + notDone.size() + " still root in " + field + ": "
        + notDone.stream().map(ProcWatch.Task::toString).collect(Collectors.joining(", "));
  }

  private static String shorten(String line) {
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  private static synchronized void record(String line) throws IOException {
    System.out.println("FAULT " + line);
    Files.createDirectories(MATRIX.getParent());
    Files.writeString(MATRIX, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
