package dev.confine.bench;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.PreflightReport;
import java.io.FileInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Preflight alone (check() changes nothing): opens N extra descriptors (regular files), then
 * times check() twice, cold (first native use in this JVM) and warm.
 *
 * <p>Arguments: root descriptors.
 */
public final class CheckChild {
  private CheckChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementPolicy policy = Confinement.builder().root(Path.of(args[0])).user("nobody").build();
    int descriptors = Integer.parseInt(args[1]);
    List<FileInputStream> open = new ArrayList<>(descriptors);
    for (int i = 0; i < descriptors; i++) {
      open.add(new FileInputStream("/dev/null"));
    }
    long t0 = System.nanoTime();
    PreflightReport cold = policy.check();
    long t1 = System.nanoTime();
    PreflightReport warm = policy.check();
    long t2 = System.nanoTime();
    System.out.println("BENCH check-cold-ns " + (t1 - t0));
    System.out.println("BENCH check-warm-ns " + (t2 - t1));
    System.out.println("BENCH findings " + cold.findings().size() + " " + warm.findings().size());
    System.out.println("DONE " + open.size());
    for (FileInputStream in : open) {
      in.close();
    }
  }
}
