package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.NativeKernel;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A child JVM that confines itself through the public API, then answers what it can see and do,
 * one line each, and waits for "exit" on stdin so the parent can inspect it through /proc.
 *
 * <p>Arguments: root uid gid.
 */
public final class ConfineChild {
  private ConfineChild() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    long uid = Long.parseLong(args[1]);
    long gid = Long.parseLong(args[2]);
    ConfinementReport report = Confinement.builder().root(root).user(uid).group(gid).build().apply();
    System.out.println("CONFINED " + report.summary());
    for (String line : report.toString().split("\n")) {
      System.out.println("REPORT " + line);
    }
    System.out.println("PROBE java-feature " + Runtime.version().feature());
    System.out.println("PROBE etc-passwd-visible " + Files.exists(Path.of("/etc/passwd")));
    String[] listing = new File("/").list();
    Arrays.sort(listing);
    System.out.println("PROBE root-listing " + String.join(",", listing));
    System.out.println("PROBE setuid0 " + attemptSetuid0());
    ChildSide.readyThenAwaitExit();
  }

  private static String attemptSetuid0() {
    try {
      NativeKernel.get().setuid(0);
      return "SUCCEEDED";
    } catch (ErrnoException e) {
      return e.errnoName();
    }
  }
}
