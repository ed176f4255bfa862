package dev.confine.internal;

import static dev.confine.internal.Findings.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.Severity;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import dev.confine.internal.EscapeRoutesTest.Bpf;
import dev.confine.internal.linux.LinuxArch;
import dev.confine.internal.linux.SeccompFilter;
import dev.confine.testing.FakeKernel;
import dev.confine.testing.PolicyAssertions;
import dev.confine.testing.TestAccess;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The secure default of the second review (issue 23): the baseline seccomp filter every policy
 * gets, and leaving the controlling terminal. Routes 1 and 2 are shown for real in src-it
 * (TerminalIT, KeyringIT); here, the programs and the sequence against the fake kernel.
 */
class BaselineFilterTest {
  private static final long TIOCSTI = 0x5412;
  private static final long TIOCLINUX = 0x541C;
  private static final long TCGETS = 0x5401;
  private static final long CLONE_NEWUSER = 0x10000000;
  private static final long THREAD = 0x003d0f00L; // glibc's pthread_create flags

  private static FakeKernel machine() {
    return new FakeKernel().directory("/srv/jail").user("nobody", 65534, 65534);
  }

  private static ConfinementPolicy.Builder builder() {
    return Confinement.builder().root("/srv/jail").user("nobody");
  }

  // ---- the program ----

  @Test
  void theBaselineRefusesTheKeyringNamespacesAndTerminalPushOnBothArchitectures() {
    for (LinuxArch arch : LinuxArch.values()) {
      long[] program = SeccompFilter.baseline(arch, List.of());
      for (String call : List.of("keyctl", "add_key", "request_key", "setns", "unshare", "ptrace", "process_vm_readv",
          "pidfd_getfd", "kcmp", "mount", "bpf", "perf_event_open", "open_by_handle_at")) {
        assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, arch.number(call), 0), call + " on " + arch);
      }
      int ioctl = arch.number("ioctl");
      assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, ioctl, 0, TIOCSTI), "TIOCSTI on " + arch);
      assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, ioctl, 0, TIOCLINUX), "TIOCLINUX on " + arch);
      // The request is an unsigned int to the kernel: bits above it must not slip past (CVE-2019-10063).
      assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, ioctl, 0, (1L << 32) | TIOCSTI), "TIOCSTI with high bits on " + arch);
      assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, ioctl, 0, TCGETS), "other ioctls pass on " + arch);
      int clone = arch.number("clone");
      assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, clone, CLONE_NEWUSER | 17), "a user namespace by clone on " + arch);
      assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, clone, THREAD), "a thread on " + arch);
      assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, clone, 0x00004000L | 0x00000100L | 17), "posix_spawn's vfork on " + arch);
      assertEquals(Bpf.ENOSYS, Bpf.run(program, arch.auditArch, arch.number("clone3"), 0), "clone3 on " + arch);
      // What a JVM server does goes through: threads, sockets, io_uring (Netty's transport).
      for (String call : List.of("gettid", "getdents64", "io_uring_setup", "io_uring_enter", "socket", "connect", "execve")) {
        if (arch.knows(call)) {
          assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, arch.number(call), 0), call + " on " + arch);
        }
      }
      assertEquals(Bpf.KILL, Bpf.run(program, 0x40000003, 288, 0), "a foreign architecture (i386 keyctl) on " + arch);
    }
  }

  @Test
  void anEntryTakenOutPassesAndTheRestStays() {
    LinuxArch arch = LinuxArch.X86_64;
    long[] program = SeccompFilter.baseline(arch, List.of("perf_event_open", SeccompFilter.IOCTL_TIOCSTI));
    assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, arch.number("perf_event_open"), 0));
    assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, arch.number("ioctl"), 0, TIOCSTI));
    assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, arch.number("ioctl"), 0, TIOCLINUX));
    assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, arch.number("keyctl"), 0));
    long[] noNamespaces = SeccompFilter.baseline(arch, List.of(SeccompFilter.CLONE_NAMESPACES));
    assertEquals(Bpf.ALLOW, Bpf.run(noNamespaces, arch.auditArch, arch.number("clone"), CLONE_NEWUSER | 17));
    assertThrows(IllegalArgumentException.class, () -> SeccompFilter.baseline(arch, List.of("read")));
  }

  @Test
  void theStricterDenyListStillRefusesANamespaceByClone() {
    LinuxArch arch = LinuxArch.X86_64;
    long[] program = SeccompFilter.denyList(arch, List.of("ptrace"));
    assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, arch.number("clone"), CLONE_NEWUSER | 17));
    assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, arch.number("ioctl"), 0, TIOCSTI), "TIOCSTI is the baseline's");
  }

  // ---- the builder ----

  @Test
  void theBuilderNamesWhatItRefuses() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> builder().allowSyscalls("read"));
    assertTrue(unknown.getMessage().contains("\"read\"") && unknown.getMessage().contains("keyctl"), unknown.getMessage());
    assertThrows(NullPointerException.class, () -> builder().allowSyscalls(null));
    IllegalStateException both = assertThrows(IllegalStateException.class, () -> builder().noBaselineFilter().allowSyscalls("ptrace").build());
    assertTrue(both.getMessage().contains("ptrace"), both.getMessage());
    IllegalStateException contradicting = assertThrows(IllegalStateException.class, () -> builder().allowSyscalls("keyctl").denySyscalls().build());
    assertTrue(contradicting.getMessage().contains("\"keyctl\""), contradicting.getMessage());
    ConfinementPolicy policy = builder().allowSyscalls("ptrace").build();
    assertFalse(policy.baselineEntries().contains("ptrace"));
    assertEquals(SeccompFilter.BASELINE.size() - 1, policy.baselineEntries().size());
    assertEquals(policy, policy.toBuilder().build());
    assertFalse(policy.equals(builder().build()));
    assertTrue(policy.toString().contains("allowSyscalls=[ptrace]"), policy.toString());
    assertTrue(builder().build().baselineFilter(), "on by default");
    assertEquals(List.of(), builder().noBaselineFilter().build().baselineEntries());
  }

  // ---- the sequence, against the fake ----

  @Test
  void byDefaultTheBaselineGoesInAsRootInEveryThreadAfterChroot() {
    FakeKernel kernel = machine();
    kernel.otherThread("started before apply");
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, builder().build());
    List<Syscall> order = report.steps().stream().map(Step::syscall).collect(Collectors.toList());
    int baseline = order.indexOf(Syscall.SECCOMP);
    assertTrue(order.indexOf(Syscall.CLOSE) < baseline && baseline < order.indexOf(Syscall.SETRESUID), order.toString());
    List<long[]> programs = TestAccess.simulated(kernel).seccompPrograms();
    assertEquals(2, programs.size(), "the baseline, then the filter that carries no_new_privs");
    LinuxArch arch = LinuxArch.current().orElse(LinuxArch.X86_64);
    assertEquals(Bpf.EPERM, Bpf.run(programs.get(0), arch.auditArch, arch.number("keyctl"), 0));
    assertTrue(TestAccess.simulated(kernel).threads().stream().allMatch(t -> t.seccomp == 2));
    assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("baseline seccomp filter in every thread: " + SeccompFilter.BASELINE.size())),
        report.notes().toString());
  }

  @Test
  void withoutNoNewPrivilegesTheBaselineStillGoesInWhileRoot() {
    FakeKernel kernel = machine();
    PolicyAssertions.assertConfines(kernel, builder().allowNewPrivileges().build());
    assertEquals(1, TestAccess.simulated(kernel).seccompPrograms().size());
    assertTrue(TestAccess.simulated(kernel).threads().stream().allMatch(t -> t.seccomp == 2 && t.noNewPrivs == 0));
  }

  @Test
  void turnedOffThereIsNoBaselineAndCheckAndTheReportSaySo() {
    FakeKernel kernel = machine();
    ConfinementPolicy off = builder().noBaselineFilter().build();
    Finding warning = only(kernel.check(off), "baseline-filter");
    assertEquals(Severity.WARNING, warning.severity());
    assertTrue(warning.message().contains("noBaselineFilter()"), warning.message());
    ConfinementReport report = kernel.apply(off);
    assertEquals(1, TestAccess.simulated(kernel).seccompPrograms().size(), "only the filter that carries no_new_privs");
    assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("no baseline seccomp filter")), report.notes().toString());
    // Control: the default policy has no such finding.
    assertTrue(machine().check(builder().build()).findings().stream().noneMatch(f -> f.code().equals("baseline-filter")));
    Finding taken = only(machine().check(builder().allowSyscalls("perf_event_open").build()), "baseline-filter");
    assertEquals(Severity.INFO, taken.severity());
    assertTrue(taken.message().contains("perf_event_open"), taken.message());
  }

  @Test
  void theProcessLeavesAShellsTerminalSoNothingCanBePushedIntoIt() {
    FakeKernel kernel = machine().controllingTerminal("/dev/pts/4", false);
    // Control: before apply() the process may push input into the shell's terminal, root or not.
    assertTrue(kernel.mayPushInputInto("/dev/pts/4"));
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, builder().build());
    assertEquals(Optional.empty(), kernel.controllingTerminal());
    assertFalse(kernel.mayPushInputInto("/dev/pts/4"));
    assertTrue(report.notes().contains("left the controlling terminal (TIOCNOTTY): no input can be pushed into it from now on"), report.notes().toString());
    assertFalse(kernel.descriptors().containsValue("/dev/tty"), "the terminal's descriptor is closed: " + kernel.descriptors());
    List<String> calls = kernel.calls();
    int chroot = indexOf(calls, "chroot(");
    assertTrue(indexOf(calls, "open(\"/dev/tty\"") < chroot && chroot < indexOf(calls, "ioctl("), calls.toString());
  }

  @Test
  void aSessionLeaderKeepsItsOwnTerminalInsteadOfHangingItselfUp() {
    FakeKernel kernel = machine().controllingTerminal("/dev/pts/5", true);
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, builder().build());
    assertTrue(TestAccess.simulated(kernel).foregroundHungUp() == false, "no SIGHUP to its own foreground");
    assertEquals(Optional.of("/dev/pts/5"), kernel.controllingTerminal());
    assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("kept the controlling terminal: this process leads its session")), report.notes().toString());
  }

  @Test
  void withoutATerminalThereIsNothingToLeave() {
    FakeKernel kernel = machine().withoutControllingTerminal();
    ConfinementReport report = PolicyAssertions.assertConfines(kernel, builder().build());
    assertTrue(report.notes().contains("no controlling terminal (or no /dev/tty to name it by)"), report.notes().toString());
    assertTrue(kernel.calls().stream().noneMatch(c -> c.startsWith("ioctl(")), kernel.calls().toString());
  }

  @Test
  void aTerminalThatCannotBeLeftHaltsAndOneThatCannotBeOpenedChangesNothing() {
    FakeKernel leave = machine().failNext(Syscall.TIOCNOTTY, "EIO");
    SyscallException past = assertThrows(SyscallException.class, () -> leave.apply(builder().build()));
    assertTrue(past.pastPointOfNoReturn());
    assertEquals(java.util.OptionalInt.of(71), leave.haltStatus());
    FakeKernel open = machine().failNext(Syscall.OPEN_TERMINAL, "EACCES");
    SyscallException before = assertThrows(SyscallException.class, () -> open.apply(builder().build()));
    assertFalse(before.pastPointOfNoReturn());
    assertEquals("/", open.root());
    assertEquals(Optional.of("/dev/pts/0"), open.controllingTerminal());
    assertEquals(List.of(0L, 0L, 0L), open.uids());
  }

  private static int indexOf(List<String> calls, String prefix) {
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError(prefix + " not in " + calls);
  }
}
