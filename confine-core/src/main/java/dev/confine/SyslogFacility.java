package dev.confine;

/** The syslog facilities a daemon may log under; the codes are the same on Linux and the BSDs. */
public enum SyslogFacility {
  USER(1 << 3),
  DAEMON(3 << 3),
  AUTH(4 << 3),
  AUTHPRIV(10 << 3),
  LOCAL0(16 << 3),
  LOCAL1(17 << 3),
  LOCAL2(18 << 3),
  LOCAL3(19 << 3),
  LOCAL4(20 << 3),
  LOCAL5(21 << 3),
  LOCAL6(22 << 3),
  LOCAL7(23 << 3);

  private final int code;

  SyslogFacility(int code) {
    this.code = code;
  }

  /** The value of {@code LOG_DAEMON} and friends, as openlog(3) takes it. */
  public int code() {
    return code;
  }
}
