package dev.confine.internal;

/** A thread's capability sets as bit masks (bit n is capability n), as /proc shows them. */
public final class Capabilities {
  public static final int CAP_SETGID = 6;
  public static final int CAP_SETUID = 7;
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

  @Override
  public String toString() {
    return String.format("CapPrm=%016x CapEff=%016x CapBnd=%016x", permitted, effective, bounding);
  }
}
