package dev.confine;

import static java.util.Objects.requireNonNull;

import java.util.OptionalLong;

/**
 * What the JVM took for its processors and memory right before chroot and once confined. In a
 * container (a cgroup with a CPU quota or a memory limit) the JVM finds its limits through
 * /proc/self/cgroup, /proc/self/mountinfo and /sys/fs/cgroup, and reads them again later; in the
 * jail those paths are gone, and from then on it reports the machine's figures. Preflight warns
 * of it beforehand ({@code container-cpu-limit-lost}, {@code container-memory-limit-lost});
 * this records what happened.
 *
 * <p>Processors are {@link Runtime#availableProcessors()}: {@code -XX:ActiveProcessorCount=N}
 * keeps it at N. Memory is the OS MXBean's total memory
 * ({@code com.sun.management.OperatingSystemMXBean.getTotalMemorySize()}), which no flag keeps;
 * the heap's maximum, fixed when the JVM started, does not change. Immutable.
 */
public final class ContainerView {
  private final int processorsBefore;
  private final int processorsAfter;
  private final OptionalLong memoryBefore;
  private final OptionalLong memoryAfter;

  private ContainerView(int processorsBefore, int processorsAfter, OptionalLong memoryBefore, OptionalLong memoryAfter) {
    this.processorsBefore = processorsBefore;
    this.processorsAfter = processorsAfter;
    this.memoryBefore = memoryBefore;
    this.memoryAfter = memoryAfter;
  }

  /**
   * The figures read before chroot and after; a memory figure is empty where it was not read.
   *
   * @throws IllegalArgumentException for a processor count below 1 or a negative memory figure
   */
  public static ContainerView of(int processorsBefore, int processorsAfter, OptionalLong memoryBefore, OptionalLong memoryAfter) {
    requireNonNull(memoryBefore, "memoryBefore");
    requireNonNull(memoryAfter, "memoryAfter");
    if (processorsBefore < 1 || processorsAfter < 1) {
      throw new IllegalArgumentException("processor counts must be at least 1: before " + processorsBefore + ", after " + processorsAfter);
    }
    if (memoryBefore.orElse(0) < 0 || memoryAfter.orElse(0) < 0) {
      throw new IllegalArgumentException("memory figures must not be negative: before " + memoryBefore + ", after " + memoryAfter);
    }
    return new ContainerView(processorsBefore, processorsAfter, memoryBefore, memoryAfter);
  }

  /** {@link Runtime#availableProcessors()} right before chroot. */
  public int availableProcessorsBefore() {
    return processorsBefore;
  }

  /** {@link Runtime#availableProcessors()} once confined: the figure the JVM keeps from then on. */
  public int availableProcessorsAfter() {
    return processorsAfter;
  }

  /**
   * The OS MXBean's total memory in bytes right before chroot; empty unless the policy readies
   * {@link JvmFacility#MANAGEMENT} (reading it would load the MXBeans' library, which the policy
   * left out) or where the JVM has no {@code jdk.management} module.
   */
  public OptionalLong totalMemoryBefore() {
    return memoryBefore;
  }

  /** The OS MXBean's total memory in bytes once confined; empty when {@link #totalMemoryBefore()} is. */
  public OptionalLong totalMemoryAfter() {
    return memoryAfter;
  }

  /** True if either figure differs after chroot: the JVM lost sight of a limit. */
  public boolean changed() {
    return processorsBefore != processorsAfter || !memoryBefore.equals(memoryAfter);
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ContainerView)) {
      return false;
    }
    ContainerView that = (ContainerView) other;
    return processorsBefore == that.processorsBefore
        && processorsAfter == that.processorsAfter
        && memoryBefore.equals(that.memoryBefore)
        && memoryAfter.equals(that.memoryAfter);
  }

  @Override
  public int hashCode() {
    return ((processorsBefore * 31 + processorsAfter) * 31 + memoryBefore.hashCode()) * 31 + memoryAfter.hashCode();
  }

  /** "availableProcessors 1 -> 2, total memory 1073741824 -> 25769803776 bytes". */
  @Override
  public String toString() {
    return "availableProcessors " + processorsBefore + " -> " + processorsAfter + ", total memory "
        + (memoryBefore.isPresent() || memoryAfter.isPresent()
            ? text(memoryBefore) + " -> " + text(memoryAfter) + " bytes"
            : "not read");
  }

  private static String text(OptionalLong bytes) {
    return bytes.isPresent() ? String.valueOf(bytes.getAsLong()) : "?";
  }
}
