package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import jnr.ffi.Pointer;

/**
 * Issue 26, churn: apply() while threads are born and end. Before apply() the child starts
 * {@code spawners} Java threads that each start and join one short-lived thread after another,
 * and {@code natives} native threads made through the binding (pthread_create, start routine
 * pause(2)) with every signal blocked that pthread_sigmask lets a program block (glibc keeps its
 * own SIGSETXID and SIGCANCEL open, so set*id still reaches them; the setxid handler then ends
 * their pause(), and they end). Then the default policy's apply().
 *
 * <p>Arguments: {@code jail spawners natives}. Prints "PROBE" lines and "READY" once apply()
 * returned (whatever it returned); waits for "exit".
 */
public final class ChurnChild {
  private static final Kernel KERNEL = NativeKernel.get();

  private ChurnChild() {}

  public static void main(String[] args) throws Exception {
    String jail = args[0];
    int spawners = Integer.parseInt(args[1]);
    int natives = Integer.parseInt(args[2]);
    ChildSide.ThreadChurn churn = new ChildSide.ThreadChurn(spawners, "churn-");
    if (natives > 0) {
      FaultLibC libc = FaultLibC.load();
      Pointer all = FaultLibC.allocate(libc, 128);
      Pointer old = FaultLibC.allocate(libc, 128);
      libc.sigfillset(all.address());
      // The new threads inherit this thread's mask: block, create, restore.
      libc.pthread_sigmask(0 /* SIG_BLOCK */, all.address(), old.address());
      long pause = FaultLibC.function("pause");
      for (int i = 0; i < natives; i++) {
        long[] thread = new long[1];
        int r = libc.pthread_create(thread, 0, pause, 0);
        if (r != 0) {
          throw new IllegalStateException("pthread_create: " + r);
        }
      }
      libc.pthread_sigmask(2 /* SIG_SETMASK */, old.address(), 0);
      // From /proc: how many threads block (nearly) every signal, as these do.
      int blocking = 0;
      try (java.nio.file.DirectoryStream<java.nio.file.Path> tasks = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/task"))) {
        for (java.nio.file.Path task : tasks) {
          try {
            for (String line : java.nio.file.Files.readAllLines(task.resolve("status"))) {
              if (line.startsWith("SigBlk:") && Long.bitCount(Long.parseUnsignedLong(line.substring(7).trim(), 16)) >= 60) {
                blocking++;
              }
            }
          } catch (java.io.IOException ended) {
            // a short-lived thread of the churn ended while it was read
          }
        }
      }
      FaultChild.probe("natives", natives + " started; threads blocking every signal they may: " + blocking);
    }
    FaultChild.probe("churning", "yes");
    try {
      Confinement.builder().root(jail).user(65534).group(65534).build().apply();
      FaultChild.probe("apply", "ok");
    } catch (ConfinementException e) {
      FaultChild.probe("apply", e.getClass().getSimpleName() + " past=" + e.pastPointOfNoReturn() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
    Kernel.Ids ids = KERNEL.getresuid();
    FaultChild.probe("after-apply-ran", "uid " + ids.real + "," + ids.effective + "," + ids.saved);
    // No churn while the parent looks: what it sees is what apply() left.
    churn.stop();
    FaultChild.probe("born", churn.born());
    ChildSide.readyThenAwaitExit();
  }
}
