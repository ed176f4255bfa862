package dev.confine.internal.preflight;

import static dev.confine.Severity.INFO;
import static dev.confine.Severity.WARNING;

import dev.confine.Finding;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.FileStatus;
import java.util.List;
import java.util.Optional;

/**
 * With openSyslogFirst(): the socket the connection is made to before chroot, and the one glibc
 * reconnects to after it. glibc's syslog(3) reconnects by path ("/dev/log") whenever a send on
 * its connection fails, which is what a log daemon's restart does to it (journald and rsyslog
 * make a new socket); inside the jail that path is the jail's dev/log.
 */
final class SyslogChecks {
  static final String HOST_MISSING = "syslog-socket-missing";
  static final String JAIL_SOCKET = "syslog-jail-socket";
  static final String JAIL_MISSING = "syslog-jail-socket-missing";
  /** The jail's syslog socket, relative to the root: the contents walk accepts a socket there. */
  static final String JAIL_PATH = "dev/log";

  private SyslogChecks() {}

  static void socket(PreflightContext context, List<Finding> findings) throws ErrnoException {
    if (context.policy.syslogIdent().isEmpty()) {
      return;
    }
    boolean jailIsDirectory = context.root.isPresent() && context.root.get().type == FileStatus.Type.DIRECTORY;
    String jailSocket = context.rootPath() + "/" + JAIL_PATH;
    boolean jailHasSocket = false;
    if (jailIsDirectory) {
      // lstat follows links in the middle of a path: dev must itself be a directory of the jail,
      // or the socket judged here would be one outside it.
      Optional<FileStatus> dev = context.kernel.lstat(context.rootPath() + "/dev");
      boolean devIsDirectory = dev.isPresent() && dev.get().type == FileStatus.Type.DIRECTORY;
      Optional<FileStatus> log = devIsDirectory ? context.kernel.lstat(jailSocket) : Optional.empty();
      jailHasSocket = log.isPresent() && log.get().type == FileStatus.Type.SOCKET;
      if (jailHasSocket) {
        findings.add(
            new Finding(INFO, JAIL_SOCKET,
                jailSocket + " is a socket: after the log daemon restarts, syslog(3) reconnects to it (\"/dev/log\" in the jail)",
                "glibc reconnects by path when its connection breaks, as it does when journald or rsyslog restart and make a new socket.",
                "Nothing to do, if the log daemon listens there too (see docs/operations.md, Syslog)."));
      } else {
        String found =
            !devIsDirectory
                ? (dev.isEmpty() ? "does not exist" : "is not in the jail: " + context.rootPath() + "/dev is a " + kind(dev.get()))
                : log.isEmpty() ? "does not exist" : "is a " + kind(log.get()) + ", not a socket";
        findings.add(
            new Finding(WARNING, JAIL_MISSING,
                jailSocket + " " + found + ", and openSyslogFirst() is set",
                "openSyslogFirst() connects to /dev/log before chroot. When the log daemon restarts (journald and rsyslog make a new"
                    + " socket), glibc's syslog(3) reconnects by the path \"/dev/log\", which in the jail is " + jailSocket
                    + ": without a socket there every later message is lost, silently.",
                "Have the log daemon listen there too: rsyslog $AddUnixListenSocket " + jailSocket + " (or input(type=\"imuxsock\" Socket=\""
                    + jailSocket + "\")), syslog-ng unix-dgram(\"" + jailSocket + "\") in its source, or with journald alone a bind"
                    + " mount of /run/systemd/journal/dev-log onto " + jailSocket + " (nodev,nosuid, as every mount in the jail)."));
      }
    }
    Optional<FileStatus> host = context.kernel.stat("/dev/log");
    if (host.isEmpty() || host.get().type != FileStatus.Type.SOCKET) {
      findings.add(
          new Finding(WARNING, HOST_MISSING,
              "/dev/log " + (host.isEmpty() ? "does not exist" : "is a " + kind(host.get()) + ", not a socket") + ", and openSyslogFirst() is set",
              "openlog(3) connects to /dev/log before chroot and says nothing when it cannot: apply() succeeds, and the messages sent"
                  + " through the report's Syslog handle are lost"
                  + (jailHasSocket ? " until syslog(3) reaches " + jailSocket + " (it tries again at each message)." : "."),
              "Start the log daemon (systemd-journald, rsyslog, syslog-ng) before the server: under systemd, After=systemd-journald.socket"
                  + " (or syslog.socket) in the server's unit."));
    }
  }

  private static String kind(FileStatus status) {
    switch (status.type) {
      case REGULAR: return "regular file";
      case SYMLINK: return "symbolic link";
      case CHAR_DEVICE: return "character device";
      case BLOCK_DEVICE: return "block device";
      default: return status.type.name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
