package dev.confine.internal.preflight;

import static dev.confine.Severity.INFO;
import static dev.confine.Severity.WARNING;

import dev.confine.Finding;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.Mount;
import dev.confine.internal.linux.MemInfo;
import dev.confine.internal.linux.ProcCgroup;
import dev.confine.internal.linux.ThreadStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The cgroup limits the JVM honours now and loses in the jail. HotSpot finds its container's CPU
 * quota and memory limit through /proc/self/cgroup, /proc/self/mountinfo and the files under
 * /sys/fs/cgroup, and reads them again later (Runtime.availableProcessors() at each call once a
 * short cache expires, the OS MXBean's memory figures at each call). After chroot none of those
 * paths exists, and the JVM takes the machine's figures for good. The files are found the way
 * HotSpot finds them: a cgroup v1 hierarchy holding the controller if there is one, else v2.
 */
final class ContainerChecks {
  static final String CPU_LOST = "container-cpu-limit-lost";
  static final String CPU_PINNED = "container-cpu-limit-pinned";
  static final String MEMORY_LOST = "container-memory-limit-lost";
  static final String FLAG = "-XX:ActiveProcessorCount=";

  /** cgroup v1 writes "no limit" as the largest page multiple below 2^63; anything this large is none. */
  private static final long UNLIMITED = 1L << 62;

  private ContainerChecks() {}

  /** A limit and where it was read: "/sys/fs/cgroup/cpu/a: cpu.cfs_quota_us 100000, cpu.cfs_period_us 100000". */
  static final class Limit {
    final long value;
    final String source;

    Limit(long value, String source) {
      this.value = value;
      this.source = source;
    }
  }

  static void limits(PreflightContext context, List<Finding> findings) throws ErrnoException {
    Kernel kernel = context.kernel;
    Optional<String> self = advisory(kernel, "/proc/self/cgroup");
    if (self.isEmpty()) {
      return; // a kernel without cgroups: the JVM knows no limit either
    }
    ProcCgroup cgroups = ProcCgroup.parse(self.get());
    List<Mount> mounts = kernel.mounts();
    Optional<Limit> cpu = cpuLimit(kernel, cgroups, mounts);
    if (cpu.isPresent()) {
      cpuFinding(context, cpu.get()).ifPresent(findings::add);
    }
    Optional<Limit> memory = memoryLimit(kernel, cgroups, mounts);
    if (memory.isPresent()) {
      OptionalLong machine = advisory(kernel, "/proc/meminfo").map(MemInfo::totalBytes).orElse(OptionalLong.empty());
      // The JVM takes a limit at or above the machine's memory for none.
      if (machine.isEmpty() || memory.get().value < machine.getAsLong()) {
        findings.add(memoryFinding(memory.get(), machine));
      }
    }
  }

  private static Optional<Finding> cpuFinding(PreflightContext context, Limit cpu) throws ErrnoException {
    long processors = cpu.value;
    // Without a cgroup limit the JVM counts the CPUs the thread may run on (its affinity).
    OptionalInt allowed = advisory(context.kernel, "/proc/thread-self/status").map(ThreadStatus::allowedCpus).orElse(OptionalInt.empty());
    if (allowed.isPresent() && processors >= allowed.getAsInt()) {
      return Optional.empty(); // the quota allows as many as the JVM counts without it: nothing is lost
    }
    String after = allowed.isPresent() ? String.valueOf(allowed.getAsInt()) : "the machine's count";
    String counted =
        "the CPU quota of this JVM's cgroup (" + cpu.source + ") makes it count " + processors + " processor" + (processors == 1 ? "" : "s");
    OptionalInt pinned = pinnedCount(context.jvmArguments.get());
    if (pinned.isPresent()) {
      return Optional.of(
          new Finding(INFO, CPU_PINNED,
              counted + ", and " + FLAG + pinned.getAsInt() + " pins the count at " + pinned.getAsInt()
                  + " (without it, " + after + " after apply())",
              "The JVM counts what the flag says, in the jail too, where its cgroup's files are out of sight.",
              "Nothing to do."));
    }
    return Optional.of(
        new Finding(WARNING, CPU_LOST,
            counted + "; after apply() it will count " + after,
            "The JVM reads its cgroup's limits again through /proc/self/cgroup, /proc/self/mountinfo and /sys/fs/cgroup, which the"
                + " jail lacks: Runtime.availableProcessors() then reports " + after + " for good, and what is sized from it later"
                + " (thread pools, parallel streams, new ForkJoinPools) outgrows the quota.",
            "Start the JVM with " + FLAG + processors + ": it then counts " + processors + " whatever it can read."));
  }

  private static Finding memoryFinding(Limit memory, OptionalLong machine) {
    return new Finding(INFO, MEMORY_LOST,
        "the memory limit of this JVM's cgroup (" + memory.source + ", " + gibibytes(memory.value) + ") is what the OS MXBean"
            + " reports as total memory now; after apply() it will report the machine's"
            + (machine.isPresent() ? " (" + machine.getAsLong() + " bytes, " + gibibytes(machine.getAsLong()) + ")" : ""),
        "The heap's maximum was fixed from the limit when the JVM started, and stays; but the JVM reads the limit again at each call"
            + " of the OS MXBean's total and free memory, from files the jail lacks, so metrics read after apply() show the"
            + " machine's memory. No flag keeps that figure.",
        "Read memory figures before apply() (the report's containerView() has both); size the heap with -Xmx or -XX:MaxRAM="
            + memory.value + " if it must not depend on what the JVM finds at start.");
  }

  /** The last -XX:ActiveProcessorCount=N among the JVM's arguments (the last one wins), if N is a count. */
  static OptionalInt pinnedCount(List<String> arguments) {
    OptionalInt pinned = OptionalInt.empty();
    for (String argument : arguments) {
      if (argument.startsWith(FLAG)) {
        try {
          int count = Integer.parseInt(argument.substring(FLAG.length()));
          pinned = count > 0 ? OptionalInt.of(count) : OptionalInt.empty(); // 0 or -1: the JVM's own count again
        } catch (NumberFormatException e) {
          pinned = OptionalInt.empty(); // the JVM would not have started; nothing is pinned
        }
      }
    }
    return pinned;
  }

  /** The lowest CPU count any cgroup from this process's up to its hierarchy's root allows: ceil(quota / period). */
  static Optional<Limit> cpuLimit(Kernel kernel, ProcCgroup cgroups, List<Mount> mounts) throws ErrnoException {
    Optional<Limit> lowest = Optional.empty();
    Optional<ProcCgroup.Line> v1 = cgroups.v1("cpu");
    Optional<Hierarchy> hierarchy = Hierarchy.of(mounts, "cpu", v1, cgroups);
    if (hierarchy.isEmpty()) {
      return Optional.empty();
    }
    for (String directory : hierarchy.get().upward()) {
      long quota;
      long period;
      String source;
      if (hierarchy.get().v1) {
        OptionalLong q = number(kernel, directory + "/cpu.cfs_quota_us");
        OptionalLong p = number(kernel, directory + "/cpu.cfs_period_us");
        if (q.isEmpty() || p.isEmpty()) {
          continue;
        }
        quota = q.getAsLong();
        period = p.getAsLong();
        source = directory + ": cpu.cfs_quota_us " + quota + ", cpu.cfs_period_us " + period;
      } else {
        Optional<String> max = advisory(kernel, directory + "/cpu.max").map(String::trim);
        String[] fields = max.map(m -> m.split("\\s+")).orElse(new String[0]);
        if (fields.length != 2 || fields[0].equals("max")) {
          continue;
        }
        try {
          quota = Long.parseLong(fields[0]);
          period = Long.parseLong(fields[1]);
        } catch (NumberFormatException e) {
          continue;
        }
        source = directory + ": cpu.max " + max.get();
      }
      if (quota <= 0 || period <= 0) {
        continue; // -1: no quota at this level
      }
      long count = Math.max(1, (quota + period - 1) / period);
      if (lowest.isEmpty() || count < lowest.get().value) {
        lowest = Optional.of(new Limit(count, source));
      }
    }
    return lowest;
  }

  /** The lowest memory limit of any cgroup from this process's up to its hierarchy's root, in bytes. */
  static Optional<Limit> memoryLimit(Kernel kernel, ProcCgroup cgroups, List<Mount> mounts) throws ErrnoException {
    Optional<Limit> lowest = Optional.empty();
    Optional<ProcCgroup.Line> v1 = cgroups.v1("memory");
    Optional<Hierarchy> hierarchy = Hierarchy.of(mounts, "memory", v1, cgroups);
    if (hierarchy.isEmpty()) {
      return Optional.empty();
    }
    String file = hierarchy.get().v1 ? "memory.limit_in_bytes" : "memory.max";
    for (String directory : hierarchy.get().upward()) {
      OptionalLong limit = number(kernel, directory + "/" + file); // v2's "max" is not a number: no limit
      if (limit.isPresent() && limit.getAsLong() > 0 && limit.getAsLong() < UNLIMITED
          && (lowest.isEmpty() || limit.getAsLong() < lowest.get().value)) {
        lowest = Optional.of(new Limit(limit.getAsLong(), directory + ": " + file + " " + limit.getAsLong()));
      }
    }
    return lowest;
  }

  private static OptionalLong number(Kernel kernel, String path) throws ErrnoException {
    Optional<String> text = advisory(kernel, path);
    if (text.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(text.get().trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * A file of these advisory checks, or empty where it cannot be read: HotSpot counts an unreadable
   * cgroup file as no limit, so the JVM has none to lose, and a WARNING's check must not turn an
   * EACCES into a refusal of apply().
   */
  private static Optional<String> advisory(Kernel kernel, String path) {
    try {
      return kernel.readText(path);
    } catch (ErrnoException e) {
      return Optional.empty();
    }
  }

  private static String gibibytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
  }

  /** Where a cgroup's files are: its hierarchy's mount, and the cgroup's directory below it. */
  static final class Hierarchy {
    final boolean v1;
    final String mountPoint;
    final String directory;

    private Hierarchy(boolean v1, String mountPoint, String directory) {
      this.v1 = v1;
      this.mountPoint = mountPoint;
      this.directory = directory;
    }

    /**
     * The v1 hierarchy of {@code controller} where the process has that line, else the v2 one.
     * isPresent() and get() here and below rather than map and flatMap with lambdas: preflight runs
     * on apply()'s cold path, where each lambda spins a class (issue 28).
     */
    static Optional<Hierarchy> of(List<Mount> mounts, String controller, Optional<ProcCgroup.Line> v1, ProcCgroup cgroups) {
      if (v1.isPresent()) {
        return v1(mounts, controller, v1.get());
      }
      Optional<ProcCgroup.Line> v2 = cgroups.v2();
      return v2.isPresent() ? v2(mounts, v2.get()) : Optional.empty();
    }

    static Optional<Hierarchy> v1(List<Mount> mounts, String controller, ProcCgroup.Line line) {
      for (Mount mount : mounts) {
        if (mount.fsType.equals("cgroup") && mount.superOptions.contains(controller)) {
          return of(true, mount, line);
        }
      }
      return Optional.empty();
    }

    static Optional<Hierarchy> v2(List<Mount> mounts, ProcCgroup.Line line) {
      for (Mount mount : mounts) {
        if (mount.fsType.equals("cgroup2")) {
          return of(false, mount, line);
        }
      }
      return Optional.empty();
    }

    /**
     * The mount point joined with the cgroup's path below the mount's root, as HotSpot joins them;
     * empty when the cgroup lies outside what is mounted (the JVM then finds no limit either).
     */
    private static Optional<Hierarchy> of(boolean v1, Mount mount, ProcCgroup.Line line) {
      Optional<String> directory = directory(mount, line.path);
      return directory.isPresent() ? Optional.of(new Hierarchy(v1, mount.mountPoint, directory.get())) : Optional.empty();
    }

    /** {@code path} (a cgroup's, from /proc/self/cgroup) below the mount's root, joined to its mount point; empty outside it. */
    static Optional<String> directory(Mount mount, String path) {
      String root = mount.root;
      if (root.equals("/")) {
        return Optional.of(path.equals("/") ? mount.mountPoint : mount.mountPoint + path);
      }
      if (path.equals(root)) {
        return Optional.of(mount.mountPoint);
      }
      if (path.startsWith(root + "/")) {
        return Optional.of(mount.mountPoint + path.substring(root.length()));
      }
      return Optional.empty();
    }

    /** The cgroup's directory, then each parent up to the mount point: each may set a lower limit. */
    List<String> upward() {
      List<String> directories = new ArrayList<>();
      String at = directory;
      directories.add(at);
      while (!at.equals(mountPoint) && at.startsWith(mountPoint + "/")) {
        at = at.substring(0, at.lastIndexOf('/'));
        directories.add(at);
      }
      return directories;
    }
  }
}
