package dev.confine;

/**
 * The syslog connection opened before chroot by {@link ConfinementPolicy.Builder#openSyslogFirst()}.
 * Without it, syslog(3) after chroot is lost: {@code /dev/log} is not inside the jail. Safe to use
 * from any thread; confine never calls closelog(3).
 */
public interface Syslog {
  /** syslog(3) priorities, lowest number most urgent. */
  enum Priority {
    EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG;

    public int code() {
      return ordinal();
    }
  }

  /** The ident passed to openlog(3). */
  String ident();

  SyslogFacility facility();

  /** Sends one message; a NUL byte in it is replaced, never truncating the message silently. */
  void log(Priority priority, String message);

  default void info(String message) {
    log(Priority.INFO, message);
  }

  default void notice(String message) {
    log(Priority.NOTICE, message);
  }

  default void warning(String message) {
    log(Priority.WARNING, message);
  }

  default void error(String message) {
    log(Priority.ERR, message);
  }
}
