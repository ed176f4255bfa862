package dev.confine.internal;

import jnr.constants.platform.Errno;

/** Names and texts of errno values on this platform (jnr-constants knows each platform's table). */
public final class Errnos {
  private Errnos() {}

  public static String name(int errno) {
    Errno e = Errno.valueOf(errno);
    return e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name();
  }

  public static String text(int errno) {
    Errno e = Errno.valueOf(errno);
    return e == Errno.__UNKNOWN_CONSTANT__ ? "unknown error" : e.description();
  }

  /** The value of the named errno on this platform; fails for a name it does not know. */
  public static int byName(String name) {
    Errno e = Errno.valueOf(name);
    if (!e.defined()) {
      throw new IllegalArgumentException("no errno named " + name + " on this platform");
    }
    return e.intValue();
  }
}
