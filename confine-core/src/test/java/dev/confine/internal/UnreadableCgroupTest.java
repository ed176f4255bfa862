package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.internal.linux.Errno;
import dev.confine.testing.simulation.Simulation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The container checks are advisory: a cgroup file the process may not read counts as no limit
 * (as HotSpot counts it), never as a refusal of apply(); the checks that guard the jail still
 * refuse on such an error.
 */
class UnreadableCgroupTest {
  private final ConfinementPolicy policy = Confinement.builder().root("/srv/jail").user("app").build();

  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").user("app", 4000, 4000)
        .text("/proc/self/cgroup", "1:cpu:/confine-it\n0::/\n");
  }

  private static Kernel denying(Simulation kernel, String prefix) {
    return new ForwardingKernel(kernel.model()) {
      public Optional<String> readText(String path) throws ErrnoException {
        if (path.startsWith(prefix)) {
          throw new ErrnoException(dev.confine.Syscall.READ_PROCESS_STATUS, List.of(path), Errno.EACCES);
        }
        return delegate.readText(path);
      }
    }.kernel();
  }

  private static Confiner confiner(Kernel kernel) {
    return new Confiner(() -> kernel, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, (p, c) -> Map.of(), System.err, summary -> {});
  }

  @Test
  void anUnreadableCgroupFileIsNoLimitAndApplyGoesThrough() {
    Simulation kernel = machine();
    confiner(denying(kernel, "/proc/self/cgroup")).apply(Internal.get().viewOf(policy));
    assertEquals("/srv/jail", kernel.model().root());
    assertTrue(kernel.model().uids().allEqual(4000));
  }

  @Test
  void controlTheSameErrorOnAFileOfTheJailChecksStillRefuses() {
    Simulation kernel = machine();
    Kernel failing = new ForwardingKernel(kernel.model()) {
      public java.util.List<Mount> mounts() throws ErrnoException {
        throw new ErrnoException(dev.confine.Syscall.READ_PROCESS_STATUS, List.of("/proc/self/mountinfo"), Errno.EACCES);
      }
    }.kernel();
    assertThrows(RuntimeException.class, () -> confiner(failing).apply(Internal.get().viewOf(policy)));
    assertEquals("/", kernel.model().root());
  }
}
