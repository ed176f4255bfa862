package dev.confine.internal;

import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * What systemd put in the environment for service notification, read and checked by apply()
 * before anything changes: {@code NOTIFY_SOCKET} (where to connect) and {@code WATCHDOG_USEC}
 * with {@code WATCHDOG_PID} (the watchdog interval, if it is meant for this process). A value
 * confine cannot use is a refusal naming it, not a notification silently skipped: a
 * {@code Type=notify} unit whose daemon never says READY=1 is killed at its start timeout,
 * with nothing to say why.
 */
final class NotifyEnvironment {
  static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
  static final String WATCHDOG_USEC = "WATCHDOG_USEC";
  static final String WATCHDOG_PID = "WATCHDOG_PID";
  /** sun_path holds 108 bytes: a path with its NUL, or the NUL and an abstract name. */
  static final int MAX_ADDRESS_BYTES = 107;

  /** "/path" or "@name", as NOTIFY_SOCKET gave it. */
  final String address;
  final Optional<Duration> watchdogInterval;

  private NotifyEnvironment(String address, Optional<Duration> watchdogInterval) {
    this.address = address;
    this.watchdogInterval = watchdogInterval;
  }

  /**
   * The notification to set up for {@code policy}: empty when the policy turns it off or
   * NOTIFY_SOCKET is unset.
   *
   * @throws ConfinementException (before anything changed) naming a value that cannot be used
   */
  static Optional<NotifyEnvironment> read(ConfinementPolicy policy, Kernel kernel) {
    if (!policy.serviceNotification()) {
      return Optional.empty();
    }
    Optional<String> socket = kernel.environment(NOTIFY_SOCKET);
    if (socket.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new NotifyEnvironment(checkAddress(socket.get()), watchdog(kernel)));
  }

  private static String checkAddress(String value) {
    String problem = null;
    int bytes = value.getBytes(StandardCharsets.UTF_8).length - (value.startsWith("@") ? 1 : 0);
    if (value.isEmpty()) {
      problem = "it is empty";
    } else if (!value.startsWith("/") && !value.startsWith("@")) {
      problem = "confine connects to an absolute path or an @abstract name (AF_UNIX) only";
    } else if (value.equals("@")) {
      problem = "the abstract name is empty";
    } else if (bytes > MAX_ADDRESS_BYTES) {
      problem = (value.startsWith("@") ? "the abstract name" : "the path") + " has " + bytes + " bytes, and sun_path holds "
          + MAX_ADDRESS_BYTES + " and its NUL";
    }
    if (problem != null) {
      throw refusal(NOTIFY_SOCKET + "=\"" + value + "\" is not a socket address confine can connect to: " + problem);
    }
    return value;
  }

  /** sd_watchdog_enabled(3)'s reading: the interval, if WATCHDOG_PID is unset or names this process. */
  private static Optional<Duration> watchdog(Kernel kernel) {
    Optional<String> usec = kernel.environment(WATCHDOG_USEC);
    if (usec.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> pid = kernel.environment(WATCHDOG_PID);
    if (pid.isPresent()) {
      long forPid = positive(WATCHDOG_PID, pid.get());
      if (forPid != kernel.processId()) {
        return Optional.empty(); // meant for another process (a wrapper's child, say)
      }
    }
    return Optional.of(Duration.ofNanos(Math.multiplyExact(positive(WATCHDOG_USEC, usec.get()), 1000L)));
  }

  private static long positive(String name, String value) {
    try {
      long parsed = Long.parseLong(value);
      if (parsed > 0 && parsed <= Long.MAX_VALUE / 1000) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // refused below, with the value
    }
    throw refusal(name + "=\"" + value + "\" is not a positive whole number");
  }

  private static ConfinementException refusal(String what) {
    return new ConfinementException(
        what + ". Nothing was changed. systemd sets it for a unit with Type=notify (or NotifyAccess=); unset it, or turn"
            + " service notification off with noServiceNotification()",
        false,
        null);
  }
}
