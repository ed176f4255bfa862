package dev.confine.examples;

import static dev.confine.Syscall.CAPBSET_DROP;
import static dev.confine.Syscall.CAPSET;
import static dev.confine.Syscall.CAP_AMBIENT_CLEAR;
import static dev.confine.Syscall.CHDIR;
import static dev.confine.Syscall.NO_NEW_PRIVS;
import static dev.confine.Syscall.OPEN_THREAD_LIST;
import static dev.confine.Syscall.SECCOMP;
import static dev.confine.Syscall.SET_DUMPABLE;
import static dev.confine.Syscall.CHROOT;
import static dev.confine.Syscall.CLOSE;
import static dev.confine.Syscall.FCHDIR;
import static dev.confine.Syscall.OPEN;
import static dev.confine.Syscall.SETGROUPS;
import static dev.confine.Syscall.SETRESGID;
import static dev.confine.Syscall.SETRESUID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.PreflightException;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.testing.FakeKernel;
import dev.confine.testing.InjectedFailure;
import dev.confine.testing.PolicyAssertions;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The example daemon's own test of its confinement policy, as any daemon would write it: no root,
 * no real chroot, the test kit's fake kernel standing in for Linux.
 */
class HttpServerExamplePolicyTest {
  private static final Path JAIL = Path.of("/run/confine-example/jail");
  private final ConfinementPolicy policy = HttpServerExample.policy(JAIL, 65534, 65534);

  /** The machine the daemon starts on: root, its jail, and an /etc it must leave behind. */
  private static FakeKernel machine() {
    return new FakeKernel().directory("/run/confine-example/jail").file("/etc/passwd", 0, 0644).user("nobody", 65534, 65534);
  }

  @Test
  void thePlanChrootsBeforeDroppingGroupsThenGidThenUid() {
    List<Step> plan = PolicyAssertions.assertPlan(policy, OPEN_THREAD_LIST, OPEN, FCHDIR, CHROOT, CHDIR, CLOSE, SETGROUPS,
        CAPBSET_DROP, CAP_AMBIENT_CLEAR, SETRESGID, SETRESUID, CAPSET, SET_DUMPABLE, NO_NEW_PRIVS, SECCOMP);
    // The terminal is opened first (before the point of no return) and left after chroot, with
    // the baseline filter, while still root.
    assertEquals("chroot(\".\")", plan.get(4).call());
    assertTrue(plan.get(4).irreversible());
    assertEquals("ioctl(<terminal fd>, TIOCNOTTY)", plan.get(7).call());
    assertEquals("setresuid(65534, 65534, 65534)", plan.get(13).call());
  }

  @Test
  void applyingItLeavesAProcessThatCannotGetRootBack() {
    FakeKernel kernel = machine();
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, policy);

    assertEquals(JAIL, report.root());
    assertTrue(kernel.resolveAsProcess("/etc/passwd").isEmpty(), "/etc/passwd is out of sight after chroot");
    assertEquals("/run/confine-example/jail", kernel.resolveAsProcess("/../..").orElseThrow(), "\"..\" stops at the new root");
    assertEquals(List.of(65534L, 65534L, 65534L), kernel.uids());
  }

  @Test
  void aFailureAtAnyStepFailsClosed() {
    List<InjectedFailure> outcomes = PolicyAssertions.assertFailsClosedAtEveryStep(policy, HttpServerExamplePolicyTest::machine);

    assertEquals(18, outcomes.size());
    int chroot = policy.plan().stream().map(s -> s.syscall()).collect(java.util.stream.Collectors.toList()).indexOf(Syscall.CHROOT);
    for (int i = 0; i < outcomes.size(); i++) {
      InjectedFailure outcome = outcomes.get(i);
      boolean afterChroot = i > chroot;
      assertEquals(afterChroot, outcome.pastPointOfNoReturn(), outcome.toString());
      assertEquals(afterChroot ? OptionalInt.of(71) : OptionalInt.empty(), outcome.haltStatus(), outcome.toString());
    }
  }

  @Test
  void setresuidFailingLeavesRootSoTheProcessHalts() {
    FakeKernel kernel = machine().failNext(Syscall.SETRESUID, "EAGAIN");
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy));

    assertTrue(e.pastPointOfNoReturn());
    assertEquals(OptionalInt.of(71), kernel.haltStatus());
    assertEquals(List.of(0L, 0L, 0L), kernel.uids(), "still root in the jail: going on would be the worst outcome");
    assertTrue(kernel.stderr().contains("must not go on"), kernel.stderr());
  }

  @Test
  void startedWithoutRootItRefusesBeforeTouchingAnything() {
    FakeKernel kernel = machine().runningAs(1000, 1000);
    assertThrows(PreflightException.class, () -> kernel.apply(policy));
    assertEquals("/", kernel.root());
    assertFalse(kernel.haltStatus().isPresent());
  }
}
