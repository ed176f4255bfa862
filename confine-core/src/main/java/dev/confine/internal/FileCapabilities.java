package dev.confine.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The {@code security.capability} extended attribute of a file, as setcap(8) writes it and
 * execve(2) reads it (linux/capability.h, struct vfs_ns_cap_data): a revision with the effective
 * flag, then the permitted and inheritable sets, in 32-bit halves, little-endian. Revision 1
 * holds the low halves only; revision 3 adds the user namespace's root uid.
 */
public final class FileCapabilities {
  private static final int REVISION_MASK = 0xFF000000;
  private static final int REVISION_1 = 0x01000000;
  private static final int REVISION_2 = 0x02000000;
  private static final int REVISION_3 = 0x03000000;
  private static final int EFFECTIVE = 0x000001;

  public final long permitted;
  public final long inheritable;
  /** The effective flag: the permitted set becomes effective at exec, without the program asking. */
  public final boolean effective;

  public FileCapabilities(long permitted, long inheritable, boolean effective) {
    this.permitted = permitted;
    this.inheritable = inheritable;
    this.effective = effective;
  }

  /**
   * Decodes the xattr value.
   *
   * @throws IllegalArgumentException for a revision or length the kernel would not accept: what
   *     cannot be read cannot be judged harmless
   */
  public static FileCapabilities parse(byte[] value) {
    if (value.length < 4) {
      throw new IllegalArgumentException("not a security.capability value: " + value.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    int magic = b.getInt(0);
    int revision = magic & REVISION_MASK;
    int expected = revision == REVISION_1 ? 12 : revision == REVISION_2 ? 20 : revision == REVISION_3 ? 24 : -1;
    if (value.length != expected) {
      throw new IllegalArgumentException(
          "security.capability of revision 0x" + Integer.toHexString(revision >>> 24) + " with " + value.length + " bytes");
    }
    long permitted = Integer.toUnsignedLong(b.getInt(4));
    long inheritable = Integer.toUnsignedLong(b.getInt(8));
    if (revision != REVISION_1) {
      permitted |= Integer.toUnsignedLong(b.getInt(12)) << 32;
      inheritable |= Integer.toUnsignedLong(b.getInt(16)) << 32;
    }
    return new FileCapabilities(permitted, inheritable, (magic & EFFECTIVE) != 0);
  }

  /** The revision 2 value (what setcap writes outside a user namespace): for tests and the fake kernel. */
  public byte[] encode() {
    return ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(REVISION_2 | (effective ? EFFECTIVE : 0))
        .putInt((int) permitted).putInt((int) inheritable)
        .putInt((int) (permitted >>> 32)).putInt((int) (inheritable >>> 32))
        .array();
  }

  /** As getcap(8) prints it, roughly: "cap_setuid+ep", "cap_net_bind_service+i". */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    if (permitted != 0) {
      out.append(Capabilities.names(permitted)).append(effective ? "+ep" : "+p");
    }
    if (inheritable != 0) {
      out.append(out.length() == 0 ? "" : " ").append(Capabilities.names(inheritable)).append("+i");
    }
    return out.length() == 0 ? "no capabilities" + (effective ? " (+e)" : "") : out.toString();
  }
}
