package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.Syscall;
import dev.confine.testing.FakeKernel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 26: the fake kernel's prediction (FakeKernel.failNext) for the cases FaultInjectionIT and
 * ThreadFaultIT run against Linux, written beside theirs (target/fault-matrix-fake.txt) for
 * docs/fail-closed.md. The fake has no per-thread failure: for a call failing in one thread only,
 * the nearest a user's test can say is failNext, which fails the call for the whole process. No
 * root needed; it is here, not in confine-core, because it is the real runs' counterpart.
 */
class FakeMatrixIT {
  private static final Path MATRIX = Path.of("target", "fault-matrix-fake.txt");

  /** The real cases' calls, as the fake names them (a real call the fake splits shows each). */
  private static final Map<String, List<Syscall>> CALLS = new LinkedHashMap<>();

  static {
    CALLS.put("fchdir", List.of(Syscall.FCHDIR));
    CALLS.put("chroot", List.of(Syscall.CHROOT));
    CALLS.put("chdir", List.of(Syscall.CHDIR));
    CALLS.put("setgroups", List.of(Syscall.SETGROUPS));
    CALLS.put("setresgid", List.of(Syscall.SETRESGID));
    CALLS.put("setresuid", List.of(Syscall.SETRESUID));
    CALLS.put("capset", List.of(Syscall.CAPSET));
    CALLS.put("prctl(PR_CAPBSET_DROP)", List.of(Syscall.CAPBSET_DROP));
    CALLS.put("prctl(PR_CAP_AMBIENT)", List.of(Syscall.CAP_AMBIENT_CLEAR));
    CALLS.put("prctl(PR_SET_DUMPABLE)", List.of(Syscall.SET_DUMPABLE));
    CALLS.put("prctl(PR_SET_NO_NEW_PRIVS)", List.of(Syscall.NO_NEW_PRIVS));
    CALLS.put("seccomp", List.of(Syscall.SECCOMP));
    CALLS.put("openat(O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC)", List.of(Syscall.OPEN_THREAD_LIST, Syscall.OPEN));
    CALLS.put("getdents64", List.of(Syscall.READDIR));
  }

  @Test
  void theFakesPredictionForEachRealCase() throws Exception {
    List<String> lines = new ArrayList<>();
    FaultInjectionIT.cases().forEach(c -> {
      for (Syscall s : CALLS.get(c.label)) {
        lines.add("all threads: " + c + " [" + s + "] -> fake: " + outcome(s, c.errno, true));
      }
    });
    ThreadFaultIT.cases().forEach(c -> {
      Syscall s = CALLS.get(c.syscall).get(0);
      lines.add("one thread: " + c + " [" + s + "] -> fake (failNext, whole process): " + outcome(s, c.errno, c.policy.equals("baseline")));
    });
    Files.createDirectories(MATRIX.getParent());
    Files.write(MATRIX, lines, StandardCharsets.UTF_8);
    lines.forEach(l -> System.out.println("FAKE " + l));
    assertTrue(lines.stream().noneMatch(l -> l.contains("NOT FAIL-CLOSED")), String.join("\n", lines));
  }

  private static String outcome(Syscall syscall, String errno, boolean baseline) {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
    kernel.failNext(syscall, errno);
    ConfinementPolicy.Builder builder = Confinement.builder().root("/srv/jail").user(65534).group(65534);
    if (!baseline) {
      builder.noBaselineFilter();
    }
    try {
      kernel.apply(builder.build());
      return "NOT FAIL-CLOSED: apply() returned";
    } catch (ConfinementException e) {
      String m = String.valueOf(e.getMessage()).replace('\n', ' ');
      m = m.length() > 140 ? m.substring(0, 140) + "..." : m;
      if (e.pastPointOfNoReturn()) {
        return kernel.haltStatus().isPresent() ? "halted " + kernel.haltStatus().getAsInt() + ": " + m : "NOT FAIL-CLOSED: past, no halt: " + m;
      }
      return "refused " + e.getClass().getSimpleName() + " past=false, uids " + kernel.uids() + ", root " + kernel.root() + ": " + m;
    } catch (AssertionError e) {
      return "never reached (" + String.valueOf(e.getMessage()).replace('\n', ' ') + ")";
    }
  }
}
