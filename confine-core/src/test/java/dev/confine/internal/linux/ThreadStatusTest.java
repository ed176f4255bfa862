package dev.confine.internal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadStatusTest {
  /** A status as kernel 6.x writes it, every line in its place. */
  private static final String STATUS =
      "Name:\tjava worker \u00e9\n"
          + "Umask:\t0022\n"
          + "State:\tS (sleeping)\n"
          + "Tgid:\t4242\n"
          + "Ngid:\t0\n"
          + "Pid:\t4243\n"
          + "PPid:\t1\n"
          + "TracerPid:\t0\n"
          + "Uid:\t65534\t65534\t65534\t65534\n"
          + "Gid:\t65533\t65533\t65533\t65533\n"
          + "FDSize:\t64\n"
          + "Groups:\t4 27 \n"
          + "NStgid:\t4242\n"
          + "NSpid:\t4243\n"
          + "NSpgid:\t4242\n"
          + "NSsid:\t4242\n"
          + "Kthread:\t0\n"
          + "VmPeak:\t 3000000 kB\n"
          + "Threads:\t19\n"
          + "SigQ:\t0/31117\n"
          + "SigPnd:\t0000000000000000\n"
          + "ShdPnd:\t0000000000000000\n"
          + "SigBlk:\t0000000100000000\n"
          + "SigIgn:\t0000000000000000\n"
          + "SigCgt:\t0000000000000000\n"
          + "CapInh:\t0000000000000001\n"
          + "CapPrm:\t0000000000000400\n"
          + "CapEff:\t0000000000000400\n"
          + "CapBnd:\t000001ffffffffff\n"
          + "CapAmb:\t0000000000000000\n"
          + "NoNewPrivs:\t1\n"
          + "Seccomp:\t2\n"
          + "Seccomp_filters:\t3\n"
          + "Speculation_Store_Bypass:\tthread vulnerable\n"
          + "Cpus_allowed:\t3\n"
          + "Cpus_allowed_list:\t0-1\n"
          + "Mems_allowed:\t00000000,00000001\n"
          + "voluntary_ctxt_switches:\t5\n";

  @Test
  void readsEveryFieldItNames() {
    ThreadStatus t = ThreadStatus.parse(4243, STATUS);
    assertEquals(4243, t.tid);
    assertEquals("java worker \u00e9", t.name);
    assertEquals(List.of(65534L, 65534L, 65534L, 65534L), t.uid);
    assertEquals(List.of(65533L, 65533L, 65533L, 65533L), t.gid);
    assertEquals(List.of(4L, 27L), t.groups);
    assertEquals(1L, t.capInh);
    assertEquals(0x400L, t.capPrm);
    assertEquals(0x400L, t.capEff);
    assertEquals(0x1ffffffffffL, t.capBnd);
    assertEquals(0L, t.capAmb);
    assertEquals(1, t.noNewPrivs);
    assertEquals(2, t.seccomp);
    assertEquals(3, t.seccompFilters);
    assertEquals(1L << 32, t.sigBlk);
  }

  @Test
  void theBytesAsReadAndTheStringAgree() {
    byte[] bytes = (STATUS + "trailing garbage that is not read").getBytes(StandardCharsets.UTF_8);
    ThreadStatus t = ThreadStatus.parse(7, bytes, STATUS.getBytes(StandardCharsets.UTF_8).length);
    assertEquals(ThreadStatus.parse(7, STATUS).toString(), t.toString());
  }

  @Test
  void anOlderKernelWithoutSeccompFiltersReadsToTheEnd() {
    ThreadStatus t = ThreadStatus.parse(1, STATUS.replace("Seccomp_filters:\t3\n", ""));
    assertEquals(-1, t.seccompFilters);
    assertEquals(2, t.seccomp);
  }

  @Test
  void fieldsInAnotherOrderAreReadAlike() {
    String[] lines = STATUS.split("\n");
    StringBuilder reversed = new StringBuilder();
    for (int i = lines.length - 1; i >= 0; i--) {
      reversed.append(lines[i]).append('\n');
    }
    assertEquals(ThreadStatus.parse(1, STATUS).toString(), ThreadStatus.parse(1, reversed.toString()).toString());
  }

  @Test
  void noGroupsIsAnEmptyList() {
    assertEquals(List.of(), ThreadStatus.parse(1, STATUS.replace("Groups:\t4 27 \n", "Groups:\t\n")).groups);
    assertEquals(List.of(), ThreadStatus.parse(1, STATUS.replace("Groups:\t4 27 \n", "Groups:\n")).groups);
  }

  @Test
  void aMissingFieldItVerifiesIsAnError() {
    for (String field : List.of("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")) {
      String without = STATUS.replaceFirst("(?m)^" + field + ":[^\n]*\n", "");
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> ThreadStatus.parse(9, without), field);
      assertTrue(e.getMessage().contains("thread 9"), e.getMessage());
    }
  }

  @Test
  void aFieldWithALookalikeNameIsNotTaken() {
    // "Seccompx" and "CapInhx" are not the fields; without the real ones the status is incomplete.
    String lookalikes = STATUS.replace("Seccomp:\t2\n", "Seccompx:\t2\n").replace("CapInh:\t", "CapInhx:\t");
    assertThrows(IllegalStateException.class, () -> ThreadStatus.parse(1, lookalikes));
  }

  @Test
  void aMalformedValueIsAnErrorNotZero() {
    assertThrows(NumberFormatException.class, () -> ThreadStatus.parse(1, STATUS.replace("CapEff:\t0000000000000400", "CapEff:\t00000000000004zz")));
    assertThrows(NumberFormatException.class, () -> ThreadStatus.parse(1, STATUS.replace("CapEff:\t0000000000000400", "CapEff:\t10000000000000400")));
    assertThrows(NumberFormatException.class, () -> ThreadStatus.parse(1, STATUS.replace("Uid:\t65534\t", "Uid:\t-1\t")));
    assertThrows(NumberFormatException.class, () -> ThreadStatus.parse(1, STATUS.replace("Seccomp:\t2", "Seccomp:\t")));
  }

  @Test
  void thisThreadsOwnStatusParses() throws Exception {
    byte[] real = Files.readAllBytes(Path.of("/proc/thread-self/status"));
    ThreadStatus t = ThreadStatus.parse(1, real, real.length);
    assertEquals(4, t.uid.size());
    assertEquals(4, t.gid.size());
    assertTrue(t.seccomp >= 0 && t.noNewPrivs >= 0);
  }

  @Test
  void idsAreTheOneParserOfIdLists() {
    assertEquals(List.of(0L, 1L, 2L, 3L), ThreadStatus.ids("0\t1  2\t3"));
    assertEquals(List.of(), ThreadStatus.ids("  "));
  }
}
