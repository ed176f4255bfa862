package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.linux.LinuxArch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import jnr.ffi.Pointer;

/**
 * Issue 26, signals and Errors: the child holds itself at one phase of apply() until the parent
 * says "release", so that the parent can deliver a signal there (or the child can exhaust its
 * heap there). The hold is ptrace-free: a seccomp filter returns SECCOMP_RET_USER_NOTIF for one
 * call that only the caller makes, and a thread of this child (the supervisor) answers it with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE once released (the first such call is held, later ones pass).
 *
 * <p>Arguments: {@code jail cwd phase action [nobaseline]}. Phases: {@code before-apply}, {@code prepare} (in a
 * beforeChroot hook), {@code fchdir} (at fchdir(2) into the root, before the point of no
 * return), {@code chroot} (at chroot(2): nothing irreversible done yet; released, it goes on),
 * {@code capbset} (at the first PR_CAPBSET_DROP: chrooted, still root), {@code capset} (at
 * capset(2): after setresuid), {@code after-apply}. Actions: {@code signal} (the parent sends one),
 * {@code oom} (an allocating thread fills the heap, then the caller goes on), {@code soe-hook}
 * (the beforeChroot hook overflows its stack; phase prepare only), {@code soe-shutdown-hook} (the
 * parent sends a signal, and the daemon's shutdown hook overflows its stack after it has spoken),
 * {@code late-blocker} (phase fchdir: after preflight and its second look, a native thread is born
 * that blocks every signal with the raw rt_sigprocmask, glibc's SIGSETXID included; not held).
 *
 * <p>A shutdown hook registered before apply() ("daemon-hook") says what it ran as: its uid, and
 * whether it could write a file in {@code cwd}, a directory of the host outside the jail.
 */
public final class SignalChild {
  private static final Kernel KERNEL = NativeKernel.get();
  private static final FaultLibC LIBC = FaultLibC.load();
  private static final BlockingQueue<String> INPUT = new LinkedBlockingQueue<>();
  private static final int SECCOMP_RET_USER_NOTIF = 0x7fc00000;
  private static final long FLAGS_TSYNC_LISTENER = 1 | 8 | 16; // TSYNC | NEW_LISTENER | TSYNC_ESRCH
  private static final long NOTIF_RECV = 0xc0502100L;
  private static final long NOTIF_SEND = 0xc0182101L;
  private static volatile boolean heapFull;
  private static final List<Object> HOARD = new ArrayList<>();

  private SignalChild() {}

  public static void main(String[] args) throws Exception {
    String jail = args[0];
    String cwd = args[1];
    String phase = args[2];
    String action = args[3];
    Thread reader = new Thread(SignalChild::readInput, "stdin");
    reader.setDaemon(true);
    reader.start();
    KERNEL.chdir(cwd);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> hook(cwd, action.equals("soe-shutdown-hook")), "daemon-hook"));
    LinuxArch arch = LinuxArch.current().orElseThrow();
    switch (phase) {
      case "fchdir": supervise(arch, "fchdir", -1, 0, action); break;
      case "chroot": supervise(arch, "chroot", -1, 0, action); break;
      case "capbset": supervise(arch, "prctl", 0, 24, action); break; // PR_CAPBSET_DROP
      case "capset": supervise(arch, "capset", -1, 0, action); break;
      default: break;
    }
    if (phase.equals("before-apply")) {
      hold(phase, action);
    }
    var builder = Confinement.builder().root(jail).user(65534).group(65534);
    if (args.length > 4 && args[4].equals("nobaseline")) {
      builder.noBaselineFilter();
    }
    if (phase.equals("prepare")) {
      builder.beforeChroot("fault-hold", () -> {
        if (action.equals("soe-hook")) {
          FaultChild.probe("soe-depth", recurse(0));
        }
        hold(phase, action);
      });
    }
    FaultChild.probe("applying", "yes");
    try {
      builder.build().apply();
      FaultChild.probe("apply", "ok");
    } catch (ConfinementException e) {
      FaultChild.probe("apply", e.getClass().getSimpleName() + " past=" + e.pastPointOfNoReturn() + " " + oneLine(e.getMessage()));
    } catch (Throwable e) {
      release();
      FaultChild.probe("apply", "threw " + e.getClass().getName() + ": " + oneLine(String.valueOf(e.getMessage())));
    }
    release();
    Kernel.Ids ids = KERNEL.getresuid();
    FaultChild.probe("after-apply-ran", "uid " + ids.real + "," + ids.effective + "," + ids.saved);
    if (phase.equals("after-apply")) {
      hold(phase, action);
    }
    System.out.println("READY");
    System.out.flush();
    while (!INPUT.take().equals("exit")) {
      // wait
    }
  }

  /** What a daemon's shutdown hook can do at this moment. */
  private static void hook(String cwd, boolean overflow) {
    try {
      Kernel.Ids ids = KERNEL.getresuid();
      FaultChild.probe("hook-uid", ids.real + "," + ids.effective + "," + ids.saved);
      String wrote;
      try {
        Files.writeString(Path.of(cwd, "hook-was-here"), "written by a shutdown hook\n");
        wrote = "yes";
      } catch (Exception e) {
        wrote = "no (" + e.getClass().getSimpleName() + ")";
      }
      FaultChild.probe("hook-host-write", wrote);
      if (ids.effective == 0 && wrote.startsWith("no")) {
        // Root in a chroot: the classic way out (a chroot deeper, the working directory left
        // outside it, ".." up to the host's "/"), then the same write in the host directory.
        FaultChild.probe("hook-escape", escape(cwd));
      }
      if (overflow) {
        FaultChild.probe("hook-overflows", "now");
        recurse(0);
      }
    } catch (Throwable e) {
      FaultChild.probe("hook-failed", e.toString());
    }
  }

  private static String escape(String cwd) {
    try {
      Files.createDirectories(Path.of("/hook-escape"));
      KERNEL.chroot("/hook-escape");
      for (int i = 0; i < 64; i++) {
        KERNEL.chdir("..");
      }
      KERNEL.chroot(".");
      Files.writeString(Path.of(cwd, "hook-escaped"), "written by a shutdown hook out of the jail\n");
      return "yes: out of the jail, wrote " + Path.of(cwd, "hook-escaped");
    } catch (Exception e) {
      return "no (" + e + ")";
    }
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }

  /** Holds the calling thread until the parent says "release" (or, for oom, until the heap is full). */
  private static void hold(String phase, String action) {
    if (action.equals("late-blocker")) {
      FaultChild.probe("late-blocker", "threads blocking SIGSETXID: " + blockingThread());
      return;
    }
    if (action.equals("oom") && !phase.equals("after-apply")) {
      fillHeap();
      return;
    }
    FaultChild.probe("held", phase);
    System.out.println("HELD " + phase);
    System.out.flush();
    try {
      while (!INPUT.take().equals("release")) {
        // wait
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The filter, with a listener, and the supervisor thread that answers it. */
  private static void supervise(LinuxArch arch, String syscall, int argIndex, int argValue, String action) {
    long[] program = FaultChild.programReturning(arch, FaultChild.number(arch, syscall), SECCOMP_RET_USER_NOTIF, argIndex, argValue);
    Pointer[] fprog = FaultLibC.fprog(LIBC, program);
    long fd = LIBC.syscall(arch.number("seccomp"), 1, FLAGS_TSYNC_LISTENER, fprog[0].address(), 0, 0, 0);
    if (fd < 0) {
      throw new IllegalStateException("seccomp(NEW_LISTENER) failed: errno " + jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getRuntime(LIBC)));
    }
    // Allocated now: the supervisor allocates nothing once the heap may be full.
    Pointer notif = FaultLibC.allocate(LIBC, 80);
    Pointer resp = FaultLibC.allocate(LIBC, 24);
    String phase = syscall.equals("prctl") ? "capbset" : syscall;
    // fchdir is held after it returned (the process cwd is then the jail's): see hold's caller.
    Thread supervisor =
        new Thread(
            () -> {
              boolean held = false;
              while (true) {
                for (int i = 0; i < 80; i += 8) {
                  notif.putLong(i, 0);
                }
                if (LIBC.ioctl((int) fd, NOTIF_RECV, notif.address()) != 0) {
                  continue; // EINTR, or a notification withdrawn as it came
                }
                if (!held) {
                  held = true;
                  hold(phase, action);
                }
                resp.putLong(0, notif.getLong(0));
                resp.putLong(8, 0);
                resp.putInt(16, 0);
                resp.putInt(20, 1); // SECCOMP_USER_NOTIF_FLAG_CONTINUE
                LIBC.ioctl((int) fd, NOTIF_SEND, resp.address()); // ENOENT: the call was interrupted and comes again
              }
            },
            "fault-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
  }

  /** A native thread that blocks glibc's SIGSETXID (FaultLibC); returns how many threads block it. */
  private static int blockingThread() {
    return FaultLibC.startSetxidBlockingThread(LIBC, LinuxArch.current().orElseThrow());
  }

  /** Fills the heap from this thread, then says so; the hoard is let go once apply() is over. */
  private static void fillHeap() {
    System.out.println("HELD filling the heap");
    System.out.flush();
    try {
      while (true) {
        HOARD.add(new byte[64 * 1024]);
      }
    } catch (OutOfMemoryError full) {
      // and the crumbs
    }
    try {
      while (true) {
        HOARD.add(new long[2]);
      }
    } catch (OutOfMemoryError full) {
      heapFull = true;
    }
  }

  private static void release() {
    if (heapFull) {
      HOARD.clear();
      heapFull = false;
      System.gc();
      FaultChild.probe("heap", "released after apply()");
    }
  }

  private static void readInput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        INPUT.add(line);
      }
    } catch (Exception e) {
      // the parent went away
    }
    INPUT.add("exit");
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ');
  }

  static long tid() {
    try {
      return KERNEL.threadId();
    } catch (ErrnoException e) {
      throw new IllegalStateException(e);
    }
  }
}
