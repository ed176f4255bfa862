package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.VerificationException;
import dev.confine.internal.linux.ThreadStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * verifyThreads' quick test of a thread that passes (no message made) refuses what the full
 * check refuses, field by field, and its report lines, made once for threads that show the same,
 * still say what each thread showed.
 */
class VerifyThreadsTest {
  private static final Identity IDENTITY = new Identity(Optional.of("nobody"), 65534, 65533, List.of(4L, 27L));
  private static final List<Long> UIDS = List.of(65534L, 65534L, 65534L, 65534L);
  private static final List<Long> GIDS = List.of(65533L, 65533L, 65533L, 65533L);
  private static final long KEPT = 1L << 10;

  private static ThreadStatus caller() {
    return new ThreadStatus(7, "main", UIDS, GIDS, List.of(4L, 27L), 0, KEPT, KEPT, 0, 0, 1, 2);
  }

  private static ThreadStatus other(long tid, List<Long> uid, List<Long> gid, List<Long> groups, long inh, long prm, long eff, long bnd,
      long amb, int nnp, int seccomp) {
    return new ThreadStatus(tid, "pool-" + tid, uid, gid, groups, inh, prm, eff, bnd, amb, nnp, seccomp);
  }

  private static ThreadStatus good(long tid) {
    return other(tid, UIDS, GIDS, List.of(4L, 27L), 0, 0, 0, 0x1ff, 0, 1, 2);
  }

  @Test
  void controlDroppedThreadsPassAndEachHasItsLine() {
    List<String> lines = Verifier.verifyThreads(List.of(caller(), good(8), good(9)), 7, IDENTITY, KEPT, true);
    assertTrue(lines.get(0).startsWith("3 threads (/proc/self/task/*/status)"), lines.get(0));
    assertEquals(
        "  thread 7 \"main\" (caller): Uid 65534 Gid 65533 Groups [4, 27] CapInh 0 CapPrm 400 CapEff 400 CapAmb 0 CapBnd 0000000000000000 NoNewPrivs 1 Seccomp 2",
        lines.get(2));
    assertEquals(
        "  thread 8 \"pool-8\": Uid 65534 Gid 65533 Groups [4, 27] CapInh 0 CapPrm 0 CapEff 0 CapAmb 0 CapBnd 00000000000001ff NoNewPrivs 1 Seccomp 2",
        lines.get(3));
    assertEquals(lines.get(3).replace("thread 8 \"pool-8\"", "thread 9 \"pool-9\""), lines.get(4));
  }

  @Test
  void groupsInAnotherOrderPassAsTheFullCheckLetsThem() {
    ThreadStatus reordered = other(8, UIDS, GIDS, List.of(27L, 4L), 0, 0, 0, 0, 0, 1, 2);
    List<String> lines = Verifier.verifyThreads(List.of(caller(), reordered), 7, IDENTITY, KEPT, true);
    assertTrue(lines.get(3).contains("Groups [27, 4]"), lines.get(3));
  }

  @Test
  void everyFieldThatIsNotDroppedIsRefusedAndNamed() {
    List<Long> rootIds = List.of(0L, 0L, 0L, 0L);
    List<Long> oneRoot = List.of(65534L, 65534L, 0L, 65534L);
    List<ThreadStatus> bad = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    bad.add(other(10, oneRoot, GIDS, List.of(4L, 27L), 0, 0, 0, 0, 0, 1, 2));
    expected.add("thread 10 \"pool-10\": Uid [65534, 65534, 0, 65534]");
    bad.add(other(11, UIDS, rootIds, List.of(4L, 27L), 0, 0, 0, 0, 0, 1, 2));
    expected.add("thread 11 \"pool-11\": Gid [0, 0, 0, 0]");
    bad.add(other(12, UIDS, GIDS, List.of(4L), 0, 0, 0, 0, 0, 1, 2));
    expected.add("thread 12 \"pool-12\": Groups [4], expected [4, 27]");
    bad.add(other(13, UIDS, GIDS, List.of(4L, 27L), 1, 0, 0, 0, 0, 1, 2));
    expected.add("thread 13 \"pool-13\": CapInh 0000000000000001");
    bad.add(other(14, UIDS, GIDS, List.of(4L, 27L), 0, KEPT, 0, 0, 0, 1, 2));
    expected.add("thread 14 \"pool-14\": CapPrm 0000000000000400, expected 0000000000000000");
    bad.add(other(15, UIDS, GIDS, List.of(4L, 27L), 0, 0, KEPT, 0, 0, 1, 2));
    expected.add("thread 15 \"pool-15\": CapEff 0000000000000400, expected 0000000000000000");
    bad.add(other(16, UIDS, GIDS, List.of(4L, 27L), 0, 0, 0, 0, 2, 1, 2));
    expected.add("thread 16 \"pool-16\": CapAmb 0000000000000002");
    bad.add(other(17, UIDS, GIDS, List.of(4L, 27L), 0, 0, 0, 0, 0, 0, 2));
    expected.add("thread 17 \"pool-17\": NoNewPrivs 0");
    bad.add(other(18, UIDS, GIDS, List.of(4L, 27L), 0, 0, 0, 0, 0, 1, 0));
    expected.add("thread 18 \"pool-18\": Seccomp 0 (no filter)");
    for (int i = 0; i < bad.size(); i++) {
      List<ThreadStatus> threads = List.of(caller(), good(8), bad.get(i), good(9));
      VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verifyThreads(threads, 7, IDENTITY, KEPT, true));
      assertTrue(e.getMessage().contains(expected.get(i)), e.getMessage());
    }
    // The caller: its bounding set, and the kept capabilities exactly.
    ThreadStatus callerBounding = new ThreadStatus(7, "main", UIDS, GIDS, List.of(4L, 27L), 0, KEPT, KEPT, 1, 0, 1, 2);
    VerificationException e =
        assertThrows(VerificationException.class, () -> Verifier.verifyThreads(List.of(callerBounding, good(8)), 7, IDENTITY, KEPT, true));
    assertTrue(e.getMessage().contains("thread 7 \"main\" (caller): CapBnd 0000000000000001 after PR_CAPBSET_DROP"), e.getMessage());
    ThreadStatus callerLess = new ThreadStatus(7, "main", UIDS, GIDS, List.of(4L, 27L), 0, 0, 0, 0, 0, 1, 2);
    e = assertThrows(VerificationException.class, () -> Verifier.verifyThreads(List.of(callerLess, good(8)), 7, IDENTITY, KEPT, true));
    assertTrue(e.getMessage().contains("thread 7 \"main\" (caller): CapPrm 0000000000000000, expected 0000000000000400"), e.getMessage());
  }

  @Test
  void aThreadThatShowsOtherValuesGetsItsOwnLineAndTheNextTheirs() {
    ThreadStatus otherBounding = other(9, UIDS, GIDS, List.of(4L, 27L), 0, 0, 0, 0x3, 0, 1, 2);
    List<String> lines = Verifier.verifyThreads(List.of(caller(), good(8), otherBounding, good(10)), 7, IDENTITY, KEPT, true);
    assertTrue(lines.get(4).endsWith("CapBnd 0000000000000003 NoNewPrivs 1 Seccomp 2"), lines.get(4));
    assertTrue(lines.get(5).startsWith("  thread 10 \"pool-10\": ") && lines.get(5).endsWith("CapBnd 00000000000001ff NoNewPrivs 1 Seccomp 2"), lines.get(5));
  }
}
