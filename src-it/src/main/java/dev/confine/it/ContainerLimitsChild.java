package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.ContainerView;
import dev.confine.Finding;
import java.nio.file.Path;

/**
 * Started inside a cgroup with a CPU quota and a memory limit: prints what preflight says of them
 * before apply() ("FINDING severity code message", then "FIX code fix"), confines itself, then
 * prints the report's figures ("PROBE processors-before N", "processors-after", "memory-before",
 * "memory-after") and the processor count again a second later ("processors-later": the JVM
 * keeps the figure it has after chroot). Then waits for "exit".
 *
 * <p>Arguments: root uid gid.
 */
public final class ContainerLimitsChild {
  private ContainerLimitsChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementPolicy policy =
        Confinement.builder().root(Path.of(args[0])).user(Long.parseLong(args[1])).group(Long.parseLong(args[2])).build();
    for (Finding finding : policy.check().findings()) {
      if (finding.code().startsWith("container-")) {
        System.out.println("FINDING " + finding.severity() + " " + finding.code() + " " + finding.message());
        System.out.println("FIX " + finding.code() + " " + finding.fix());
      }
    }
    ConfinementReport report = policy.apply();
    System.out.println("CONFINED " + report.summary());
    ContainerView view = report.containerView();
    System.out.println("PROBE processors-before " + view.availableProcessorsBefore());
    System.out.println("PROBE processors-after " + view.availableProcessorsAfter());
    System.out.println("PROBE memory-before " + (view.totalMemoryBefore().isPresent() ? view.totalMemoryBefore().getAsLong() : "none"));
    System.out.println("PROBE memory-after " + (view.totalMemoryAfter().isPresent() ? view.totalMemoryAfter().getAsLong() : "none"));
    Thread.sleep(1000);
    System.out.println("PROBE processors-later " + Runtime.getRuntime().availableProcessors());
    ChildSide.readyThenAwaitExit();
  }
}
