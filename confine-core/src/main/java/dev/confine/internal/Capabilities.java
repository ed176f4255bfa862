package dev.confine.internal;

/** A thread's capability sets as bit masks (bit n is capability n), as /proc shows them. */
public final class Capabilities {
  public static final int CAP_DAC_OVERRIDE = 1;
  public static final int CAP_DAC_READ_SEARCH = 2;
  public static final int CAP_SETGID = 6;
  public static final int CAP_SETUID = 7;
  public static final int CAP_SETPCAP = 8;
  public static final int CAP_SYS_CHROOT = 18;

  public final long permitted;
  public final long effective;
  public final long bounding;

  public Capabilities(long permitted, long effective, long bounding) {
    this.permitted = permitted;
    this.effective = effective;
    this.bounding = bounding;
  }

  public boolean hasEffective(int capability) {
    return (effective & (1L << capability)) != 0;
  }

  /** capabilities(7)'s names by number (linux/capability.h), for messages. */
  private static final String[] NAMES = {
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
    "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
    "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
    "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
    "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
    "checkpoint_restore"
  };

  /** The capabilities in a mask, as "cap_net_raw,cap_sys_admin" (unknown bits as "cap_N"). */
  public static String names(long mask) {
    StringBuilder out = new StringBuilder();
    for (int bit = 0; bit < 64; bit++) {
      if ((mask & (1L << bit)) != 0) {
        if (out.length() > 0) {
          out.append(',');
        }
        out.append("cap_").append(bit < NAMES.length ? NAMES[bit] : String.valueOf(bit));
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return String.format("CapPrm=%016x CapEff=%016x CapBnd=%016x", permitted, effective, bounding);
  }
}
