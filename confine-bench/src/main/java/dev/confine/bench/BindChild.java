package dev.confine.bench;

import dev.confine.internal.NativeKernel;

/**
 * Binding alone, in a fresh JVM, then the first call (getresuid or getuid): confine's kernel
 * (jffi directly), the same libc interface through jnr-ffi's LibraryLoader ({@link JnrLibC}: how
 * confine bound libc before), or jnr-posix's full POSIX. Prints the time.
 *
 * <p>Arguments: confine|confine-jffi|confine-ffm|jnr-ffi-libc|jnr-posix.
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
      case "confine-jffi":
      case "confine-ffm":
        // One binding, forced (Java 22+ for FFM): confine's own choice is "confine" above.
        uid = NativeKernel.withBinding(args[0].substring("confine-".length())).getresuid().real;
        break;
      case "jnr-ffi-libc":
        {
          int[] r = new int[1];
          jnr.ffi.LibraryLoader.create(JnrLibC.class).load("c").getresuid(r, new int[1], new int[1]);
          uid = Integer.toUnsignedLong(r[0]);
        }
        break;
      case "jnr-posix":
        uid = jnr.posix.POSIXFactory.getNativePOSIX().getuid();
        break;
      default:
        throw new IllegalArgumentException("confine, confine-jffi, confine-ffm, jnr-ffi-libc or jnr-posix, not " + args[0]);
    }
    long elapsed = System.nanoTime() - t0;
    System.out.println("BENCH bind-ns " + elapsed);
    System.out.println("DONE uid=" + uid);
  }
}
