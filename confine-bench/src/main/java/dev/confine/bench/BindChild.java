package dev.confine.bench;

import dev.confine.internal.NativeKernel;

/**
 * Binding alone, in a fresh JVM: confine's small libc binding (bound, then the first call) or
 * jnr-posix's full POSIX (POSIXFactory.getNativePOSIX(), then the first call). Prints the time.
 *
 * <p>Arguments: confine|jnr-posix.
 */
public final class BindChild {
  private BindChild() {}

  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    long uid;
    switch (args[0]) {
      case "confine":
        uid = NativeKernel.get().getresuid().real;
        break;
      case "jnr-posix":
        uid = jnr.posix.POSIXFactory.getNativePOSIX().getuid();
        break;
      default:
        throw new IllegalArgumentException("confine or jnr-posix, not " + args[0]);
    }
    long elapsed = System.nanoTime() - t0;
    System.out.println("BENCH bind-ns " + elapsed);
    System.out.println("DONE uid=" + uid);
  }
}
