package dev.confine.examples;

import static dev.confine.Syscall.CHROOT;
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
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.Syscall;
import dev.confine.testing.FakeKernel;
import dev.confine.testing.PolicyAssertions;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A daemon's own policy test, written as the README shows it (a policy with umask and
 * openSyslogFirst), run without root: the test kit keeps its promises to such a test.
 */
class DaemonPolicyTest {
  static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/myd/jail").user("myd").umask(027).openSyslogFirst().build();
  }

  static FakeKernel machine() {
    return new FakeKernel().directory("/srv/myd/jail").user("myd", 990, 990);
  }

  @Test
  void thePlanHasTheStepsThatMatterInThisOrder() {
    PolicyAssertions.assertPlan(policy(), OPENLOG, UMASK, CHROOT, SETGROUPS, SETRESGID, SETRESUID);
  }

  @Test
  void aWrongOrderFails() {
    AssertionError e = assertThrows(AssertionError.class, () -> PolicyAssertions.assertPlan(policy(), SETRESUID, CHROOT));
    assertTrue(e.getMessage().contains("CHROOT is missing after [SETRESUID]"), e.getMessage());
  }

  @Test
  void itConfines() {
    assertEquals(990, PolicyAssertions.assertConfines(machine(), policy()).uid());
  }

  @Test
  void itFailsClosedAtEveryStep() {
    assertFalse(PolicyAssertions.assertFailsClosedAtEveryStep(policy(), DaemonPolicyTest::machine, "EIO").isEmpty());
  }

  @Test
  void everyCallApplyMakesCanBeFailedAndThenApplyFails() {
    FakeKernel clean = machine();
    clean.apply(policy());
    Set<Syscall> made = new LinkedHashSet<>(clean.syscallsMade());
    assertTrue(made.contains(Syscall.GETXATTR) && made.contains(Syscall.READ_DESCRIPTORS), made.toString());
    for (Syscall syscall : made) {
      FakeKernel kernel = machine();
      try {
        kernel.failNext(syscall, "EIO");
      } catch (IllegalArgumentException e) {
        assertTrue(syscall == UMASK || syscall == OPENLOG, syscall + " refused: " + e.getMessage());
        continue;
      }
      assertThrows(ConfinementException.class, () -> kernel.apply(policy()), syscall + " failing with EIO");
    }
  }
}
