package dev.confine.internal;

import static java.util.Objects.requireNonNull;

import dev.confine.ServiceNotifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The notifier given to the daemon: one sendto(2) per notification through the descriptor
 * connected before chroot. Thread-safe: the fields are final and a datagram goes whole or not at
 * all, whichever thread sends it.
 */
final class KernelServiceNotifier implements ServiceNotifier {
  /** What systemd reads of one notification (NOTIFY_BUFFER_MAX, PIPE_BUF): a longer one it drops. */
  static final int MAX_MESSAGE_BYTES = 4096;

  private static final byte[] READY = bytes("READY=1");
  private static final byte[] WATCHDOG = bytes("WATCHDOG=1");
  private static final byte[] STOPPING = bytes("STOPPING=1");

  private final Kernel kernel;
  private final int fd;
  private final String address;
  private final Optional<Duration> watchdogInterval;

  KernelServiceNotifier(Kernel kernel, int fd, NotifyEnvironment environment) {
    this.kernel = requireNonNull(kernel, "kernel");
    this.fd = fd;
    this.address = environment.address;
    this.watchdogInterval = environment.watchdogInterval;
  }

  /**
   * The STATUS= that apply() sends once the drop is verified, encoded before chroot (this also
   * loads this class while the class path is still reachable).
   */
  static byte[] confinedStatus(String root, long uid, long gid) {
    return statusMessage("confined to " + root + " as uid " + uid + " gid " + gid);
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public void ready() {
    send(READY);
  }

  @Override
  public void status(String text) {
    send(statusMessage(text));
  }

  @Override
  public void watchdog() {
    send(WATCHDOG);
  }

  @Override
  public void stopping() {
    send(STOPPING);
  }

  @Override
  public Optional<Duration> watchdogInterval() {
    return watchdogInterval;
  }

  /** Sends through the kernel, a failure as the public exception (never swallowed). */
  void send(byte[] message) {
    try {
      kernel.send(fd, message);
    } catch (ErrnoException e) {
      throw e.toSyscallException(Sequence.hint(e), false);
    }
  }

  /** Sends, a failure as the errno: apply()'s own STATUS=, whose failure it handles itself. */
  void sendOrFail(byte[] message) throws ErrnoException {
    kernel.send(fd, message);
  }

  static byte[] statusMessage(String text) {
    requireNonNull(text, "text");
    if (text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "a STATUS= text must be one line without NUL (a newline starts another assignment): \""
              + text.replace("\n", "\\n").replace("\0", "\\0") + "\"");
    }
    byte[] message = bytes("STATUS=" + text);
    if (message.length > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException(
          "STATUS= text of " + message.length + " bytes with its name: systemd reads " + MAX_MESSAGE_BYTES + " bytes of a notification and"
              + " drops a longer one: \"" + text.substring(0, Math.min(text.length(), 60)) + "...\"");
    }
    return message;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "ServiceNotifier{" + address + ", fd " + fd + watchdogInterval.map(d -> ", watchdog " + d).orElse("") + "}";
  }
}
