package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.FailureMode;
import dev.confine.Phase;
import dev.confine.PreflightException;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import dev.confine.VerificationException;
import dev.confine.testing.simulation.Simulation;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConfinerTest {
  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("nobody").build();
  }

  @Test
  void confinesAndReportsWhatItDid() {
    Simulation kernel = machine();
    ConfinementReport report = kernel.apply(policy());

    assertEquals("/srv/jail", kernel.model().root());
    assertEquals("/srv/jail", kernel.model().workingDirectory());
    assertTrue(kernel.model().uids().allEqual(65534));
    assertTrue(kernel.model().gids().allEqual(65534));
    assertEquals(List.of(), kernel.model().groups());
    assertEquals(0, kernel.model().capabilities().permitted);
    assertFalse(kernel.model().descriptorsByPath().containsKey("/srv/jail"), "root fd must be closed");

    assertEquals(65534, report.uid());
    assertEquals("nobody", report.userName().orElseThrow());
    assertEquals(
        List.of("getresuid() = 65534 65534 65534", "getresgid() = 65534 65534 65534", "getgroups() = []",
            "setuid(0) fails with EPERM", "setgid(0) fails with EPERM", "getcwd() = \"/\""),
        report.verifications().subList(0, 6));
    assertTrue(report.verifications().get(6).startsWith("3 threads (/proc/self/task/*/status)"), report.verifications().get(6));
    assertFalse(kernel.model().descriptorsByPath().containsKey("<proc>/self/task"), "the thread list is closed before apply() returns");
    assertTrue(report.phases().keySet().containsAll(List.of(Phase.values())));
    assertEquals(policy().toBuilder().build().plan().size(), report.steps().size());
  }

  @Test
  void theSyscallsRunInOpenSshOrder() {
    Simulation kernel = machine();
    kernel.apply(policy());
    List<String> sequence =
        kernel.calls().stream()
            .map(c -> c.substring(0, c.indexOf('(')))
            .filter(c -> List.of("open", "fchdir", "chroot", "chdir", "close", "setgroups", "setresgid", "setresuid").contains(c))
            .collect(Collectors.toList());
    // The first open is /dev/tty (left after chroot: the third close), then /proc/self/task, kept
    // across chroot to verify every thread (the last close), the root, and the working directory
    // to come back to on a refusal before chroot (closed with the root's descriptor).
    assertEquals(
        List.of("open", "open", "open", "open", "fchdir", "chroot", "chdir", "close", "close", "close", "setgroups", "setresgid", "setresuid",
            "close"),
        sequence);
  }

  @Test
  void aNumericUidWithoutPasswdEntryNeedsAGroup() {
    Simulation kernel = machine();
    ConfinementException e =
        assertThrows(ConfinementException.class, () -> kernel.apply(Confinement.builder().root("/srv/jail").user(4242).build()));
    assertTrue(e.getMessage().contains("uid 4242 has no passwd entry"), e.getMessage());
    assertTrue(kernel.model().uids().allEqual(0), "nothing changed");

    kernel.apply(Confinement.builder().root("/srv/jail").user(4242).group(4242).build());
    assertTrue(kernel.model().uids().allEqual(4242));
  }

  @Test
  void anUnknownUserNameIsRefusedBeforeAnythingChanges() {
    Simulation kernel = machine();
    ConfinementException e =
        assertThrows(ConfinementException.class, () -> kernel.apply(Confinement.builder().root("/srv/jail").user("nosuch").build()));
    assertTrue(e.getMessage().contains("no user named \"nosuch\""), e.getMessage());
    assertEquals("/", kernel.model().root());
  }

  @Test
  void aUserWhoseUidIsZeroIsRefused() {
    Simulation kernel = machine().user("toor", 0, 0);
    assertThrows(ConfinementException.class, () -> kernel.apply(Confinement.builder().root("/srv/jail").user("toor").build()));
    assertEquals("/", kernel.model().root());
  }

  @Test
  void refusesWhenNotRootListingTheFinding() {
    Simulation kernel = machine().runningAs(1000, 1000);
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy()));
    assertTrue(e.report().has("not-root"));
    assertTrue(e.getMessage().contains("runs as uid 1000, not root"), e.getMessage());
    assertEquals("/", kernel.model().root());
  }

  @Test
  void refusesALeakedDirectoryDescriptorAndAMissingRootAtOnce() {
    Simulation kernel = new Simulation().directory("/etc").user("nobody", 65534, 65534);
    int fd = kernel.leakDirectoryDescriptor("/etc");
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy()));
    assertEquals(2, e.report().errors().size(), e.getMessage());
    assertTrue(e.getMessage().contains("fd " + fd + " is an open directory (/etc) outside the new root"), e.getMessage());
    assertTrue(e.getMessage().contains("fchdir(2)"), e.getMessage());
    assertTrue(e.report().has("root-missing"));
  }

  @Test
  void aSymlinkedRootIsRefused() {
    Simulation kernel = machine().symlink("/srv/link", "/srv/jail");
    PreflightException e =
        assertThrows(PreflightException.class, () -> kernel.apply(Confinement.builder().root("/srv/link").user("nobody").build()));
    assertTrue(e.report().has("root-symlink"));
  }

  @Test
  void secondApplyFailsAndRunsNothing() {
    Simulation kernel = machine();
    kernel.apply(policy());
    int calls = kernel.calls().size();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> kernel.apply(policy()));
    assertTrue(e.getMessage().contains("already confined"), e.getMessage());
    assertEquals(calls, kernel.calls().size());
  }

  @Test
  void aFailureBeforeChrootThrowsAndLeavesTheProcessUnconfinedAndRetryable() {
    Simulation kernel = machine().failNext(Syscall.OPEN, "EACCES");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertEquals(Syscall.OPEN, e.syscall());
    assertEquals("EACCES", e.errnoName());
    assertFalse(e.pastPointOfNoReturn());
    assertEquals(OptionalInt.empty(), kernel.haltStatus());
    assertEquals("/", kernel.model().root());
    assertTrue(kernel.model().uids().allEqual(0));

    kernel.apply(policy());
    assertTrue(kernel.model().uids().allEqual(65534));
  }

  @Test
  void aFailingFchdirClosesTheRootDescriptor() {
    Simulation kernel = machine().failNext(Syscall.FCHDIR, "EIO");
    assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertFalse(kernel.model().descriptorsByPath().containsKey("/srv/jail"));
  }

  /**
   * Issue 26: chroot failing (EIO, made to fail for real by a child's own seccomp filter) left the
   * daemon, still root, in the jail's directory: fchdir had moved it. A refusal before the point
   * of no return now puts the working directory back and closes what it held for that.
   */
  @ParameterizedTest
  @EnumSource(value = Syscall.class, names = {"FCHDIR", "CHROOT"})
  void aRefusalAfterFchdirPutsTheWorkingDirectoryBack(Syscall failing) throws Exception {
    Simulation kernel = machine().directory("/home/app");
    kernel.model().chdir("/home/app");
    kernel.failNext(failing, "EIO");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertFalse(e.pastPointOfNoReturn());
    assertEquals("/home/app", kernel.model().workingDirectory());
    assertEquals("/", kernel.model().root());
    assertEquals(Map.of(0, "/dev/pts/0", 1, "/dev/pts/0", 2, "/dev/pts/0"), kernel.model().descriptors(), "nothing held is left open");
    // Control: the same refusal with the working directory already in the root changes nothing either.
    Simulation inside = machine();
    inside.model().chdir("/srv/jail");
    inside.failNext(failing, "EIO");
    assertThrows(SyscallException.class, () -> inside.apply(policy()));
    assertEquals("/srv/jail", inside.model().workingDirectory());
  }

  @Test
  void whenConfinedNoDescriptorOfTheOldWorkingDirectoryIsLeft() throws Exception {
    Simulation kernel = machine().directory("/home/app");
    kernel.model().chdir("/home/app");
    kernel.apply(policy());
    assertEquals("/srv/jail", kernel.model().workingDirectory(), "the fake names directories by their host path");
    assertFalse(kernel.model().descriptors().containsValue("/home/app"), kernel.model().descriptors().toString());
  }

  @ParameterizedTest
  @EnumSource(value = Syscall.class, names = {"CHDIR", "CLOSE", "SETGROUPS", "SETRESGID", "SETRESUID"})
  void aFailureAfterChrootHaltsAndRunsNoLaterStep(Syscall failing) {
    Simulation kernel = machine().failNext(failing, "EIO");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertEquals(failing, e.syscall());
    assertTrue(e.pastPointOfNoReturn());
    assertEquals(OptionalInt.of(FailureMode.HALT_STATUS), kernel.haltStatus());
    assertTrue(kernel.stderr().contains("must not go on"), kernel.stderr());
    assertTrue(kernel.stderr().contains(failing.cName()), kernel.stderr());
    List<String> calls = kernel.calls();
    int failed = calls.indexOf(calls.stream().filter(c -> c.endsWith("(injected)")).findFirst().orElseThrow());
    assertTrue(calls.get(failed).startsWith(failing.cName() + "("), calls.toString());
    // After the failure no step runs: only what the sequence held is closed (the terminal's
    // descriptor 3, the root's 5 and the old working directory's 6 if the failure came before
    // their close steps, and the thread list, 4, always).
    List<String> after = calls.subList(failed + 1, calls.size());
    assertTrue(after.contains("close(4) = 0") && after.stream().allMatch(c -> c.matches("close\\([3456]\\) = 0")),
        "no step after the failing one: " + after);
    IllegalStateException again = assertThrows(IllegalStateException.class, () -> kernel.apply(policy()));
    assertTrue(again.getMessage().contains("must exit"));
  }

  @Test
  void throwModeThrowsWithoutHalting() {
    Simulation kernel = machine().failNext(Syscall.SETRESUID, "EAGAIN");
    ConfinementPolicy policy = policy().toBuilder().onFailureAfterChroot(FailureMode.THROW).build();
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy));
    assertTrue(e.pastPointOfNoReturn());
    assertTrue(e.getMessage().contains("RLIMIT_NPROC"), e.getMessage());
    assertEquals(OptionalInt.empty(), kernel.haltStatus());
  }

  @Test
  void aChrootRefusedByTheKernelIsNotPastThePointOfNoReturn() {
    Simulation kernel = machine().failNext(Syscall.CHROOT, "EPERM");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertFalse(e.pastPointOfNoReturn());
    assertTrue(e.getMessage().contains("chroot(\".\") failed: EPERM"), e.getMessage());
    assertTrue(e.getMessage().contains("CAP_SYS_CHROOT"), e.getMessage());
    assertEquals(OptionalInt.empty(), kernel.haltStatus());
  }

  @Test
  void verificationCatchesAFailedRead() {
    Simulation kernel = machine().failNext(Syscall.GETGROUPS, "EFAULT");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertTrue(e.pastPointOfNoReturn());
    assertEquals(OptionalInt.of(71), kernel.haltStatus());
  }

  @Test
  void verificationRequiresThatRootCannotBeRegained() {
    // A kernel on which setresuid "succeeds" without changing the saved uid: the classic bug
    // OpenSSH's permanently_set_uid guards against by trying to get root back.
    Simulation kernel = machine();
    ConfinementPolicy policy = policy().toBuilder().onFailureAfterChroot(FailureMode.THROW).build();
    Kernel lying =
        new ForwardingKernel(kernel.model()) {
          private boolean dropped;

          public void setresuid(long r, long e, long s) throws ErrnoException {
            kernel.model().setresuid(r, e, 0);
            dropped = true;
          }

          public Kernel.Ids getresuid() throws ErrnoException {
            return dropped ? new Kernel.Ids(65534, 65534, 65534) : kernel.model().getresuid();
          }
        }.kernel();
    Confiner confiner = new Confiner(() -> lying, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, (p, c) -> java.util.Map.of(), new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8), summary -> {});
    VerificationException e = assertThrows(VerificationException.class, () -> confiner.apply(Internal.get().viewOf(policy)));
    assertTrue(e.getMessage().contains("setuid(0) succeeded"), e.getMessage());
  }

  @Test
  void theAttemptToRegainRootIsMadeInTheCallingThreadAlone() throws ErrnoException {
    // Kernel.setuid is the system call, not glibc's broadcast (which would stop every thread of
    // thousands to repeat a refusal): where it succeeds, the caller alone is changed; the other
    // threads keep what they had, which the verification of every thread then reads.
    Simulation kernel = machine();
    long worker = kernel.otherThread("worker");
    kernel.model().setresuid(65534, 65534, 0);
    kernel.model().setuid(0);
    Map<Long, List<Long>> byThread = new java.util.HashMap<>();
    for (dev.confine.internal.linux.ThreadStatus t : kernel.model().threads()) {
      byThread.put(t.tid, t.uid);
    }
    assertEquals(List.of(65534L, 0L, 0L, 0L), byThread.get(kernel.callerThread()), byThread.toString());
    assertEquals(List.of(65534L, 65534L, 0L, 65534L), byThread.get(worker), "the other thread is left as it was: " + byThread);
    // Control: setresuid, glibc's broadcast, changes every thread.
    Simulation control = machine();
    long controlWorker = control.otherThread("worker");
    control.model().setresuid(65534, 65534, 0);
    for (dev.confine.internal.linux.ThreadStatus t : control.model().threads()) {
      assertEquals(List.of(65534L, 65534L, 0L, 65534L), t.uid, "thread " + t.tid + " (worker " + controlWorker + ")");
    }
  }

  @Test
  void syslogIsOpenedBeforeChrootAndUsableAfter() {
    Simulation kernel = machine();
    ConfinementReport report = kernel.apply(policy().toBuilder().openSyslogFirst().build());
    List<String> calls = kernel.calls();
    int openlog = indexOf(calls, "openlog(");
    int chroot = indexOf(calls, "chroot(");
    assertTrue(openlog >= 0 && openlog < chroot, calls.toString());
    report.syslog().orElseThrow().info("hello from the jail");
    assertEquals(List.of("java <30> hello from the jail"), kernel.model().syslogMessages());
  }

  @Test
  void umaskIsApplied() {
    Simulation kernel = machine();
    kernel.apply(policy().toBuilder().umask(077).build());
    assertEquals(077, kernel.model().currentUmask());
  }

  @Test
  void theReportNotesTheCachedUserDir() {
    ConfinementReport report = machine().apply(policy());
    if (!System.getProperty("user.dir").equals("/")) {
      assertTrue(report.notes().stream().anyMatch(n -> n.contains("user.dir still reads")), report.notes().toString());
    }
  }

  private static int indexOf(List<String> calls, String prefix) {
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void stepsAreValues() {
    assertEquals(Internal.get().newStep(Syscall.CHDIR, "a", false, "/"), Internal.get().newStep(Syscall.CHDIR, "b", false, "/"));
  }
}
