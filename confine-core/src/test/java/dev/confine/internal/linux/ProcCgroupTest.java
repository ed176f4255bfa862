package dev.confine.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The parsers of /proc/self/cgroup, /proc/meminfo and a status file's Cpus_allowed_list. */
class ProcCgroupTest {
  @Test
  void v1AndV2Lines() {
    ProcCgroup cgroups = ProcCgroup.parse("9:name=systemd:/\n4:memory:/process_api/ba2e\n2:cpu,cpuacct:/a:b\n0::/\n");
    assertEquals(4, cgroups.lines().size());
    assertEquals("/process_api/ba2e", cgroups.v1("memory").orElseThrow().path);
    assertEquals(List.of("cpu", "cpuacct"), cgroups.v1("cpu").orElseThrow().controllers);
    assertEquals("/a:b", cgroups.v1("cpuacct").orElseThrow().path, "a colon in a cgroup's name stays in the path");
    assertEquals("/", cgroups.v2().orElseThrow().path);
    assertTrue(cgroups.v1("pids").isEmpty());
  }

  @Test
  void aV2OnlyMachineAndGarbage() {
    ProcCgroup cgroups = ProcCgroup.parse("0::/user.slice/user-0.slice/session-1.scope\n");
    assertTrue(cgroups.v1("cpu").isEmpty());
    assertEquals("/user.slice/user-0.slice/session-1.scope", cgroups.v2().orElseThrow().path);
    assertEquals(0, ProcCgroup.parse("not a line\nx:y:z\n").lines().size());
  }

  @Test
  void memTotal() {
    assertEquals(OptionalLong.of(25165824L * 1024), MemInfo.totalBytes("MemTotal:       25165824 kB\nMemFree:         1 kB\n"));
    assertEquals(OptionalLong.empty(), MemInfo.totalBytes("MemFree: 1 kB\n"));
    assertEquals(OptionalLong.empty(), MemInfo.totalBytes("MemTotal: lots\n"));
  }

  @Test
  void allowedCpus() {
    assertEquals(OptionalInt.of(2), ThreadStatus.allowedCpus("Name:\tjava\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n"));
    assertEquals(OptionalInt.of(7), ThreadStatus.allowedCpus("Cpus_allowed_list:\t0-3,8,10-11\n"));
    assertEquals(OptionalInt.of(1), ThreadStatus.allowedCpus("Cpus_allowed_list:\t5\n"));
    assertEquals(OptionalInt.empty(), ThreadStatus.allowedCpus("Name:\tjava\n"));
    assertEquals(OptionalInt.empty(), ThreadStatus.allowedCpus("Cpus_allowed_list:\tx-y\n"));
  }
}
