package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Capability;
import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.FailureMode;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import dev.confine.VerificationException;
import dev.confine.internal.linux.ThreadStatus;
import dev.confine.testing.FakeKernel;
import dev.confine.testing.PolicyAssertions;
import dev.confine.testing.TestAccess;
import dev.confine.testing.simulation.SimulatedKernel;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** no_new_privs, capabilities, seccomp and the per-thread verification, against the fake kernel. */
class HardeningTest {
  private static final long NET_BIND = 1L << 10;

  private static FakeKernel machine() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").file("/etc/passwd", 0, 0644).user("nobody", 65534, 65534);
    kernel.otherThread("C2 CompilerThre");
    kernel.otherThread("GC Thread#0");
    return kernel;
  }

  private static ConfinementPolicy.Builder builder() {
    return Confinement.builder().root("/srv/jail").user("nobody");
  }

  private static SimulatedKernel sim(FakeKernel kernel) {
    return TestAccess.simulated(kernel);
  }

  private static ThreadStatus thread(FakeKernel kernel, long tid) {
    return sim(kernel).threads().stream().filter(t -> t.tid == tid).findFirst().orElseThrow();
  }

  @Test
  void byDefaultEveryThreadHasNoNewPrivsAndNoCapabilityAndOnlyTheCallerAnEmptyBoundingSet() {
    FakeKernel kernel = machine();
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, builder().build());
    assertEquals(5, sim(kernel).threads().size());
    for (ThreadStatus t : sim(kernel).threads()) {
      assertEquals(1, t.noNewPrivs, t.toString());
      assertEquals(2, t.seccomp, t.toString());
      assertEquals(0, t.capPrm | t.capEff | t.capInh | t.capAmb, t.toString());
      assertEquals(List.of(65534L, 65534L, 65534L, 65534L), t.uid, t.toString());
      assertEquals(t.tid == sim(kernel).threadId() ? 0 : (1L << 41) - 1, t.capBnd, t.toString());
    }
    String verified = String.join("\n", report.verifications());
    assertTrue(verified.contains("5 threads"), verified);
    assertTrue(verified.contains("4 other threads keep 000001ffffffffff, inert"), verified);
    assertEquals(2, sim(kernel).seccompPrograms().size(), "the baseline, then the filter that carries no_new_privs");
    assertTrue(sim(kernel).seccompPrograms().get(0).length > 50, "the baseline refuses its entries one by one");
    assertEquals(1, sim(kernel).seccompPrograms().get(1).length, "the filter that only carries no_new_privs allows everything");
  }

  @Test
  void theThreadListDescriptorIsClosedBeforeApplyReturnsAndTheReportSaysSo() {
    FakeKernel kernel = machine();
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, builder().build());
    assertEquals(java.util.Map.of(0, "/dev/pts/0", 1, "/dev/pts/0", 2, "/dev/pts/0"), kernel.descriptors());
    String opened = kernel.calls().stream().filter(c -> c.startsWith("open(\"/proc/self/task\"")).findFirst().orElseThrow(() -> new AssertionError(kernel.calls().toString()));
    String fd = opened.substring(opened.lastIndexOf("= ") + 2);
    assertTrue(kernel.calls().contains("close(" + fd + ") = 0"), kernel.calls().toString());
    assertTrue(
        report.verifications().contains("closed the /proc/self/task descriptor (fd " + fd + ") before returning: it reached outside the jail"),
        report.verifications().toString());
  }

  @Test
  void keptCapabilitiesStayInTheCallerOnlyAndTheBoundingSetIsEmptiedAllTheSame() {
    FakeKernel kernel = machine();
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, builder().keepCapabilities(Capability.NET_BIND_SERVICE).build());
    ThreadStatus caller = thread(kernel, sim(kernel).threadId());
    assertEquals(NET_BIND, caller.capPrm);
    assertEquals(NET_BIND, caller.capEff);
    assertEquals(0, caller.capBnd);
    assertEquals(0, caller.capInh);
    sim(kernel).threads().stream().filter(t -> t.tid != caller.tid).forEach(t -> assertEquals(0, t.capPrm | t.capEff, t.toString()));
    assertTrue(report.notes().stream().anyMatch(n -> n.contains("NET_BIND_SERVICE") && n.contains("only")), report.notes().toString());
    List<String> calls = kernel.calls();
    assertTrue(calls.contains("prctl(PR_SET_KEEPCAPS, 1) = 0"), calls.toString());
    assertTrue(calls.indexOf("prctl(PR_SET_KEEPCAPS, 0) = 0") > calls.indexOf("setresuid(65534, 65534, 65534) = 0"), calls.toString());
  }

  @Test
  void withoutKeepCapsTheCapsetOfAKeptCapabilityFails() {
    // capset can only lower the permitted set: setresuid without keep-caps emptied it.
    FakeKernel kernel = machine().failNext(Syscall.SET_KEEPCAPS, "EPERM");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(builder().keepCapabilities(Capability.NET_BIND_SERVICE).build()));
    assertEquals(Syscall.SET_KEEPCAPS, e.syscall());
    assertTrue(e.pastPointOfNoReturn());
    assertTrue(kernel.haltStatus().isPresent());
  }

  @Test
  void noNewPrivsMustPrecedeTheFilterOrTsyncCannotCarryIt() {
    FakeKernel kernel = machine().failNext(Syscall.NO_NEW_PRIVS, "EINVAL");
    assertThrows(SyscallException.class, () -> kernel.apply(builder().onFailureAfterChroot(FailureMode.THROW).build()));
    // The sequence stopped: only the baseline (installed as root, earlier), and no thread got no_new_privs.
    assertTrue(sim(kernel).threads().stream().allMatch(t -> t.noNewPrivs == 0));
    assertEquals(1, sim(kernel).seccompPrograms().size());
  }

  @Test
  void allowNewPrivilegesLeavesItOffEverywhereAndSaysSo() {
    FakeKernel kernel = machine();
    ConfinementPolicy policy = builder().allowNewPrivileges().build();
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, policy);
    // The baseline still goes in, installed as root (CAP_SYS_ADMIN stands in for no_new_privs).
    assertTrue(sim(kernel).threads().stream().allMatch(t -> t.noNewPrivs == 0 && t.seccomp == 2));
    assertFalse(policy.plan().stream().anyMatch(s -> s.syscall() == Syscall.NO_NEW_PRIVS));
    assertEquals(1, policy.plan().stream().filter(s -> s.syscall() == Syscall.SECCOMP).count());
    assertTrue(String.join("\n", report.verifications()).contains("setuid-root program exec'd from one of them regains"), report.verifications().toString());
  }

  @Test
  void denySyscallsInstallsTheDenyListInEveryThread() {
    FakeKernel kernel = machine();
    ConfinementPolicy policy = builder().denySyscalls().build();
    PolicyAssertions.assertConfines(kernel, policy);
    assertTrue(sim(kernel).seccompPrograms().get(0).length > 50, "one comparison per denied call");
    Step seccomp = policy.plan().get(policy.plan().size() - 1);
    assertTrue(seccomp.call().contains("ptrace") && seccomp.call().contains("mount"), seccomp.call());
    assertTrue(sim(kernel).threads().stream().allMatch(t -> t.seccomp == 2 && t.noNewPrivs == 1));
  }

  @Test
  void denySyscallsNeedsNoNewPrivsAndKnownNames() {
    IllegalStateException both = assertThrows(IllegalStateException.class, () -> builder().allowNewPrivileges().denySyscalls().build());
    assertTrue(both.getMessage().contains("allowNewPrivileges"), both.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> builder().denySyscalls("mount", "frobnicate"));
    assertTrue(unknown.getMessage().contains("frobnicate"), unknown.getMessage());
    assertThrows(NullPointerException.class, () -> builder().keepCapabilities((Capability) null));
  }

  /**
   * setuid and setgid are in confine's tables for the verification's own attempt to regain root:
   * a policy may not deny them, or a filter would answer that attempt in the kernel's place.
   * Control: a call the tables carry for the deny list is taken. (Policy files and the agent's
   * options reach the same builder call.)
   */
  @Test
  void theVerificationsOwnCallsCannotBeDenied() {
    for (String name : List.of("setuid", "setgid")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder().denySyscalls("ptrace", name));
      assertTrue(e.getMessage().contains("\"" + name + "\""), e.getMessage());
      assertTrue(e.getMessage().contains("root cannot be regained"), e.getMessage());
    }
    assertTrue(builder().denySyscalls("ptrace", "kcmp").build().deniedSyscalls().contains("kcmp"));
  }

  @Test
  void aThreadThatIsNotDroppedFailsClosed() {
    FakeKernel kernel = machine();
    // A thread with its own seccomp filter: TSYNC refuses, nothing is installed anywhere.
    kernel.failNext(Syscall.SECCOMP, "ESRCH");
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(builder().build()));
    assertTrue(e.pastPointOfNoReturn());
    assertTrue(e.getMessage().contains("TSYNC"), e.getMessage());
    assertFalse(sim(kernel).descriptorsByPath().containsKey("<proc>/self/task"), "closed on failure too");
  }

  @Test
  void aThreadThatWasEndingDuringTheDropIsWaitedForAndNamedInTheReport() {
    FakeKernel kernel = machine();
    long ending = kernel.endingThread("Thread-2171", 3);
    ConfinementReport report = kernel.apply(builder().build());
    assertEquals(3, kernel.pauses(), "read again until it was gone, no longer");
    assertEquals(java.util.OptionalInt.empty(), kernel.haltStatus());
    String verified = String.join("\n", report.verifications());
    assertTrue(verified.contains("1 thread(s) [" + ending + "] were ending during the drop"), verified);
    assertTrue(verified.contains("gone after 3 re-read(s)"), verified);
    assertTrue(sim(kernel).threads().stream().noneMatch(t -> t.tid == ending));
  }

  @Test
  void aThreadThatSetuidNeverReachedFailsClosedAfterTheBoundedWait() {
    FakeKernel kernel = machine();
    long raw = kernel.threadUnknownToLibc("raw-clone");
    VerificationException e = assertThrows(VerificationException.class, () -> kernel.apply(builder().build()));
    assertTrue(e.pastPointOfNoReturn());
    assertTrue(e.getMessage().contains("thread " + raw + " \"raw-clone\": Uid [0, 0, 0, 0]"), e.getMessage());
    assertTrue(e.getMessage().contains("thread " + raw + " \"raw-clone\": CapPrm 000001ffffffffff"), e.getMessage());
    assertEquals(Verifier.MAX_PAUSES, kernel.pauses(), "the wait is bounded");
    assertEquals(java.util.OptionalInt.of(FailureMode.HALT_STATUS), kernel.haltStatus());
  }

  @Test
  void aFailingCallerIsNeverWaitedFor() throws Exception {
    FakeKernel kernel = machine();
    kernel.endingThread("Thread-9", 5);
    Identity identity = new Identity(java.util.Optional.of("nobody"), 65534, 65534, List.of());
    // Nothing dropped: the caller itself is still root, so no wait can make the drop hold.
    VerificationException e =
        assertThrows(
            VerificationException.class,
            () -> Verifier.verifyThreads(sim(kernel), sim(kernel).openThreadList(), sim(kernel).threadId(), identity, 0, false));
    assertTrue(e.getMessage().contains("(caller): Uid [0, 0, 0, 0]"), e.getMessage());
    assertEquals(0, kernel.pauses());
  }

  @Test
  void verificationNamesEveryThreadThatKeptSomething() {
    Identity identity = new Identity(java.util.Optional.of("nobody"), 65534, 65534, List.of());
    List<Long> ids = List.of(65534L, 65534L, 65534L, 65534L);
    List<ThreadStatus> threads =
        List.of(
            new ThreadStatus(7, "main", ids, ids, List.of(), 0, 0, 0, 0, 0, 1, 2),
            new ThreadStatus(8, "pool-1", List.of(0L, 0L, 0L, 0L), ids, List.of(), 0, 0, 0, -1, 0, 1, 2),
            new ThreadStatus(9, "pool-2", ids, ids, List.of(), 0, NET_BIND, NET_BIND, -1, 0, 0, 0));
    VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verifyThreads(threads, 7, identity, 0, true));
    assertTrue(e.getMessage().contains("thread 8 \"pool-1\": Uid [0, 0, 0, 0]"), e.getMessage());
    assertTrue(e.getMessage().contains("thread 9 \"pool-2\": CapPrm"), e.getMessage());
    assertTrue(e.getMessage().contains("thread 9 \"pool-2\": NoNewPrivs 0"), e.getMessage());
    assertFalse(e.getMessage().contains("thread 7"), e.getMessage());
    assertTrue(e.pastPointOfNoReturn());
  }

  @Test
  void aSetuidFileIsRefusedUnlessAllowedByName() {
    FakeKernel kernel = machine();
    kernel.file("/srv/jail/suidtest", 0, 04755);
    dev.confine.PreflightException refused = assertThrows(dev.confine.PreflightException.class, () -> kernel.apply(builder().build()));
    assertTrue(refused.getMessage().contains("setuid-file"), refused.getMessage());
    assertTrue(refused.getMessage().contains("allowSetuidFiles(\"suidtest\")"), refused.getMessage());
    ConfinementReport report = machineWithSetuidFile().apply(builder().allowSetuidFiles("suidtest").build());
    assertTrue(report.preflight().findings().stream().anyMatch(f -> f.code().equals("setuid-file") && f.message().contains("allowed by allowSetuidFiles")),
        report.preflight().toString());
    assertThrows(IllegalArgumentException.class, () -> builder().allowSetuidFiles("../bin/su"));
  }

  private static FakeKernel machineWithSetuidFile() {
    FakeKernel kernel = machine();
    kernel.file("/srv/jail/suidtest", 0, 04755);
    return kernel;
  }

  @Test
  void everyNewStepFailsClosed() {
    ConfinementPolicy policy = builder().keepCapabilities(Capability.NET_BIND_SERVICE).denySyscalls().build();
    List<Syscall> failed =
        PolicyAssertions.assertFailsClosedAtEveryStep(policy, HardeningTest::machine).stream()
            .map(o -> o.step().syscall())
            .collect(Collectors.toList());
    assertTrue(failed.containsAll(List.of(Syscall.OPEN_THREAD_LIST, Syscall.CAPBSET_DROP, Syscall.CAP_AMBIENT_CLEAR, Syscall.SET_KEEPCAPS,
        Syscall.CAPSET, Syscall.NO_NEW_PRIVS, Syscall.SECCOMP)), failed.toString());
  }
}
