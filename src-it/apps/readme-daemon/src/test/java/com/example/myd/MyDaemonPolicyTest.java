package com.example.myd;

import static dev.confine.Syscall.CHDIR;
import static dev.confine.Syscall.CHROOT;
import static dev.confine.Syscall.SETGROUPS;
import static dev.confine.Syscall.SETRESGID;
import static dev.confine.Syscall.SETRESUID;

import dev.confine.ConfinementPolicy;
import dev.confine.testing.FakeKernel;
import dev.confine.testing.PolicyAssertions;
import org.junit.jupiter.api.Test;

class MyDaemonPolicyTest {
  static FakeKernel machine() {
    return new FakeKernel().directory("/srv/myd/jail").user("nobody", 65534, 65534);
  }

  @Test
  void confinesAndFailsClosed() {
    ConfinementPolicy policy = MyDaemon.confinementPolicy();
    PolicyAssertions.assertPlan(policy, CHROOT, CHDIR, SETGROUPS, SETRESGID, SETRESUID);
    PolicyAssertions.assertConfines(machine(), policy);
    PolicyAssertions.assertFailsClosedAtEveryStep(policy, MyDaemonPolicyTest::machine);
  }
}
