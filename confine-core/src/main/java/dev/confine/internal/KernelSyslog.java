package dev.confine.internal;

import dev.confine.Syslog;
import dev.confine.SyslogFacility;

/** The syslog handle given to the daemon; syslog(3) itself is thread-safe in glibc and the BSDs. */
final class KernelSyslog implements Syslog {
  private final Kernel kernel;
  private final String ident;
  private final SyslogFacility facility;

  KernelSyslog(Kernel kernel, String ident, SyslogFacility facility) {
    this.kernel = kernel;
    this.ident = ident;
    this.facility = facility;
  }

  @Override
  public String ident() {
    return ident;
  }

  @Override
  public SyslogFacility facility() {
    return facility;
  }

  @Override
  public void log(Priority priority, String message) {
    kernel.syslog(facility.code() | priority.code(), message);
  }

  @Override
  public String toString() {
    return "Syslog{" + ident + "/" + facility + "}";
  }
}
