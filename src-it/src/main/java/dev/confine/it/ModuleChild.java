package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child for the module path: it uses the API only, confines itself, and tries to reach an
 * internal class, which the module dev.confine does not export.
 *
 * <p>Arguments: root uid gid.
 */
public final class ModuleChild {
  private ModuleChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementReport report =
        Confinement.builder().root(Path.of(args[0])).user(Long.parseLong(args[1])).group(Long.parseLong(args[2])).build().apply();
    System.out.println("CONFINED " + report.summary());
    System.out.println("PROBE module " + Confinement.class.getModule().getName());
    System.out.println("PROBE etc-passwd-visible " + Files.exists(Path.of("/etc/passwd")));
    String internal;
    try {
      Class.forName("dev.confine.internal.NativeKernel").getMethod("get").invoke(null);
      internal = "reached";
    } catch (IllegalAccessException e) {
      internal = "IllegalAccessException";
    }
    System.out.println("PROBE internal-access " + internal);
    ChildSide.readyThenAwaitExit();
  }
}
