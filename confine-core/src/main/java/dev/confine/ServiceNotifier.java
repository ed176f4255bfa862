package dev.confine;

import java.time.Duration;
import java.util.Optional;

/**
 * systemd's service notification (the protocol of sd_notify(3)) from inside the jail. With
 * {@code Type=notify} (or {@code NotifyAccess=}), systemd names a datagram socket in the
 * variable {@code NOTIFY_SOCKET}: a path such as {@code /run/systemd/notify}, which chroot hides,
 * or an abstract name written {@code @name}. {@link ConfinementPolicy#apply()} connects to it
 * before chroot, tells systemd {@code STATUS=confined to ROOT as uid U gid G} once the drop is
 * verified, and hands this over in {@link ConfinementReport#serviceNotifier()}: the daemon says
 * {@link #ready()} when it serves.
 *
 * <p>Each call sends one datagram through the descriptor connected before chroot, from whichever
 * thread calls it: safe from any thread, and never lost quietly: a send the kernel refuses is a
 * {@link SyscallException} naming {@code sendto}, the descriptor, the message and the errno.
 * confine never closes the descriptor (close-on-exec: no program the daemon runs inherits it).
 */
public interface ServiceNotifier {
  /** The socket's address as {@code NOTIFY_SOCKET} gave it: a path, or {@code @name}. */
  String address();

  /**
   * {@code READY=1}: start-up is finished. A {@code Type=notify} unit counts as started from here
   * (until then {@code systemctl start} waits, and {@code TimeoutStartSec=} runs).
   *
   * @throws SyscallException if the datagram could not be sent
   */
  void ready();

  /**
   * {@code STATUS=text}: one line {@code systemctl status} shows.
   *
   * @throws IllegalArgumentException if the text holds a newline or a NUL (each would start or
   *     cut another assignment), or does not fit one notification (4,096 bytes, what systemd reads)
   * @throws SyscallException if the datagram could not be sent
   */
  void status(String text);

  /**
   * {@code WATCHDOG=1}: still alive. Under {@code WatchdogSec=}, send it at half the
   * {@link #watchdogInterval()} at least, or systemd ends the service as hung.
   *
   * @throws SyscallException if the datagram could not be sent
   */
  void watchdog();

  /**
   * {@code STOPPING=1}: the service has begun to shut down.
   *
   * @throws SyscallException if the datagram could not be sent
   */
  void stopping();

  /**
   * The watchdog interval systemd expects ({@code WatchdogSec=}), from {@code WATCHDOG_USEC}
   * when {@code WATCHDOG_PID} is unset or names this process (as sd_watchdog_enabled(3) reads
   * them); empty without a watchdog. Call {@link #watchdog()} at half this interval.
   */
  Optional<Duration> watchdogInterval();
}
