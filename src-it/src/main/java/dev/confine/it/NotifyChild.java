package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.ServiceNotifier;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A child JVM that confines itself with NOTIFY_SOCKET as its parent set it (or unset), then says
 * what it got, one "PROBE name value" line each: "notifier" (the address, or "absent"),
 * "watchdog" (the interval, or "none"); with a notifier it sends READY=1 through it ("ready-sent")
 * and tries a STATUS= of two lines ("status-refused" and the message). Then it waits for "exit".
 *
 * <p>Arguments: root uid gid, then --no-notify (noServiceNotification()).
 */
public final class NotifyChild {
  private NotifyChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementPolicy.Builder builder =
        Confinement.builder().root(Path.of(args[0])).user(Long.parseLong(args[1])).group(Long.parseLong(args[2]));
    for (int i = 3; i < args.length; i++) {
      if (args[i].equals("--no-notify")) {
        builder.noServiceNotification();
      } else {
        throw new IllegalArgumentException(args[i]);
      }
    }
    ConfinementReport report = builder.build().apply();
    System.out.println("CONFINED " + report.summary());
    for (String line : report.toString().split("\n")) {
      System.out.println("REPORT " + line);
    }
    Optional<ServiceNotifier> notifier = report.serviceNotifier();
    System.out.println("PROBE notifier " + notifier.map(ServiceNotifier::address).orElse("absent"));
    if (notifier.isPresent()) {
      System.out.println("PROBE watchdog " + notifier.get().watchdogInterval().map(Object::toString).orElse("none"));
      notifier.get().ready();
      System.out.println("PROBE ready-sent yes");
      try {
        notifier.get().status("two\nlines");
        System.out.println("PROBE status-refused no");
      } catch (IllegalArgumentException e) {
        System.out.println("PROBE status-refused " + e.getMessage());
      }
    }
    ChildSide.readyThenAwaitExit();
  }
}
