package dev.confine.internal.jvm;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the JVM takes for its processors and memory at one moment: Runtime.availableProcessors()
 * and the OS MXBean's total memory. Read right before chroot and once confined (the report's
 * containerView()); neither read can fail or throw.
 */
public final class JvmFigures {
  public final int processors;
  /** Empty when not read (see {@link #read}). */
  public final OptionalLong totalMemory;

  public JvmFigures(int processors, OptionalLong totalMemory) {
    this.processors = processors;
    this.totalMemory = totalMemory;
  }

  /**
   * The figures now; memory only with {@code memory} (the policy readies MANAGEMENT: reading it
   * otherwise would load the MXBeans' library, which the policy left out, and a first load in the
   * jail fails). getTotalMemorySize is com.sun.management's, in jdk.management, which this module
   * does not require: it is called reflectively, and a JVM without that module gives no figure.
   */
  public static JvmFigures read(boolean memory) {
    return new JvmFigures(Runtime.getRuntime().availableProcessors(), memory ? totalMemory() : OptionalLong.empty());
  }

  private static OptionalLong totalMemory() {
    try {
      OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
      Optional<Method> total = TotalMemory.METHOD;
      if (total.isEmpty()) {
        return OptionalLong.empty();
      }
      long bytes = (Long) total.get().invoke(bean);
      return bytes > 0 ? OptionalLong.of(bytes) : OptionalLong.empty();
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // A figure for the report is not worth a failure of apply(), least of all past chroot.
      return OptionalLong.empty();
    }
  }

  /** The method, looked up once, before chroot (the first read is the one before it). */
  private static final class TotalMemory {
    static final Optional<Method> METHOD = lookUp();

    private static Optional<Method> lookUp() {
      try {
        return Optional.of(Class.forName("com.sun.management.OperatingSystemMXBean").getMethod("getTotalMemorySize"));
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        return Optional.empty(); // no jdk.management, or a JDK older than 14
      }
    }
  }

  @Override
  public String toString() {
    return processors + " processors, total memory " + (totalMemory.isPresent() ? totalMemory.getAsLong() + " bytes" : "not read");
  }
}
