package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.internal.NativeKernel;

/**
 * A child JVM that runs preflight on itself: optionally opens a directory first (and keeps it
 * open), then calls check(), or apply() when asked, and prints every finding, one line each:
 * "FINDING SEVERITY code message". apply() is only ever called here, in a child.
 *
 * <p>Arguments: root uid gid [--open-dir PATH] [--allow-open-dir] [--apply] [--allow-device PATH]
 */
public final class PreflightChild {
  private PreflightChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementPolicy.Builder builder =
        Confinement.builder().root(args[0]).user(Long.parseLong(args[1])).group(Long.parseLong(args[2]));
    boolean apply = false;
    int opened = -1;
    boolean allowOpened = false;
    for (int i = 3; i < args.length; i++) {
      switch (args[i]) {
        case "--open-dir":
          opened = NativeKernel.get().openDirectoryNoFollow(args[++i]);
          System.out.println("OPENED " + opened);
          break;
        case "--allow-open-dir":
          allowOpened = true;
          break;
        case "--allow-device":
          builder.allowDeviceNodes(args[++i]);
          break;
        case "--apply":
          apply = true;
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (allowOpened) {
      builder.allowOpenDirectory(opened);
    }
    ConfinementPolicy policy = builder.build();
    PreflightReport report;
    if (apply) {
      try {
        policy.apply();
        System.out.println("CONFINED");
        System.out.flush();
        return;
      } catch (PreflightException e) {
        System.out.println("REFUSED " + e.getMessage().replace('\n', ' '));
        report = e.report();
      }
      System.out.println("ROOT-STILL " + java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/root")));
    } else {
      report = policy.check();
    }
    for (Finding f : report.findings()) {
      System.out.println("FINDING " + f.severity() + " " + f.code() + " " + f.message());
    }
    System.out.println("ERRORS " + report.errors().size());
    System.out.flush();
  }
}
