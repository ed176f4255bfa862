package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.linux.LinuxArch;
import java.util.concurrent.CountDownLatch;
import jnr.ffi.Pointer;

/**
 * Issue 26, the one-thread case: a seccomp filter installed WITHOUT TSYNC in one thread only
 * makes one set*id call fail there, so glibc's set*id broadcast (nptl's SIGSETXID: every other
 * thread makes the call in a signal handler, the caller last) sees one thread fail where others
 * succeeded.
 *
 * <p>Arguments: {@code jail cwd syscall errno where baseline}: {@code where} is {@code other} (a
 * thread started before apply(), not the caller, gets the filter) or {@code caller} (the thread
 * that calls apply()); {@code baseline} is {@code baseline} (the default policy) or
 * {@code nobaseline} (noBaselineFilter(): the baseline's TSYNC would otherwise meet the foreign
 * filter first, or carry the caller's filter to every thread). Controls, which never confine:
 * {@code filter-control cwd} (the filter in one thread fails chdir there only) and
 * {@code glibc-control cwd} (setresuid(0, 0, 0) through glibc with the filter in one other thread:
 * glibc aborts with no confine involved). {@code setxid-blocked jail cwd}: a native thread blocks
 * SIGSETXID, then the default policy's apply().
 *
 * <p>The process is held where it ends: SIGABRT's handler is glibc's sleep(3), which takes the
 * signal number as its argument, so a thread that calls abort(3) sleeps 6 s in the handler, then
 * abort(3) resets the handler and raises SIGABRT again: the process still ends by SIGABRT, and the
 * parent reads /proc while it is held. Prints "PROBE" lines; after apply() returns, "READY".
 */
public final class ThreadFaultChild {
  private static final Kernel KERNEL = NativeKernel.get();
  private static final FaultLibC LIBC = FaultLibC.load();

  private ThreadFaultChild() {}

  public static void main(String[] args) throws Exception {
    LinuxArch arch = LinuxArch.current().orElseThrow();
    holdOnAbort();
    if (args[0].equals("filter-control")) {
      KERNEL.chdir(args[1]);
      String[] victimSaw = new String[1];
      Thread victim = victim(FaultChild.program(arch, FaultChild.number(arch, "chdir"), FaultChild.errno("EIO"), -1, 0), () -> {
        try {
          KERNEL.chdir("/");
          victimSaw[0] = "ok";
        } catch (ErrnoException e) {
          victimSaw[0] = e.errnoName();
        }
      });
      victim.join();
      FaultChild.probe("control-victim-chdir", victimSaw[0]);
      KERNEL.chdir("/");
      FaultChild.probe("control-main-chdir", "ok");
      FaultChild.probe("control-cwd", KERNEL.getcwd());
      ChildSide.readyThenAwaitExit();
      return;
    }
    if (args[0].equals("glibc-control")) {
      KERNEL.chdir(args[1]);
      victim(FaultChild.program(arch, FaultChild.number(arch, "setresuid"), FaultChild.errno("EPERM"), -1, 0), null);
      FaultChild.probe("filter", "setresuid -> EPERM in fault-victim only");
      FaultChild.probe("main-tid", KERNEL.threadId());
      // No change of ids: every thread's call succeeds but the victim's.
      try {
        KERNEL.setresuid(0, 0, 0);
        FaultChild.probe("control-setresuid", "ok");
      } catch (ErrnoException e) {
        FaultChild.probe("control-setresuid", e.errnoName());
      }
      FaultChild.probe("after-apply-ran", "yes");
      ChildSide.readyThenAwaitExit();
      return;
    }
    if (args[0].equals("setxid-blocked")) {
      setxidBlocked(arch, args[1], args[2]);
      return;
    }
    String jail = args[0];
    String cwd = args[1];
    String syscall = args[2];
    long[] program = FaultChild.program(arch, FaultChild.number(arch, syscall), FaultChild.errno(args[3]), -1, 0);
    boolean inCaller = args[4].equals("caller");
    boolean baseline = args[5].equals("baseline");

    Thread idle = new Thread(ThreadFaultChild::sleepForever, "fault-idle");
    idle.setDaemon(true);
    idle.start();
    KERNEL.chdir(cwd);
    FaultChild.probe("cwd-before", KERNEL.getcwd());
    FaultChild.probe("main-tid", KERNEL.threadId());
    if (inCaller) {
      installInThisThread(program);
    } else {
      victim(program, null);
    }
    FaultChild.probe("filter", syscall + " -> " + args[3] + " in " + (inCaller ? "the caller (main) only" : "fault-victim only"));
    ConfinementPolicy.Builder builder = Confinement.builder().root(jail).user(65534).group(65534);
    if (!baseline) {
      builder.noBaselineFilter();
    }
    try {
      builder.build().apply();
      FaultChild.probe("apply", "ok");
    } catch (ConfinementException e) {
      FaultChild.probe("apply", e.getClass().getSimpleName() + " past=" + e.pastPointOfNoReturn() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
    // Proves that the daemon's own code ran after apply() returned, whatever it returned.
    FaultChild.probe("after-apply-ran", "yes");
    ChildSide.readyThenAwaitExit();
  }

  /**
   * A native thread that blocks every signal, glibc's SIGSETXID (33) included, which only the raw
   * rt_sigprocmask(2) can do (glibc's wrappers leave it open): glibc's set*id broadcast waits for
   * that thread's answer. Then the default policy's apply().
   */
  private static void setxidBlocked(LinuxArch arch, String jail, String cwd) throws Exception {
    KERNEL.chdir(cwd);
    FaultChild.probe("main-tid", KERNEL.threadId());
    int blocking = FaultLibC.startSetxidBlockingThread(LIBC, arch);
    FaultChild.probe("threads-blocking-sigsetxid", blocking);
    try {
      Confinement.builder().root(jail).user(65534).group(65534).build().apply();
      FaultChild.probe("apply", "ok");
    } catch (ConfinementException e) {
      FaultChild.probe("apply", e.getClass().getSimpleName() + " past=" + e.pastPointOfNoReturn() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
    FaultChild.probe("after-apply-ran", "yes");
    ChildSide.readyThenAwaitExit();
  }

  /**
   * Starts "fault-victim": it installs {@code program} on itself only, runs {@code then} (if any),
   * and sleeps (or ends, after {@code then}). Returns once the filter is in.
   */
  private static Thread victim(long[] program, Runnable then) throws InterruptedException {
    CountDownLatch installed = new CountDownLatch(1);
    Thread victim =
        new Thread(
            () -> {
              installInThisThread(program);
              FaultChild.probe("victim-tid", tid());
              installed.countDown();
              if (then != null) {
                then.run();
              } else {
                sleepForever();
              }
            },
            "fault-victim");
    victim.setDaemon(true);
    victim.start();
    installed.await();
    return victim;
  }

  /** The filter on the calling thread only: prctl(PR_SET_SECCOMP), no TSYNC; root needs no no_new_privs. */
  private static void installInThisThread(long[] program) {
    Pointer[] fprog = FaultLibC.fprog(LIBC, program);
    if (LIBC.prctl(FaultLibC.PR_SET_SECCOMP, FaultLibC.SECCOMP_MODE_FILTER, fprog[0].address(), 0, 0) != 0) {
      throw new IllegalStateException("prctl(PR_SET_SECCOMP) failed, errno " + jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getRuntime(LIBC)));
    }
  }

  /** SIGABRT's handler: sleep(3) (called with 6, the signal number): abort(3) holds 6 s, then ends the process. */
  static void holdOnAbort() {
    // glibc's struct sigaction on x86_64 and aarch64: handler (8), sa_mask (128), sa_flags (4 + 4), sa_restorer (8).
    Pointer act = FaultLibC.allocate(LIBC, 152);
    act.putAddress(0, FaultLibC.function("sleep"));
    if (LIBC.sigaction(FaultLibC.SIGABRT, act.address(), 0) != 0) {
      throw new IllegalStateException("sigaction(SIGABRT) failed");
    }
    FaultChild.probe("hold", "SIGABRT handler sleep(6)");
  }

  static long tid() {
    try {
      return KERNEL.threadId();
    } catch (ErrnoException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleepForever() {
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      // ends with the process
    }
  }
}
