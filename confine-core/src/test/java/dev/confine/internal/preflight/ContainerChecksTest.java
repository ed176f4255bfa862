package dev.confine.internal.preflight;

import static dev.confine.internal.Findings.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.internal.Internal;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Mount;
import dev.confine.testing.simulation.Simulation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The cgroup limits the JVM honours now and loses in the jail, v1 and v2, each with its control. */
class ContainerChecksTest {
  private static final Mount CPU_V1 = new Mount("/sys/fs/cgroup/cpu", "cgroup", "cgroup", List.of("rw", "nosuid"), "/", List.of("rw", "cpu"));
  private static final Mount MEMORY_V1 =
      new Mount("/sys/fs/cgroup/memory", "cgroup", "cgroup", List.of("rw", "nosuid"), "/", List.of("rw", "memory"));
  private static final Mount UNIFIED = new Mount("/sys/fs/cgroup", "cgroup2", "cgroup2", List.of("rw", "nosuid"), "/", List.of("rw"));
  private static final String TWO_CPUS = "Name:\tjava\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n";
  private static final long GIB = 1L << 30;

  private static Simulation base() {
    return new Simulation().directory("/srv/jail").user("app", 4000, 4000)
        .text("/proc/thread-self/status", TWO_CPUS)
        .text("/proc/meminfo", "MemTotal:       25165824 kB\nMemFree:        20000000 kB\n"); // 24 GiB
  }

  /** cgroup v1 as on this project's test machine: cpu and memory in hierarchies of their own. */
  private static Simulation v1(String quota, String memoryLimit) {
    return base().mount(CPU_V1).mount(MEMORY_V1)
        .text("/proc/self/cgroup", "9:name=systemd:/\n4:memory:/confine-it\n2:cpuacct:/\n1:cpu:/confine-it\n0::/\n")
        .text("/sys/fs/cgroup/cpu/confine-it/cpu.cfs_quota_us", quota + "\n")
        .text("/sys/fs/cgroup/cpu/confine-it/cpu.cfs_period_us", "100000\n")
        .text("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n")
        .text("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n")
        .text("/sys/fs/cgroup/memory/confine-it/memory.limit_in_bytes", memoryLimit + "\n")
        .text("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  }

  private static Simulation v2(String cpuMax, String memoryMax) {
    return base().mount(UNIFIED)
        .text("/proc/self/cgroup", "0::/system.slice/app.service\n")
        .text("/sys/fs/cgroup/system.slice/app.service/cpu.max", cpuMax + "\n")
        .text("/sys/fs/cgroup/system.slice/app.service/memory.max", memoryMax + "\n")
        .text("/sys/fs/cgroup/system.slice/cpu.max", "max 100000\n")
        .text("/sys/fs/cgroup/system.slice/memory.max", "max\n");
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("app").build();
  }

  /** The check alone, with these JVM arguments. */
  private static List<Finding> check(Simulation kernel, Supplier<List<String>> arguments) throws ErrnoException {
    List<Finding> findings = new ArrayList<>();
    ContainerChecks.limits(new PreflightContext(Internal.get().viewOf(policy()), Optional.empty(), kernel.model(), kernel.model().lstat("/srv/jail"), arguments), findings);
    return findings;
  }

  private static List<Finding> check(Simulation kernel, String... arguments) throws ErrnoException {
    return check(kernel, () -> List.of(arguments));
  }

  private static List<String> codes(List<Finding> findings) {
    return findings.stream().map(Finding::code).collect(Collectors.toList());
  }

  @Test
  void aV1QuotaOfOneCpuIsLostAndTheFixNamesTheFlag() throws Exception {
    Finding f = only(check(v1("100000", "9223372036854771712")), "container-cpu-limit-lost");
    assertEquals(Severity.WARNING, f.severity());
    assertEquals(
        "the CPU quota of this JVM's cgroup (/sys/fs/cgroup/cpu/confine-it: cpu.cfs_quota_us 100000, cpu.cfs_period_us 100000)"
            + " makes it count 1 processor; after apply() it will count 2",
        f.message());
    assertTrue(f.fix().startsWith("Start the JVM with -XX:ActiveProcessorCount=1:"), f.fix());
  }

  @Test
  void theFlagAmongTheJvmArgumentsMakesItInfo() throws Exception {
    Finding f = only(check(v1("100000", "9223372036854771712"), "-Xmx64m", "-XX:ActiveProcessorCount=1"), "container-cpu-limit-pinned");
    assertEquals(Severity.INFO, f.severity());
    assertTrue(f.message().endsWith("and -XX:ActiveProcessorCount=1 pins the count at 1 (without it, 2 after apply())"), f.message());
    // The last one wins, as in the JVM; 0 or -1 give the count back to the JVM.
    assertEquals(List.of("container-cpu-limit-lost"),
        codes(check(v1("100000", "9223372036854771712"), "-XX:ActiveProcessorCount=1", "-XX:ActiveProcessorCount=-1")));
    assertEquals(OptionalInt.of(3), ContainerChecks.pinnedCount(List.of("-XX:ActiveProcessorCount=1", "-XX:ActiveProcessorCount=3")));
    assertEquals(OptionalInt.empty(), ContainerChecks.pinnedCount(List.of("-XX:ActiveProcessorCount=0")));
  }

  @Test
  void aQuotaRoundsUpAsTheJvmDoes() throws Exception {
    Simulation kernel = v1("150000", "9223372036854771712").text("/proc/thread-self/status", "Cpus_allowed_list:\t0-7,16-23\n");
    Finding f = only(check(kernel), "container-cpu-limit-lost");
    assertTrue(f.message().endsWith("makes it count 2 processors; after apply() it will count 16"), f.message());
    assertTrue(f.fix().startsWith("Start the JVM with -XX:ActiveProcessorCount=2:"), f.fix());
  }

  @Test
  void noQuotaOrOneAsLargeAsTheMachineLosesNothing() throws Exception {
    assertEquals(List.of(), check(v1("-1", "9223372036854771712")), "no quota: the control");
    assertEquals(List.of(), check(v1("200000", "9223372036854771712")), "2 CPUs of 2: the JVM counts 2 either way");
  }

  @Test
  void theArgumentsAreAskedForOnlyWhenALimitIsLost() throws Exception {
    Supplier<List<String>> refusing = () -> {
      throw new AssertionError("the JVM's arguments were asked for without a CPU limit");
    };
    assertEquals(List.of(), check(v1("-1", "9223372036854771712"), refusing));
  }

  @Test
  void aLowerQuotaAboveTheCgroupWins() throws Exception {
    Simulation kernel = v1("-1", "9223372036854771712")
        .text("/proc/self/cgroup", "1:cpu:/outer/inner\n")
        .text("/sys/fs/cgroup/cpu/outer/inner/cpu.cfs_quota_us", "-1\n")
        .text("/sys/fs/cgroup/cpu/outer/inner/cpu.cfs_period_us", "100000\n")
        .text("/sys/fs/cgroup/cpu/outer/cpu.cfs_quota_us", "50000\n")
        .text("/sys/fs/cgroup/cpu/outer/cpu.cfs_period_us", "100000\n");
    Finding f = only(check(kernel), "container-cpu-limit-lost");
    assertTrue(f.message().contains("(/sys/fs/cgroup/cpu/outer: cpu.cfs_quota_us 50000, cpu.cfs_period_us 100000) makes it count 1 processor"),
        f.message());
  }

  @Test
  void aV1MemoryLimitIsInfoNamingTheHeapFlagsAndTheMetrics() throws Exception {
    Finding f = only(check(v1("-1", String.valueOf(GIB))), "container-memory-limit-lost");
    assertEquals(Severity.INFO, f.severity());
    assertEquals(
        "the memory limit of this JVM's cgroup (/sys/fs/cgroup/memory/confine-it: memory.limit_in_bytes 1073741824, 1.0 GiB) is what"
            + " the OS MXBean reports as total memory now; after apply() it will report the machine's (25769803776 bytes, 24.0 GiB)",
        f.message());
    assertTrue(f.why().contains("The heap's maximum was fixed from the limit when the JVM started, and stays"), f.why());
    assertTrue(f.why().contains("No flag keeps that figure."), f.why());
    assertTrue(f.fix().contains("-Xmx or -XX:MaxRAM=1073741824"), f.fix());
    assertTrue(f.fix().contains("containerView()"), f.fix());
  }

  @Test
  void noMemoryLimitOrOneAboveTheMachinesIsNone() throws Exception {
    assertEquals(List.of(), check(v1("-1", "9223372036854771712")), "v1's unlimited");
    assertEquals(List.of(), check(v1("-1", String.valueOf(64 * GIB))), "a limit above the machine's 24 GiB: the JVM ignores it");
  }

  @Test
  void cgroupV2CpuMaxAndMemoryMax() throws Exception {
    List<Finding> findings = check(v2("100000 100000", String.valueOf(GIB)));
    assertEquals(List.of("container-cpu-limit-lost", "container-memory-limit-lost"), codes(findings));
    assertTrue(findings.get(0).message().contains("(/sys/fs/cgroup/system.slice/app.service: cpu.max 100000 100000) makes it count 1 processor"),
        findings.get(0).message());
    assertTrue(findings.get(1).message().contains("(/sys/fs/cgroup/system.slice/app.service: memory.max 1073741824, 1.0 GiB)"),
        findings.get(1).message());
    assertEquals(List.of(), check(v2("max 100000", "max")), "the control: no limit at any level");
  }

  @Test
  void aContainersOwnMountRootMapsItsPath() throws Exception {
    // In a container the hierarchy's root is the container's cgroup, mounted at /sys/fs/cgroup/cpu.
    Simulation kernel = base()
        .mount(new Mount("/sys/fs/cgroup/cpu", "cgroup", "cgroup", List.of("ro"), "/docker/abc", List.of("ro", "cpu", "cpuacct")))
        .text("/proc/self/cgroup", "3:cpu,cpuacct:/docker/abc\n")
        .text("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "100000\n")
        .text("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
    assertTrue(only(check(kernel), "container-cpu-limit-lost").message().contains("(/sys/fs/cgroup/cpu: cpu.cfs_quota_us 100000"));
    assertEquals(Optional.of("/sys/fs/cgroup/cpu/x"),
        ContainerChecks.Hierarchy.directory(new Mount("/sys/fs/cgroup/cpu", "cgroup", "cgroup", List.of(), "/docker/abc", List.of()), "/docker/abc/x"));
    assertEquals(Optional.empty(),
        ContainerChecks.Hierarchy.directory(new Mount("/sys/fs/cgroup/cpu", "cgroup", "cgroup", List.of(), "/docker/abc", List.of()), "/other"));
  }

  @Test
  void withoutProcSelfCgroupThereIsNothingToLose() throws Exception {
    assertEquals(List.of(), check(base().mount(CPU_V1).text("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "100000")));
  }

  @Test
  void theCheckRunsInPreflight() {
    PreflightReport report = v1("100000", String.valueOf(GIB)).check(policy());
    assertTrue(report.has("container-cpu-limit-lost"), report.toString());
    assertTrue(report.has("container-memory-limit-lost"), report.toString());
    assertTrue(!report.hasErrors(), report.toString());
  }
}
