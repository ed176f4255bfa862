package dev.confine.testing;

import static dev.confine.Syscall.OPEN_TERMINAL;
import static dev.confine.Syscall.TIOCNOTTY;
import static dev.confine.Syscall.CAPBSET_DROP;
import static dev.confine.Syscall.CAPSET;
import static dev.confine.Syscall.CAP_AMBIENT_CLEAR;
import static dev.confine.Syscall.CHDIR;
import static dev.confine.Syscall.NO_NEW_PRIVS;
import static dev.confine.Syscall.OPEN_THREAD_LIST;
import static dev.confine.Syscall.SECCOMP;
import static dev.confine.Syscall.SET_DUMPABLE;
import static dev.confine.Syscall.SET_KEEPCAPS;
import static dev.confine.Syscall.CHROOT;
import static dev.confine.Syscall.CLOSE;
import static dev.confine.Syscall.FCHDIR;
import static dev.confine.Syscall.OPEN;
import static dev.confine.Syscall.OPENLOG;
import static dev.confine.Syscall.SETGROUPS;
import static dev.confine.Syscall.SETRESGID;
import static dev.confine.Syscall.SETRESUID;
import static dev.confine.Syscall.UMASK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.FailureMode;
import dev.confine.PreflightException;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PolicyAssertionsTest {
  private static FakeKernel machine() {
    return new FakeKernel().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("nobody").build();
  }

  @Test
  void assertPlanPassesOnTheStepsThatMatterInOrderAndFailsOnAnotherOrder() {
    // What the README shows: the steps that matter, others may come between.
    assertEquals(18, PolicyAssertions.assertPlan(policy(), OPEN, FCHDIR, CHROOT, CHDIR, CLOSE, SETGROUPS, SETRESGID, SETRESUID).size());

    AssertionError order =
        assertThrows(AssertionError.class, () -> PolicyAssertions.assertPlan(policy(), OPEN, CHROOT, FCHDIR, SETRESUID));
    assertTrue(order.getMessage().contains("plan makes [OPEN_TERMINAL, OPEN_THREAD_LIST, OPEN, FCHDIR, CHROOT"), order.getMessage());
    assertTrue(order.getMessage().contains("does not contain [OPEN, CHROOT, FCHDIR, SETRESUID] in this order (FCHDIR is missing after [OPEN, CHROOT])"),
        order.getMessage());
    AssertionError missing = assertThrows(AssertionError.class, () -> PolicyAssertions.assertPlan(policy(), CHROOT, UMASK));
    assertTrue(missing.getMessage().contains("UMASK is missing after [CHROOT]"), missing.getMessage());
  }

  @Test
  void assertExactPlanWantsEveryStepAndNothingElse() {
    PolicyAssertions.assertExactPlan(policy(), OPEN_TERMINAL, OPEN_THREAD_LIST, OPEN, FCHDIR, CHROOT, CHDIR, CLOSE, TIOCNOTTY, SECCOMP, SETGROUPS,
        CAPBSET_DROP, CAP_AMBIENT_CLEAR, SETRESGID, SETRESUID, CAPSET, SET_DUMPABLE, NO_NEW_PRIVS, SECCOMP);
    AssertionError e = assertThrows(AssertionError.class, () -> PolicyAssertions.assertExactPlan(policy(), OPEN, FCHDIR, CHROOT));
    assertTrue(e.getMessage().contains("expected exactly [OPEN, FCHDIR, CHROOT]"), e.getMessage());
  }

  @Test
  void aFailureThatCannotHappenIsRefusedAtOnceAndOneNeverReachedIsReported() {
    assertThrows(IllegalArgumentException.class, () -> machine().failNext(UMASK, "EIO"));
    assertThrows(IllegalArgumentException.class, () -> machine().failNext(OPENLOG, "EIO"));
    FakeKernel kernel = machine().failNext(SET_KEEPCAPS, "EIO"); // the policy keeps no capability: never called
    AssertionError e = assertThrows(AssertionError.class, () -> kernel.apply(policy()));
    assertTrue(e.getMessage().contains("failNext(SET_KEEPCAPS EIO) was armed, but apply() never reached such a call"), e.getMessage());
  }

  @Test
  void assertPlanSeesSyslogAndUmaskSteps() {
    ConfinementPolicy withExtras = policy().toBuilder().openSyslogFirst().umask(027).build();
    PolicyAssertions.assertExactPlan(withExtras, OPENLOG, UMASK, OPEN_TERMINAL, OPEN_THREAD_LIST, OPEN, FCHDIR, CHROOT, CHDIR, CLOSE, TIOCNOTTY, SECCOMP, SETGROUPS,
        CAPBSET_DROP, CAP_AMBIENT_CLEAR, SETRESGID, SETRESUID, CAPSET, SET_DUMPABLE, NO_NEW_PRIVS, SECCOMP);
  }

  @Test
  void assertConfinesChecksTheKernelAfterApply() {
    FakeKernel kernel = machine();
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, policy());

    assertEquals(65534, report.uid());
    assertEquals("/srv/jail", kernel.root());
    assertTrue(kernel.calls().contains("setuid(0) = -1 EPERM"), kernel.calls().toString());
  }

  @Test
  void assertConfinesKeepsTheSupplementaryGroupsAsked() {
    FakeKernel kernel = machine();
    PolicyAssertions.assertConfines(kernel, policy().toBuilder().supplementaryGroups(700, 600).build());
    assertEquals(List.of(600L, 700L), kernel.groups());
  }

  @Test
  void assertConfinesFailsWhenApplyIsRefused() {
    FakeKernel notRoot = machine().runningAs(1000, 1000);
    AssertionError e = assertThrows(AssertionError.class, () -> PolicyAssertions.assertConfines(notRoot, policy()));
    assertTrue(e.getCause() instanceof PreflightException, String.valueOf(e.getCause()));
    assertEquals(List.of(1000L, 1000L, 1000L), notRoot.uids());
  }

  @Test
  void assertConfinesFailsOnALeakedDirectoryDescriptor() {
    FakeKernel leaky = machine();
    leaky.leakDirectoryDescriptor("/etc");
    // Preflight refuses it, which is what a daemon test should learn.
    AssertionError e = assertThrows(AssertionError.class, () -> PolicyAssertions.assertConfines(leaky, policy()));
    assertTrue(e.getMessage().contains("/etc"), e.getMessage());
  }

  @Test
  void everyStepFailsClosed() {
    List<InjectedFailure> outcomes = PolicyAssertions.assertFailsClosedAtEveryStep(policy(), PolicyAssertionsTest::machine);

    assertEquals(
        List.of(OPEN_TERMINAL, OPEN_THREAD_LIST, OPEN, FCHDIR, CHROOT, CHDIR, CLOSE, TIOCNOTTY, SECCOMP, SETGROUPS,
            CAPBSET_DROP, CAP_AMBIENT_CLEAR, SETRESGID, SETRESUID, CAPSET, SET_DUMPABLE, NO_NEW_PRIVS, SECCOMP),
        outcomes.stream().map(o -> o.step().syscall()).collect(Collectors.toList()));
    for (int i = 0; i < outcomes.size(); i++) {
      InjectedFailure outcome = outcomes.get(i);
      boolean afterChroot = i > 4;
      assertEquals(afterChroot, outcome.pastPointOfNoReturn(), outcome.toString());
      assertEquals(afterChroot ? OptionalInt.of(71) : OptionalInt.empty(), outcome.haltStatus(), outcome.toString());
      assertTrue(outcome.exception() instanceof SyscallException, outcome.exception().toString());
      assertEquals(outcome.step().syscall(), ((SyscallException) outcome.exception()).syscall());
      assertEquals("EPERM", ((SyscallException) outcome.exception()).errnoName());
    }
    FakeKernel afterSetresuidFailed = outcomes.get(13).kernel();
    assertEquals(List.of(0L, 0L, 0L), afterSetresuidFailed.uids(), "still root: that is why it must halt");
    assertTrue(afterSetresuidFailed.stderr().contains("must not go on"), afterSetresuidFailed.stderr());
  }

  @Test
  void throwModeThrowsPastThePointOfNoReturnWithoutHalting() {
    ConfinementPolicy throwing = policy().toBuilder().onFailureAfterChroot(FailureMode.THROW).build();
    List<InjectedFailure> outcomes = PolicyAssertions.assertFailsClosedAtEveryStep(throwing, PolicyAssertionsTest::machine, "EAGAIN");
    assertTrue(outcomes.stream().allMatch(o -> o.haltStatus().isEmpty()));
    assertEquals(13, outcomes.stream().filter(InjectedFailure::pastPointOfNoReturn).count());
    assertEquals("EAGAIN", outcomes.get(0).errnoName());
  }

  @Test
  void stepsThatCannotFailAreLeftOut() {
    ConfinementPolicy withExtras = policy().toBuilder().openSyslogFirst().umask(027).build();
    List<Syscall> failed =
        PolicyAssertions.assertFailsClosedAtEveryStep(withExtras, PolicyAssertionsTest::machine).stream()
            .map(o -> o.step().syscall())
            .collect(Collectors.toList());
    assertFalse(failed.contains(UMASK));
    assertFalse(failed.contains(OPENLOG));
    assertEquals(18, failed.size());
  }

  @Test
  void aMachineWhereTheDaemonCannotEvenStartIsReported() {
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> PolicyAssertions.assertFailsClosedAtEveryStep(policy(), () -> new FakeKernel().directory("/srv/jail")));
    assertTrue(e.getMessage().contains("failed before reaching it"), e.getMessage());
  }
}
