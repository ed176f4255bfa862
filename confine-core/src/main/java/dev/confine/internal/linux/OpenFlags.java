package dev.confine.internal.linux;

/**
 * The open(2) flags confine passes. O_DIRECTORY and O_NOFOLLOW are numbered differently on
 * aarch64 (its uapi asm/fcntl.h) than in asm-generic, which x86_64 follows; the rest are the same
 * on both. NativeKernel refuses an architecture without a {@link LinuxArch} table before any of
 * these is used.
 */
public final class OpenFlags {
  private OpenFlags() {}

  private static final boolean AARCH64 = LinuxArch.current().orElse(LinuxArch.X86_64) == LinuxArch.AARCH64;

  public static final int O_RDONLY = 0;
  public static final int O_CLOEXEC = 02000000;
  /** A handle on a directory that needs no read permission. */
  public static final int O_PATH = 010000000;
  public static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
  public static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;
}
