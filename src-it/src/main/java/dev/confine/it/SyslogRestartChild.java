package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.Syslog;
import dev.confine.SyslogFacility;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Confines with openSyslogFirst("confine-it", LOCAL3), prints each preflight finding as
 * "FINDING severity code message", then READY, then logs through the report's Syslog handle
 * whenever the parent says "log TEXT" (answering "LOGGED TEXT"), until "exit".
 *
 * <p>Arguments: root uid gid.
 */
public final class SyslogRestartChild {
  private SyslogRestartChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementReport report =
        Confinement.builder()
            .root(Path.of(args[0]))
            .user(Long.parseLong(args[1]))
            .group(Long.parseLong(args[2]))
            .openSyslogFirst("confine-it", SyslogFacility.LOCAL3)
            .build()
            .apply();
    System.out.println("CONFINED " + report.summary());
    for (Finding finding : report.preflight().findings()) {
      System.out.println("FINDING " + finding.severity() + " " + finding.code() + " " + finding.message());
    }
    Syslog syslog = report.syslog().orElseThrow();
    System.out.println("READY");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null && !line.equals("exit"); ) {
      if (line.startsWith("log ")) {
        syslog.warning(line.substring(4));
        System.out.println("LOGGED " + line.substring(4));
        System.out.flush();
      }
    }
  }
}
