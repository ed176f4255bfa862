package dev.confine.internal;

import dev.confine.ConfinementException;
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
  static final int MAX_ADDRESS_BYTES = NativeKernel.SUN_PATH_MAX - 1;

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
  static Optional<NotifyEnvironment> read(PolicyView policy, Kernel kernel) {
    if (!policy.serviceNotification()) {
      return Optional.empty();
    }
    Optional<String> socket = kernel.environment(NOTIFY_SOCKET);
    if (socket.isEmpty()) {
      return Optional.empty();
    }
    String address = checkAddress(socket.get());
    // The seccomp filter goes in before apply() sends its own STATUS=: a deny list holding the
    // send call would fail that send past chroot, a halt where a refusal now costs nothing.
    if (policy.deniedSyscalls().contains("sendto")) {
      throw refusal(NOTIFY_SOCKET + "=\"" + address + "\" is set, and the policy denies sendto, which every notification"
          + " (apply()'s own STATUS= and the daemon's READY=1) is sent with once the filter is in; drop sendto from denySyscalls()");
    }
    return Optional.of(new NotifyEnvironment(address, watchdog(kernel)));
  }

  /**
   * The socket apply() connects as root must be one the target identity could connect to by
   * itself. connect(2) asks for write permission on the socket and search permission on every
   * directory above it, and root passes both whatever the modes say; the descriptor is kept past
   * the drop, so a NOTIFY_SOCKET inherited or set wrongly that names a socket only root may use
   * would hand the confined process a channel it could never open. Abstract names carry no
   * permissions. A path that does not exist is left to connect(2), which refuses it with its
   * errno and the hint. ACLs are not read: a socket only an ACL opens to the identity is refused.
   */
  void checkReachableBy(Identity identity, Kernel kernel) {
    if (address.startsWith("@")) {
      return;
    }
    try {
      String[] parts = address.substring(1).split("/");
      StringBuilder path = new StringBuilder();
      for (int i = 0; i < parts.length - 1; i++) {
        path.append('/').append(parts[i]);
        Optional<FileStatus> directory = kernel.stat(path.toString());
        if (directory.isEmpty()) {
          return;
        }
        if (!permits(directory.get(), identity, 1)) {
          throw refusal(NOTIFY_SOCKET + "=\"" + address + "\": uid " + identity.uid + " gid " + identity.gid + " could not search "
              + path + " (mode " + Integer.toOctalString(directory.get().permissions) + ", owner " + directory.get().uid + ":"
              + directory.get().gid + "), so the descriptor apply() would connect as root and keep is one the confined process could"
              + " not open itself");
        }
      }
      Optional<FileStatus> socket = kernel.stat(address);
      if (socket.isEmpty()) {
        return;
      }
      if (socket.get().type != FileStatus.Type.SOCKET) {
        throw refusal(NOTIFY_SOCKET + "=\"" + address + "\" names a " + socket.get().type + ", not a socket");
      }
      if (!permits(socket.get(), identity, 2)) {
        throw refusal(NOTIFY_SOCKET + "=\"" + address + "\": uid " + identity.uid + " gid " + identity.gid + " could not write to the"
            + " socket (mode " + Integer.toOctalString(socket.get().permissions) + ", owner " + socket.get().uid + ":" + socket.get().gid
            + "), so the descriptor apply() would connect as root and keep is one the confined process could not open itself");
      }
    } catch (ErrnoException e) {
      throw refusal(NOTIFY_SOCKET + "=\"" + address + "\" could not be looked at: " + e.getMessage());
    }
  }

  /** The owner's, the group's or the others' bit (1 search, 2 write) for this identity, as the kernel picks the class. */
  private static boolean permits(FileStatus status, Identity identity, int bit) {
    int mode = status.permissions;
    if (status.uid == identity.uid) {
      return ((mode >> 6) & bit) != 0;
    }
    if (status.gid == identity.gid || identity.groups.contains(status.gid)) {
      return ((mode >> 3) & bit) != 0;
    }
    return (mode & bit) != 0;
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
