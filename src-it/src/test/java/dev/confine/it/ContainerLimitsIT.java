package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.confine.internal.Mount;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.linux.ProcCgroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A child JVM in a cgroup of its own with a CPU quota of one CPU and a memory limit of 1 GiB:
 * before apply() the JVM counts 1 processor and reports 1 GiB; once confined it counts the CPUs
 * it may run on and reports the machine's memory, for good, since the cgroup files it reads again
 * are outside the jail. Preflight said so beforehand, naming -XX:ActiveProcessorCount=1; with that
 * flag the count stays 1. The cgroup is made for the test (cgroup v1 below this JVM's own cgroups,
 * or v2 below the root where cpu and memory are delegated) and removed afterwards (asserted).
 */
class ContainerLimitsIT {
  private static final long GIB = 1L << 30;

  private Path jail;
  /** The cgroup directories made for this test: one per v1 hierarchy, or the one v2 directory. */
  private final List<Path> cgroups = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    Root.require();
    jail = Jails.fresh("container-limits");
    makeCgroups("confine-it-" + UUID.randomUUID().toString().substring(0, 8));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (Path cgroup : cgroups) {
        removeCgroup(cgroup);
      }
      for (Path cgroup : cgroups) {
        assertFalse(Files.exists(cgroup), cgroup + " was not removed");
      }
    } finally {
      Jails.remove(jail);
    }
  }

  /**
   * cgroup v1 where the cpu and memory controllers are mounted as v1 hierarchies (as HotSpot
   * decides): a child of this JVM's own cgroup in each. Otherwise v2: a child of the root, where
   * the root delegates cpu and memory (the rule of no processes in an inner cgroup with
   * controllers leaves no other place to put one).
   */
  private void makeCgroups(String name) throws Exception {
    ProcCgroup self = ProcCgroup.parse(Files.readString(Path.of("/proc/self/cgroup")));
    List<Mount> mounts = NativeKernel.get().mounts();
    Optional<Mount> cpu = v1Mount(mounts, "cpu");
    Optional<Mount> memory = v1Mount(mounts, "memory");
    if (self.v1("cpu").isPresent() && self.v1("memory").isPresent() && cpu.isPresent() && memory.isPresent()) {
      Path cpuGroup = Path.of(cpu.get().mountPoint + below(cpu.get(), self.v1("cpu").get().path), name);
      Path memoryGroup = Path.of(memory.get().mountPoint + below(memory.get(), self.v1("memory").get().path), name);
      Files.createDirectory(cpuGroup);
      cgroups.add(cpuGroup);
      Files.createDirectory(memoryGroup);
      cgroups.add(memoryGroup);
      write(cpuGroup.resolve("cpu.cfs_period_us"), "100000");
      write(cpuGroup.resolve("cpu.cfs_quota_us"), "100000");
      write(memoryGroup.resolve("memory.limit_in_bytes"), String.valueOf(GIB));
      return;
    }
    Optional<Mount> unified = mounts.stream().filter(m -> m.fsType.equals("cgroup2")).findFirst();
    assumeTrue(unified.isPresent(), "SKIPPED: neither cgroup v1 cpu and memory hierarchies nor a cgroup v2 mount");
    Path root = Path.of(unified.get().mountPoint);
    String delegated = Files.readString(root.resolve("cgroup.subtree_control"));
    assumeTrue(List.of(delegated.trim().split(" ")).containsAll(List.of("cpu", "memory")),
        "SKIPPED: the cgroup v2 root delegates \"" + delegated.trim() + "\", not cpu and memory (this test does not change that)");
    Path group = root.resolve(name);
    Files.createDirectory(group);
    cgroups.add(group);
    write(group.resolve("cpu.max"), "100000 100000");
    write(group.resolve("memory.max"), String.valueOf(GIB));
  }

  private static Optional<Mount> v1Mount(List<Mount> mounts, String controller) {
    return mounts.stream().filter(m -> m.fsType.equals("cgroup") && m.superOptions.contains(controller)).findFirst();
  }

  /** The cgroup's path below its mount's root ("" for the root itself). */
  private static String below(Mount mount, String path) {
    String relative = mount.root.equals("/") ? path : path.substring(mount.root.length());
    return relative.equals("/") ? "" : relative;
  }

  private static void write(Path file, String value) throws IOException {
    Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
  }

  /** rmdir, once the child has left it (an exited process leaves its cgroups when it is reaped). */
  private static void removeCgroup(Path cgroup) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (Files.exists(cgroup)) {
      try {
        Files.delete(cgroup);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("cannot remove " + cgroup + " (processes: " + Files.readString(cgroup.resolve("cgroup.procs")).trim() + ")", e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** The child, moved into the cgroups by the shell that then execs java (so it starts there). */
  private ChildJvm start(List<String> jvmOptions) throws Exception {
    List<String> wrapper = new ArrayList<>(List.of("sh", "-c", "for p in \"$@\"; do [ \"$p\" = -- ] && break; echo $$ > \"$p\"; done; "
        + "while [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\"", "sh"));
    for (Path cgroup : cgroups) {
      wrapper.add(cgroup.resolve("cgroup.procs").toString());
    }
    wrapper.add("--");
    return ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), jvmOptions, "dev.confine.it.ContainerLimitsChild", jail.toString(), "65534", "65534");
  }

  /** What the JVM counts without a cgroup limit: the CPUs the child may run on, from its status. */
  private static int allowedCpus(long pid) throws IOException {
    String status = Files.readString(Path.of("/proc/" + pid + "/status"));
    return dev.confine.internal.linux.ThreadStatus.allowedCpus(status).orElseThrow();
  }

  private static long machineMemory() throws IOException {
    return dev.confine.internal.linux.MemInfo.totalBytes(Files.readString(Path.of("/proc/meminfo"))).orElseThrow();
  }

  @Test
  void theLimitsAreLostInTheJailAsPreflightSaid() throws Exception {
    try (ChildJvm child = start(List.of())) {
      child.await("READY", Duration.ofSeconds(60));
      int machine = allowedCpus(child.pid());
      assumeTrue(machine > 1, "SKIPPED: this machine lets the child run on 1 CPU: a quota of one loses nothing");
      for (Path cgroup : cgroups) {
        assertTrue(Files.readString(cgroup.resolve("cgroup.procs")).contains(String.valueOf(child.pid())), "the child runs in " + cgroup);
      }
      String output = child.output();
      assertTrue(output.contains("FINDING WARNING container-cpu-limit-lost "), output);
      assertTrue(output.contains("makes it count 1 processor; after apply() it will count " + machine), output);
      assertTrue(output.contains("FIX container-cpu-limit-lost Start the JVM with -XX:ActiveProcessorCount=1:"), output);
      assertTrue(output.contains("FINDING INFO container-memory-limit-lost "), output);
      assertTrue(output.contains("-XX:MaxRAM=" + GIB), output);

      // The control of the flag below: without it the count follows the machine once confined.
      Map<String, String> probes = child.probes();
      assertEquals("1", probes.get("processors-before"), output);
      assertEquals(String.valueOf(machine), probes.get("processors-after"), output);
      assertEquals(String.valueOf(machine), probes.get("processors-later"), output);
      assertEquals(String.valueOf(GIB), probes.get("memory-before"), output);
      assertEquals(String.valueOf(machineMemory()), probes.get("memory-after"), output);
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void activeProcessorCountKeepsTheCountAndPreflightSaysSo() throws Exception {
    try (ChildJvm child = start(List.of("-XX:ActiveProcessorCount=1"))) {
      child.await("READY", Duration.ofSeconds(60));
      String output = child.output();
      assertTrue(output.contains("FINDING INFO container-cpu-limit-pinned "), output);
      assertTrue(output.contains("and -XX:ActiveProcessorCount=1 pins the count at 1"), output);
      assertFalse(output.contains("container-cpu-limit-lost"), output);
      Map<String, String> probes = child.probes();
      assertEquals("1", probes.get("processors-before"), output);
      assertEquals("1", probes.get("processors-after"), output);
      assertEquals("1", probes.get("processors-later"), output);
      // Nothing keeps the memory figure.
      assertEquals(String.valueOf(GIB), probes.get("memory-before"), output);
      assertEquals(String.valueOf(machineMemory()), probes.get("memory-after"), output);
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }
}
