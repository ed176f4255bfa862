package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.confine.Syscall;
import java.util.List;
import dev.confine.internal.linux.Errno;
import org.junit.jupiter.api.Test;

/** The hint a SyscallException carries is chosen by the call and its errno. */
class SequenceHintTest {
  private static String hint(Syscall syscall, int errno) {
    return Sequence.hint(new ErrnoException(syscall, List.of("x"), errno));
  }

  @Test
  void eachCallThatNeedsPrivilegeSaysWhich() {
    assertEquals("chroot(2) needs CAP_SYS_CHROOT: start the daemon as root", hint(Syscall.CHROOT, Errno.EPERM));
    assertEquals("changing uids needs CAP_SETUID: start the daemon as root", hint(Syscall.SETRESUID, Errno.EPERM));
    assertEquals("a seccomp filter needs no_new_privs first (or CAP_SYS_ADMIN)", hint(Syscall.SECCOMP, Errno.EPERM));
  }

  @Test
  void theProcessScanWithoutProcSaysToMountIt() {
    assertEquals(
        "preflight reads /proc to find other processes of the target uid: mount /proc (proc(5)) before apply()",
        hint(Syscall.READ_PROCESS_STATUS, Errno.ENOENT));
  }

  @Test
  void setresuidAtTheProcessLimitNamesTheLimit() {
    assertEquals("the target user is at its RLIMIT_NPROC process limit", hint(Syscall.SETRESUID, Errno.EAGAIN));
    assertEquals("", hint(Syscall.SETRESGID, Errno.EAGAIN));
  }
}
