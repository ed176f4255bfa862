package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.FailureMode;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import dev.confine.testing.simulation.Simulation;
import java.util.List;
import dev.confine.internal.linux.Errno;
import org.junit.jupiter.api.Test;

/**
 * The hint a SyscallException carries is chosen by the call and its errno: a step's own call by
 * the hints written beside it in Sequence.run, anything else by Sequence.hint.
 */
class SequenceHintTest {
  private static String hint(Syscall syscall, int errno) {
    return Sequence.hint(new ErrnoException(syscall, List.of("x"), errno));
  }

  /** The hint apply() gives when the step's call fails with {@code errno}. */
  private static String stepHint(Syscall syscall, String errno) {
    Simulation kernel = new Simulation().directory("/srv/jail").user("app", 4000, 4000).failNext(syscall, errno);
    ConfinementPolicy policy =
        Confinement.builder().root("/srv/jail").user("app").onFailureAfterChroot(FailureMode.THROW).build();
    return assertThrows(SyscallException.class, () -> kernel.apply(policy)).hint();
  }

  @Test
  void eachCallThatNeedsPrivilegeSaysWhich() {
    assertEquals("chroot(2) needs CAP_SYS_CHROOT: start the daemon as root", stepHint(Syscall.CHROOT, "EPERM"));
    assertEquals("changing uids needs CAP_SETUID: start the daemon as root", stepHint(Syscall.SETRESUID, "EPERM"));
    assertEquals("a seccomp filter needs no_new_privs first (or CAP_SYS_ADMIN)", stepHint(Syscall.SECCOMP, "EPERM"));
    // Any other call: the general one.
    assertEquals("the operation needs privileges this process does not have", hint(Syscall.CHROOT, Errno.EPERM));
  }

  @Test
  void theProcessScanWithoutProcSaysToMountIt() {
    assertEquals(
        "preflight reads /proc to find other processes of the target uid: mount /proc (proc(5)) before apply()",
        hint(Syscall.READ_PROCESS_STATUS, Errno.ENOENT));
  }

  @Test
  void setresuidAtTheProcessLimitNamesTheLimit() {
    assertEquals("the target user is at its RLIMIT_NPROC process limit", stepHint(Syscall.SETRESUID, "EAGAIN"));
    assertEquals("", stepHint(Syscall.SETRESGID, "EAGAIN"));
  }

  @Test
  void aStepWithoutAHintForTheErrnoGivesTheGeneralOne() {
    assertEquals("the path does not exist", stepHint(Syscall.CHROOT, "ENOENT"));
  }
}
