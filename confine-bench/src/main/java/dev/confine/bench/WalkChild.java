package dev.confine.bench;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.PreflightReport;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * check() against find(1) (issue 28), in one of two modes.
 *
 * <ul>
 *   <li>{@code total JAIL}: check() once, cold; the parent times the whole process (JVM start to
 *       exit), and this prints check()'s own time, the peak RSS (VmHWM) and the heap in use.
 *   <li>{@code walk JAIL EMPTY}: check() on an empty jail twice (the binding and every fixed check
 *       warmed up, and their warm cost), then on JAIL: what the walk of its entries adds, with
 *       the walk's code itself still cold.
 * </ul>
 */
public final class WalkChild {
  private WalkChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementPolicy policy = Confinement.builder().root(Path.of(args[1])).user("nobody").build();
    if (args[0].equals("total")) {
      long t0 = System.nanoTime();
      PreflightReport report = policy.check();
      long t1 = System.nanoTime();
      Runtime runtime = Runtime.getRuntime();
      long heapUsed = runtime.totalMemory() - runtime.freeMemory();
      System.out.println("BENCH check-ns " + (t1 - t0));
      System.out.println("BENCH heap-used-bytes " + heapUsed);
      System.out.println("BENCH vmhwm-kb " + vmHwm());
      System.out.println("BENCH findings " + report.findings().size());
    } else {
      ConfinementPolicy empty = Confinement.builder().root(Path.of(args[2])).user("nobody").build();
      empty.check();
      long t0 = System.nanoTime();
      empty.check();
      long t1 = System.nanoTime();
      PreflightReport report = policy.check();
      long t2 = System.nanoTime();
      System.out.println("BENCH fixed-warm-ns " + (t1 - t0));
      System.out.println("BENCH after-warmup-ns " + (t2 - t1));
      System.out.println("BENCH findings " + report.findings().size());
    }
    System.out.println("DONE");
  }

  private static long vmHwm() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
