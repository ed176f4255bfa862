package dev.confine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.PreflightException;
import dev.confine.Syscall;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 26: the fake learns glibc's abort. A set*id call that fails in one thread only ends the
 * real process with SIGABRT (134, ThreadFaultIT's control); the fake must predict that, not
 * confine's halt (71), which is what failNext (the whole process) gives.
 */
class FakeKernelOneThreadTest {
  private static final List<Long> ROOT = List.of(0L, 0L, 0L, 0L);
  private static final List<Long> TARGET = List.of(65534L, 65534L, 65534L, 65534L);

  private static FakeKernel machine() {
    return new FakeKernel().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user(65534).group(65534).build();
  }

  @Test
  void setresuidFailingInOneOtherThreadAbortsAsGlibcDoes() {
    FakeKernel kernel = machine();
    long victim = kernel.otherThread("fault-victim");
    kernel.failNextInThread(victim, Syscall.SETRESUID, "EAGAIN");
    ProcessAborted e = assertThrows(ProcessAborted.class, () -> kernel.apply(policy()));
    assertEquals(victim, e.threadId());
    assertTrue(e.getMessage().contains("setresuid(65534, 65534, 65534) failed with EAGAIN in thread " + victim), e.getMessage());
    assertEquals(134, kernel.haltStatus().getAsInt());
    Map<Long, List<Long>> uids = kernel.threadUids();
    assertEquals(ROOT, uids.get(victim), uids.toString());
    assertEquals(TARGET, uids.get(kernel.callerThread()), "the others took the new ids until the abort: " + uids);
    assertEquals("", kernel.stderr(), "nothing of confine ran after the abort (no halt message)");
    String last = kernel.calls().get(kernel.calls().size() - 1);
    assertTrue(last.startsWith("setresuid(65534, 65534, 65534) = ? (failed in thread " + victim), last);
    assertFalse(kernel.calls().stream().anyMatch(c -> c.startsWith("capset")), "no step after it: " + kernel.calls());
  }

  @Test
  void setgroupsFailingInTheCallerOnlyAborts() {
    FakeKernel kernel = machine();
    kernel.otherThread("worker");
    kernel.failNextInThread(kernel.callerThread(), Syscall.SETGROUPS, "EPERM");
    assertThrows(ProcessAborted.class, () -> kernel.apply(policy()));
    assertEquals(134, kernel.haltStatus().getAsInt());
    assertEquals("/srv/jail", kernel.root(), "past chroot, as on Linux");
  }

  /** The control: the same call failed for the whole process is confine's halt, 71, with its message. */
  @Test
  void controlFailingInEveryThreadIsConfinesHalt() {
    FakeKernel kernel = machine();
    kernel.otherThread("fault-victim");
    kernel.failNext(Syscall.SETRESUID, "EAGAIN");
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
    assertTrue(e.pastPointOfNoReturn());
    assertEquals(71, kernel.haltStatus().getAsInt());
    assertTrue(kernel.stderr().contains("confinement failed after chroot"), kernel.stderr());
  }

  /** As ThreadFaultIT builds it (the thread's own filter makes the call fail): preflight refuses, nothing done. */
  @Test
  void aThreadsOwnFilterIsRefusedBeforeChroot() {
    FakeKernel kernel = machine();
    long victim = kernel.otherThread("fault-victim");
    kernel.ownSeccompFilter(victim);
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy()));
    assertTrue(e.report().has("seccomp-filters-differ"), e.getMessage());
    assertEquals("/", kernel.root());
    assertFalse(kernel.haltStatus().isPresent());
  }

  @Test
  void anArmedFailureNeverReachedFailsTheTest() {
    FakeKernel kernel = machine();
    long victim = kernel.otherThread("fault-victim");
    kernel.ownSeccompFilter(victim).failNextInThread(victim, Syscall.SETRESUID, "EIO");
    AssertionError e = assertThrows(AssertionError.class, () -> kernel.apply(policy()));
    assertTrue(e.getMessage().contains("SETRESUID in thread " + victim + " only"), e.getMessage());
  }

  @Test
  void onlyGlibcsBroadcastCallsAndKnownThreads() {
    FakeKernel kernel = machine();
    assertThrows(IllegalArgumentException.class, () -> kernel.failNextInThread(kernel.callerThread(), Syscall.CHROOT, "EIO"));
    assertThrows(IllegalArgumentException.class, () -> kernel.failNextInThread(999_999, Syscall.SETRESUID, "EIO"));
    kernel.failNextInThread(kernel.callerThread(), Syscall.SETRESUID, "EIO");
    assertThrows(IllegalStateException.class, () -> kernel.failNextInThread(kernel.callerThread(), Syscall.SETRESGID, "EIO"));
  }

  /** failNext(CAPBSET_DROP) lands on the drop, not on the PR_CAPBSET_READ probe before it; the probe has its own name. */
  @Test
  void capbsetDropAndReadAreFailedApart() {
    FakeKernel drop = machine();
    drop.failNext(Syscall.CAPBSET_DROP, "EPERM");
    ConfinementException e = assertThrows(ConfinementException.class, () -> drop.apply(policy()));
    assertTrue(e.getMessage().contains("prctl(PR_CAPBSET_DROP, 0) failed: EPERM"), e.getMessage());
    assertEquals(71, drop.haltStatus().getAsInt());
    FakeKernel read = machine();
    read.failNext(Syscall.CAPBSET_READ, "EINVAL");
    ConfinementException r = assertThrows(ConfinementException.class, () -> read.apply(policy()));
    assertTrue(r.getMessage().contains("prctl(PR_CAPBSET_READ) failed: EINVAL"), r.getMessage());
  }
}
