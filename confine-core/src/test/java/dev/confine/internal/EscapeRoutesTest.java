package dev.confine.internal;

import static dev.confine.internal.Findings.only;
import static dev.confine.internal.Findings.withCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.VerificationException;
import dev.confine.internal.linux.LinuxArch;
import dev.confine.internal.linux.SeccompFilter;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The escape routes of the review (issue 12), each against the simulated kernel, each with its
 * control: the same scene without the protection, or the protection's input shown to matter.
 * The integration tests (EscapeIT and others in src-it) try the same routes in real child JVMs.
 */
class EscapeRoutesTest {
  private static final long UID = 65534;

  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/srv/jail/www").directory("/etc").directory("/var/lib").user("nobody", UID, UID);
  }

  private static ConfinementPolicy.Builder builder() {
    return Confinement.builder().root("/srv/jail").user("nobody");
  }

  /** A confiner over {@code kernel} (the simulated one, or a decorator of it) that records halts. */
  private static final class Run {
    final AtomicInteger halted = new AtomicInteger(-1);
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    final Confiner confiner;

    Run(Kernel kernel, Confiner.JvmPreparer preparer) {
      confiner =
          new Confiner(() -> kernel, new ApplyGuard(), halted::set, NanoClock.SYSTEM, preparer, new PrintStream(stderr, true, StandardCharsets.UTF_8), summary -> {});
    }

    Run(Kernel kernel) {
      this(kernel, (p, c) -> Map.of());
    }
  }

  // ---- 1. directory descriptors opened late ----

  @Test
  void aDirectoryOpenedByAHookIsSeenByPreflightWhichNowRunsAfterTheHooks() {
    Simulation kernel = machine();
    Run run = new Run(kernel.model(), (p, c) -> {
      kernel.otherThreadOpensDirectory("/var/lib"); // what Files.newDirectoryStream("/var/lib") kept in a field does
      return Map.of("hook", java.time.Duration.ZERO);
    });
    PreflightException e = assertThrows(PreflightException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertTrue(e.report().has("open-directory-fd"), e.getMessage());
    assertEquals("/", kernel.model().root(), "refused before chroot");
    assertTrue(kernel.model().uids().allEqual(0));
  }

  @Test
  void aDirectoryOpenedByAnotherThreadDuringPreflightIsSeenRightBeforeChroot() {
    Simulation kernel = machine();
    AtomicInteger looks = new AtomicInteger();
    Kernel racing = new ForwardingKernel(kernel.model()) {
      public List<OpenFile> openFiles() throws ErrnoException {
        if (looks.incrementAndGet() == 1) {
          List<OpenFile> first = delegate.openFiles();
          kernel.otherThreadOpensDirectory("/var/lib"); // right after preflight's look
          return first;
        }
        return delegate.openFiles();
      }
    }.kernel();
    Run run = new Run(racing);
    PreflightException e = assertThrows(PreflightException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertEquals(2, looks.get(), "preflight's look, then the one right before chroot");
    assertTrue(e.getMessage().contains("(/var/lib) outside the new root"), e.getMessage());
    assertEquals("/", kernel.model().root());
    assertEquals(-1, run.halted.get());
  }

  @Test
  void underRefuseInheritedDescriptorsAFileOpenedDuringPreflightIsSeenRightBeforeChroot() {
    Simulation kernel = machine().entry("/etc/shadow", FileStatus.Type.REGULAR, 0, 42, 0640, 1);
    AtomicInteger looks = new AtomicInteger();
    Kernel racing = new ForwardingKernel(kernel.model()) {
      public List<OpenFile> openFiles() throws ErrnoException {
        List<OpenFile> seen = delegate.openFiles();
        if (looks.incrementAndGet() == 1) {
          kernel.openFile("/etc/shadow", 0); // right after preflight's look, O_RDONLY
        }
        return seen;
      }
    }.kernel();
    Run run = new Run(racing);
    PreflightException e = assertThrows(PreflightException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().refuseInheritedDescriptors().build())));
    assertEquals(2, looks.get(), "preflight's look, then the one right before chroot");
    assertTrue(e.report().has("inherited-descriptor") && e.getMessage().contains("(/etc/shadow) is a file open for reading"), e.getMessage());
    assertEquals("/", kernel.model().root(), "refused before chroot");
    // Control: without the option the same race confines (as a WARNING the look right before chroot does not repeat it).
    Simulation plain = machine().entry("/etc/shadow", FileStatus.Type.REGULAR, 0, 42, 0640, 1);
    AtomicInteger plainLooks = new AtomicInteger();
    Kernel racingPlain = new ForwardingKernel(plain.model()) {
      public List<OpenFile> openFiles() throws ErrnoException {
        List<OpenFile> seen = delegate.openFiles();
        if (plainLooks.incrementAndGet() == 1) {
          plain.openFile("/etc/shadow", 0);
        }
        return seen;
      }
    }.kernel();
    new Run(racingPlain).confiner.apply(Internal.get().viewOf(builder().build()));
    assertEquals("/srv/jail", plain.model().root());
  }

  @Test
  void aDirectoryOpenedAfterTheLastLookBeforeChrootHaltsTheProcessAfterTheDrop() {
    Simulation kernel = machine();
    Kernel racing = new ForwardingKernel(kernel.model()) {
      public void chroot(String path) throws ErrnoException {
        kernel.otherThreadOpensDirectory("/var/lib"); // another thread, between the last look and chroot
        delegate.chroot(path);
      }
    }.kernel();
    Run run = new Run(racing);
    ConfinementException e = assertThrows(ConfinementException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertTrue(e.pastPointOfNoReturn());
    assertEquals(71, run.halted.get());
    assertTrue(e.getMessage().contains("a directory outside the new root is still open"), e.getMessage());
  }

  @Test
  void controlADirectoryOpenedInsideTheJailAfterChrootIsFine() {
    Simulation kernel = machine();
    Kernel serving = new ForwardingKernel(kernel.model()) {
      public void chroot(String path) throws ErrnoException {
        delegate.chroot(path);
        kernel.otherThreadOpensDirectory("/srv/jail/www"); // a request thread listing the jail's own files
      }
    }.kernel();
    Run run = new Run(serving);
    ConfinementReport report = run.confiner.apply(Internal.get().viewOf(builder().build()));
    assertEquals(-1, run.halted.get());
    assertTrue(report.verifications().stream().anyMatch(v -> v.contains("1 directories, each inside the new root")), report.verifications().toString());
  }

  @Test
  void anAllowedDescriptorNumberThatNowHoldsAnotherDirectoryIsJudgedAgain() {
    Simulation kernel = machine();
    int fd = kernel.leakDirectoryDescriptor("/srv/jail/www");
    AtomicInteger looks = new AtomicInteger();
    Kernel swapping = new ForwardingKernel(kernel.model()) {
      public List<OpenFile> openFiles() throws ErrnoException {
        List<OpenFile> files = delegate.openFiles();
        if (looks.incrementAndGet() == 1) {
          kernel.otherThreadReplacesDescriptor(fd, "/var/lib"); // dup2(host_dir, fd) after the first look
        }
        return files;
      }
    }.kernel();
    ConfinementPolicy policy = builder().allowOpenDirectory(fd).build();
    assertTrue(kernel.check(policy).errors().isEmpty(), "inside the root, the number is allowed");
    PreflightException e = assertThrows(PreflightException.class, () -> new Run(swapping).confiner.apply(Internal.get().viewOf(policy)));
    assertTrue(e.getMessage().contains("allowOpenDirectory(" + fd + ") does not cover a directory outside the root"), e.getMessage());
  }

  // ---- 2. every thread's root and working directory ----

  @Test
  void aThreadThatUnsharedItsFileSystemViewHaltsTheProcess() {
    Simulation kernel = machine();
    long tid = kernel.threadWithOwnFileSystemView("unshared");
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(builder().build()));
    assertTrue(e.pastPointOfNoReturn());
    assertEquals(71, kernel.haltStatus().getAsInt());
    assertTrue(e.getMessage().contains("thread " + tid + " \"unshared\": root is"), e.getMessage());
  }

  @Test
  void controlAThreadThatSharesTheViewPasses() {
    Simulation kernel = machine();
    kernel.otherThread("sharing");
    ConfinementReport report = kernel.apply(builder().build());
    assertTrue(report.verifications().stream().anyMatch(v -> v.startsWith("4 threads: root and cwd")), report.verifications().toString());
  }

  // ---- 3. writable is more than mode bits ----

  private static PosixAcl acl(PosixAcl.Entry... extra) {
    List<PosixAcl.Entry> entries = new java.util.ArrayList<>();
    entries.add(new PosixAcl.Entry(PosixAcl.Tag.USER_OBJ, -1, 7));
    entries.addAll(List.of(extra));
    entries.add(new PosixAcl.Entry(PosixAcl.Tag.GROUP_OBJ, -1, 5));
    entries.add(new PosixAcl.Entry(PosixAcl.Tag.MASK, -1, 7));
    entries.add(new PosixAcl.Entry(PosixAcl.Tag.OTHER, -1, 5));
    return new PosixAcl(entries);
  }

  @Test
  void anAclEntryThatLetsTheTargetWriteIsJailWritable() {
    Simulation kernel = machine().directory("/srv/jail/data").acl("/srv/jail/data", false, acl(new PosixAcl.Entry(PosixAcl.Tag.USER, UID, 7)));
    Finding f = only(kernel.check(builder().build()), "jail-writable");
    assertEquals("/srv/jail/data is writable by the target through its ACL ([user:65534:rwx]) (mode 0775, uid 0, gid 0)", f.message());
    assertEquals(Severity.INFO, only(kernel.check(builder().allowWritable("data").build()), "jail-writable").severity());
  }

  @Test
  void aDefaultAclIsWhatNewEntriesInheritAndCountsToo() {
    Simulation kernel = machine().directory("/srv/jail/spool").acl("/srv/jail/spool", true, acl(new PosixAcl.Entry(PosixAcl.Tag.GROUP, UID, 6)));
    assertTrue(only(kernel.check(builder().build()), "jail-writable").message().contains("through its default ACL ([group:65534:rw-])"));
  }

  @Test
  void controlAnAclForSomeoneElseOrMaskedIsNotTheTargets() {
    Simulation other = machine().directory("/srv/jail/data").acl("/srv/jail/data", false, acl(new PosixAcl.Entry(PosixAcl.Tag.USER, 4242, 7)));
    assertFalse(other.check(builder().build()).has("jail-writable"));
    PosixAcl masked =
        new PosixAcl(List.of(new PosixAcl.Entry(PosixAcl.Tag.USER_OBJ, -1, 7), new PosixAcl.Entry(PosixAcl.Tag.USER, UID, 7),
            new PosixAcl.Entry(PosixAcl.Tag.GROUP_OBJ, -1, 5), new PosixAcl.Entry(PosixAcl.Tag.MASK, -1, 5), new PosixAcl.Entry(PosixAcl.Tag.OTHER, -1, 5)));
    Simulation maskedOut = machine().directory("/srv/jail/data").acl("/srv/jail/data", false, masked);
    assertFalse(maskedOut.check(builder().build()).has("jail-writable"), "the mask r-x takes write away from user:65534:rwx");
  }

  @Test
  void aPathComponentWritableThroughAnAclIsComponentWritable() {
    Simulation kernel = machine().acl("/srv", false, acl(new PosixAcl.Entry(PosixAcl.Tag.USER, 1000, 7)));
    Finding f = only(kernel.check(builder().build()), "component-writable");
    assertEquals("component /srv is writable through its ACL by [user:1000:rwx] (mode 0775)", f.message());
  }

  @Test
  void theAclCodecReadsWhatTheKernelStores() {
    PosixAcl acl = acl(new PosixAcl.Entry(PosixAcl.Tag.USER, UID, 7), new PosixAcl.Entry(PosixAcl.Tag.GROUP, 100, 2));
    assertEquals(acl.toString(), PosixAcl.parse(acl.encode()).toString());
    assertEquals("user::rwx,user:65534:rwx,group:100:-w-,group::r-x,mask::rwx,other::r-x", acl.toString());
    assertThrows(IllegalArgumentException.class, () -> PosixAcl.parse(new byte[] {1, 0, 0, 0}), "version 1");
    assertThrows(IllegalArgumentException.class, () -> PosixAcl.parse(new byte[] {2, 0, 0, 0, 1}), "a partial entry");
  }

  // ---- 4. mounts below the root ----

  @Test
  void aMountBelowTheRootWithoutNodevNosuidIsAnErrorAndItsContentIsWalked() {
    Simulation kernel =
        machine().directory("/srv/jail/tmp").mount("/srv/jail/tmp", "tmpfs", "rw", "relatime")
            .entry("/srv/jail/tmp/mem", dev.confine.internal.FileStatus.Type.CHAR_DEVICE, 0, 0, 0666, 1);
    PreflightReport report = kernel.check(builder().build());
    assertEquals(Severity.ERROR, only(report, "mount-inside-jail").severity());
    assertTrue(only(report, "device-node").message().startsWith("/srv/jail/tmp/mem is a character device node"), report.toString());
    PreflightReport allowed = kernel.check(builder().allowMounts("tmp").build());
    assertEquals(Severity.INFO, only(allowed, "mount-inside-jail").severity());
    assertEquals(Severity.ERROR, only(allowed, "device-node").severity(), "allowing the mount does not allow what is on it");
  }

  @Test
  void controlANodevNosuidMountIsInfoAndASpecialMountIsNotEntered() {
    Simulation kernel =
        machine().directory("/srv/jail/tmp").mount("/srv/jail/tmp", "tmpfs", "rw", "nosuid", "nodev")
            .directory("/srv/jail/proc").mount("/srv/jail/proc", "proc").entry("/srv/jail/proc/kcore", FileStatus.Type.REGULAR, 0, 0, 0666, 1);
    PreflightReport report = kernel.check(builder().build());
    assertEquals(Severity.INFO, withCode(report, "mount-inside-jail").get(0).severity());
    assertEquals(1, report.errors().size(), report.toString());
    assertEquals("special-mount", report.errors().get(0).code(), "proc is refused on sight, and not walked");
  }

  // ---- 5. launch state ----

  @Test
  void inheritableAmbientAndSecurebitsAreRefusedBeforeChroot() {
    Simulation kernel = machine().securebits(1 << 2 | 1 << 5); // NO_SETUID_FIXUP, KEEP_CAPS_LOCKED
    PreflightReport report = kernel.check(builder().build());
    assertEquals("the process runs with securebits 0x24: SECBIT_NO_SETUID_FIXUP, SECBIT_KEEP_CAPS_LOCKED", only(report, "securebits").message());
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(builder().build()));
    assertTrue(e.report().has("securebits"));
    assertEquals("/", kernel.model().root());
  }

  /**
   * A thread with a seccomp filter of its own (installed without TSYNC): confine's TSYNC filters
   * fail with ESRCH, after chroot. Preflight refuses now, with nothing done; the control, without
   * preflight's look, halts past chroot (71), as the real kernel did in ThreadFaultIT.
   */
  @Test
  void aThreadWithASeccompFilterOfItsOwnIsRefusedBeforeChroot() {
    Simulation kernel = machine();
    long tid = kernel.threadWithOwnSeccompFilter("native-worker");
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(builder().build()));
    assertTrue(only(e.report(), "seccomp-filters-differ").message().contains("1 thread(s) with 1 filter(s) (thread " + tid + " \"native-worker\")"),
        only(e.report(), "seccomp-filters-differ").message());
    assertEquals("/", kernel.model().root(), "nothing done");
    Simulation control = machine();
    control.threadWithOwnSeccompFilter("native-worker");
    Kernel noPreflightLook = new ForwardingKernel(control.model()) {
      public java.util.List<dev.confine.internal.linux.ThreadStatus> threadStatuses() throws ErrnoException {
        java.util.List<dev.confine.internal.linux.ThreadStatus> all = new java.util.ArrayList<>();
        for (dev.confine.internal.linux.ThreadStatus t : delegate.threadStatuses()) {
          all.add(new dev.confine.internal.linux.ThreadStatus(t.tid, t.name, t.uid, t.gid, t.groups, t.capInh, t.capPrm, t.capEff, t.capBnd,
              t.capAmb, t.noNewPrivs, t.seccomp, t.sigBlk, -1)); // as a kernel before 5.9, which does not say
        }
        return all;
      }
    }.kernel();
    Run run = new Run(noPreflightLook);
    ConfinementException halted = assertThrows(ConfinementException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertEquals(71, run.halted.get(), "past chroot: the TSYNC filter failed with ESRCH\n" + halted.getMessage());
    assertTrue(halted.getMessage().contains("ESRCH"), halted.getMessage());
  }

  /** A thread that blocks glibc's SIGSETXID would hang the drop after chroot: refused before anything is done. */
  @Test
  void aThreadBlockingGlibcsSetxidSignalIsRefusedBeforeChroot() {
    Simulation kernel = machine();
    long tid = kernel.threadBlockingSetxid("signal-blocker");
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(builder().build()));
    assertEquals("1 thread(s) block signal 33 (glibc's SIGSETXID): thread " + tid + " \"signal-blocker\" SigBlk fffffffffffbfeff",
        only(e.report(), "setxid-signal-blocked").message());
    assertEquals("/", kernel.model().root(), "nothing done");
    // Control: a thread that blocks what glibc's sigfillset gives (its own signals left out) is fine.
    Simulation control = machine();
    control.otherThread("ordinary");
    assertFalse(control.check(builder().build()).has("setxid-signal-blocked"));
  }

  @Test
  void controlWithNoSetuidFixupTheDropKeepsEveryCapabilityAndOnlyVerificationCatchesIt() {
    // What preflight now prevents: with the fix-up off, setresuid keeps root's capabilities.
    Simulation kernel = machine().securebits(1 << 2);
    Kernel noPreflightLook = new ForwardingKernel(kernel.model()) {
      public int securebits() {
        return 0;
      }
    }.kernel();
    Run run = new Run(noPreflightLook);
    ConfinementException e = assertThrows(ConfinementException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertEquals(71, run.halted.get(), "halted past chroot, as the review saw");
    assertTrue(e.getMessage().contains("CapPrm"), e.getMessage());
  }

  // ---- 6. identity, halt path, dumpable ----

  @Test
  void aPasswdEntryWithUidOrGidMinusOneIsRefusedWhereItIsResolved() {
    Simulation uid = machine().user("minus", 0xFFFF_FFFFL, 100);
    ConfinementException e = assertThrows(ConfinementException.class, () -> uid.apply(Confinement.builder().root("/srv/jail").user("minus").build()));
    assertFalse(e.pastPointOfNoReturn());
    assertTrue(e.getMessage().contains("uid 4294967295"), e.getMessage());
    assertEquals("/", uid.model().root());
    Simulation gid = machine().user("gminus", 500, 0xFFFF_FFFFL);
    assertTrue(assertThrows(ConfinementException.class, () -> gid.apply(Confinement.builder().root("/srv/jail").user("gminus").build()))
        .getMessage().contains("gid 4294967295"));
  }

  @Test
  void dumpableIsClearedExplicitlyEvenWhereSuidDumpableWouldLeaveItOn() {
    Simulation kernel = machine().suidDumpable(true);
    ConfinementReport report = kernel.apply(builder().build());
    assertFalse(kernel.model().isDumpable());
    assertTrue(report.verifications().stream().anyMatch(v -> v.startsWith("PR_GET_DUMPABLE = 0")));
    assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("core dumps are off")));
  }

  @Test
  void controlWithoutTheStepSuidDumpableLeavesTheProcessDumpableAndVerificationHalts() {
    Simulation kernel = machine().suidDumpable(true);
    // A kernel that ignores the step and answers the step's own read-back with 0: only the
    // verification's later read sees the truth.
    Kernel ignoring = new ForwardingKernel(kernel.model()) {
      private int reads;
      public void setDumpable(boolean dumpable) {}
      public boolean dumpable() {
        return ++reads > 1 && kernel.model().isDumpable();
      }
    }.kernel();
    Run run = new Run(ignoring);
    ConfinementException e = assertThrows(ConfinementException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertTrue(kernel.model().isDumpable(), "suid_dumpable 1 left it dumpable");
    assertEquals(71, run.halted.get());
    assertTrue(e.getMessage().contains("PR_GET_DUMPABLE is not 0"), e.getMessage());
  }

  @Test
  void anErrorPastChrootHaltsWithTheMessageMadeBeforeChroot() {
    Simulation kernel = machine();
    Kernel failing = new ForwardingKernel(kernel.model()) {
      public void setresuid(long r, long e, long s) {
        throw new OutOfMemoryError("simulated");
      }
    }.kernel();
    Run run = new Run(failing);
    assertThrows(OutOfMemoryError.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertEquals(71, run.halted.get());
    assertTrue(run.stderr.toString(StandardCharsets.UTF_8).startsWith("confine: confinement of /srv/jail failed after chroot; halting with status 71"));
  }

  @Test
  void anErrorInsideChrootItselfHaltsToo() {
    Simulation kernel = machine();
    Kernel failing = new ForwardingKernel(kernel.model()) {
      public void chroot(String path) throws ErrnoException {
        delegate.chroot(path);
        throw new StackOverflowError("simulated, after the kernel acted");
      }
    }.kernel();
    Run run = new Run(failing);
    assertThrows(StackOverflowError.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertEquals(71, run.halted.get());
  }

  @Test
  void controlAnErrorBeforeChrootLeavesApplyUsable() {
    Simulation kernel = machine();
    AtomicInteger calls = new AtomicInteger();
    Kernel failingOnce = new ForwardingKernel(kernel.model()) {
      public int openDirectoryNoFollow(String path) throws ErrnoException {
        if (calls.incrementAndGet() == 1) {
          throw new OutOfMemoryError("simulated");
        }
        return delegate.openDirectoryNoFollow(path);
      }
    }.kernel();
    Run run = new Run(failingOnce);
    assertThrows(OutOfMemoryError.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertEquals(-1, run.halted.get());
    run.confiner.apply(Internal.get().viewOf(builder().build())); // the guard is IDLE again
    assertEquals("/srv/jail", kernel.model().root());
  }

  @Test
  void aStackOverflowAtAnyDepthNeverLeavesTheGuardRunning() {
    Simulation kernel = machine();
    ConfinementPolicy refused = Confinement.builder().root("/srv/missing").user("nobody").build();
    Run run = new Run(kernel.model());
    int[] seen = new int[3];
    overflow(run.confiner, refused, seen);
    assertTrue(seen[0] > 0, "apply() was reached near the stack's end");
    assertTrue(seen[2] > 0, "some calls overflowed inside apply()");
    // Whatever depth each overflow hit, the guard is IDLE: the next call runs (and is refused by preflight).
    PreflightException e = assertThrows(PreflightException.class, () -> run.confiner.apply(Internal.get().viewOf(refused)));
    assertTrue(e.report().has("root-missing"));
  }

  /** Recurses to the stack's end, then calls apply() at each depth on the way back. */
  private static void overflow(Confiner confiner, ConfinementPolicy policy, int[] seen) {
    try {
      overflow(confiner, policy, seen);
    } catch (StackOverflowError e) {
      // the bottom
    }
    if (seen[0] > 2000) {
      return;
    }
    seen[0]++;
    try {
      confiner.apply(Internal.get().viewOf(policy));
    } catch (PreflightException e) {
      seen[1]++;
    } catch (StackOverflowError e) {
      seen[2]++;
    } catch (IllegalStateException e) {
      throw new AssertionError("the guard was left RUNNING: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      seen[2]++; // an overflow may surface wrapped (class initialisation)
    }
  }

  // ---- 7. exec block, and the deny list's new entries ----

  @Test
  void denyExecInstallsItsFilterAsRootBeforeChroot() {
    Simulation kernel = machine();
    ConfinementPolicy policy = builder().denyExec().build();
    List<Syscall> order = policy.plan().stream().map(Step::syscall).collect(Collectors.toList());
    assertEquals(order.indexOf(Syscall.CHROOT) - 1, order.indexOf(Syscall.SECCOMP), order.toString());
    ConfinementReport report = kernel.apply(policy);
    assertEquals(3, kernel.model().seccompPrograms().size(), "the exec block, the baseline, then the filter that carries no_new_privs");
    assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("no thread can run a program")));
  }

  @Test
  void theExecBlockRefusesProgramsAndProcessesButNotThreads() {
    for (LinuxArch arch : LinuxArch.values()) {
      long[] program = SeccompFilter.denyExec(arch);
      for (String call : List.of("execve", "execveat", "fork", "vfork")) {
        if (arch.knows(call)) {
          assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, arch.number(call), 0), call + " on " + arch);
        }
      }
      assertEquals(Bpf.ENOSYS, Bpf.run(program, arch.auditArch, arch.number("clone3"), 0), "clone3 on " + arch);
      long vforkLike = 0x00004000L | 0x00000100L | 17; // CLONE_VFORK|CLONE_VM|SIGCHLD: posix_spawn
      assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, arch.number("clone"), vforkLike), "a process by clone on " + arch);
      long thread = 0x003d0f00L; // glibc's pthread_create flags, CLONE_THREAD among them
      assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, arch.number("clone"), thread), "a thread on " + arch);
      assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, arch.number("gettid"), 0), "anything else on " + arch);
      assertEquals(Bpf.KILL, Bpf.run(program, 0x40000003, 11, 0), "i386's execve through int 0x80");
    }
  }

  @Test
  void theDenyListRefusesTheCallsThatReachIntoAnotherProcess() {
    for (LinuxArch arch : LinuxArch.values()) {
      long[] program = SeccompFilter.denyList(arch, SeccompFilter.DEFAULT_DENY_LIST);
      for (String call : List.of("pidfd_getfd", "kcmp", "process_madvise", "open_tree_attr", "modify_ldt")) {
        if (arch.knows(call)) {
          assertEquals(Bpf.EPERM, Bpf.run(program, arch.auditArch, arch.number(call), 0), call + " on " + arch);
        }
      }
      assertEquals(Bpf.ALLOW, Bpf.run(program, arch.auditArch, arch.number("pidfd_open"), 0), "pidfd_open alone takes nothing");
    }
    assertTrue(LinuxArch.X86_64.knows("modify_ldt"));
    assertFalse(LinuxArch.AARCH64.knows("modify_ldt"), "asm-generic has no LDT");
  }

  /** The classic-BPF subset SeccompFilter emits, run over one struct seccomp_data. */
  static final class Bpf {
    static final int ALLOW = 0x7fff0000;
    static final int EPERM = 0x00050000 | 1;
    static final int ENOSYS = 0x00050000 | 38;
    static final int KILL = 0x80000000;

    static int run(long[] program, int arch, int nr, long arg0) {
      return run(program, arch, nr, arg0, 0);
    }

    /** seccomp_data's args[0] at offset 16, args[1] at 24, each a little-endian 64-bit word. */
    static int run(long[] program, int arch, int nr, long arg0, long arg1) {
      int a = 0;
      for (int pc = 0; pc < program.length; pc++) {
        long x = program[pc];
        int code = (int) (x & 0xffff);
        int jt = (int) ((x >>> 16) & 0xff);
        int jf = (int) ((x >>> 24) & 0xff);
        int k = (int) (x >>> 32);
        switch (code) {
          case 0x20:
            a = k == 0 ? nr : k == 4 ? arch : k == 16 ? (int) arg0 : k == 20 ? (int) (arg0 >>> 32)
                : k == 24 ? (int) arg1 : k == 28 ? (int) (arg1 >>> 32) : 0;
            break;
          case 0x15: pc += a == k ? jt : jf; break;
          case 0x35: pc += Integer.toUnsignedLong(a) >= Integer.toUnsignedLong(k) ? jt : jf; break;
          case 0x45: pc += (a & k) != 0 ? jt : jf; break;
          case 0x06: return k;
          default: throw new IllegalStateException("opcode 0x" + Integer.toHexString(code));
        }
      }
      throw new IllegalStateException("fell off the end");
    }
  }

  // ---- helpers ----
}
