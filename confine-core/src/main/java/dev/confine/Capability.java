package dev.confine;

/**
 * The Linux capabilities a confined daemon may keep with
 * {@link ConfinementPolicy.Builder#keepCapabilities(Capability, Capability...)}: a deliberately small set.
 * None of them leads back to root; CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN, CAP_SYS_CHROOT,
 * CAP_DAC_OVERRIDE, CAP_CHOWN, CAP_FOWNER, CAP_SYS_PTRACE, CAP_SETPCAP and the like are not
 * offered, because each one undoes the confinement.
 *
 * <p>Capabilities are per thread: a kept capability lives only in the thread that called
 * {@code apply()}, and in threads that thread creates afterwards. Threads that existed before
 * (the JVM's own, pools started earlier) hold none. Linux only.
 */
public enum Capability {
  /** Bind TCP/UDP ports below 1024 (the jsvc use case: bind port 80 later, after the drop). */
  NET_BIND_SERVICE(10),
  /** Open raw and packet sockets (ping, ICMP-based health checks). */
  NET_RAW(13);

  private final int number;

  Capability(int number) {
    this.number = number;
  }

  /** The capability's number in linux/capability.h (its bit in /proc's Cap* masks). */
  public int number() {
    return number;
  }

  /** The name as capabilities(7) spells it: {@code CAP_NET_BIND_SERVICE}. */
  public String capName() {
    return "CAP_" + name();
  }

  /** The bit of this capability in a mask such as /proc's CapEff. */
  public long mask() {
    return 1L << number;
  }
}
