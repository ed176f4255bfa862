package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.JvmFacility;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Confines with {@code prepare(NETWORK, NAME_LOOKUPS)}, then resolves a name that only the
 * jail's etc/hosts knows: {@code PROBE lookup OK address} or {@code PROBE lookup FAIL exception}.
 *
 * <p>Arguments: root uid gid name.
 */
public final class NameLookupChild {
  private NameLookupChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementReport report =
        Confinement.builder()
            .root(Path.of(args[0]))
            .user(Long.parseLong(args[1]))
            .group(Long.parseLong(args[2]))
            .prepare(JvmFacility.NETWORK, JvmFacility.NAME_LOOKUPS)
            .build()
            .apply();
    System.out.println("CONFINED " + report.summary());
    System.out.println("PROBE missing " + report.preflight().findings().stream()
        .filter(f -> f.code().equals("name-lookup-file-missing"))
        .map(Finding::message)
        .map(m -> m.substring(args[0].length() + 1, m.indexOf(' ')))
        .collect(Collectors.joining(",")));
    System.out.println("PROBE names-prepared " + report.preparations().containsKey("names"));
    String lookup;
    try {
      lookup = "OK " + InetAddress.getByName(args[3]).getHostAddress();
    } catch (Exception e) {
      lookup = "FAIL " + e.getClass().getSimpleName();
    }
    System.out.println("PROBE lookup " + lookup);
    System.out.println("PROBE localhost " + InetAddress.getByName("localhost").isLoopbackAddress());
    ChildSide.readyThenAwaitExit();
  }
}
