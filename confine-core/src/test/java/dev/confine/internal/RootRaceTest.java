package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.testing.simulation.Simulation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The directory preflight checked must be the one chrooted into (dev and inode compared). */
class RootRaceTest {
  private final ConfinementPolicy policy = Confinement.builder().root("/srv/jail").user("app").build();

  @Test
  void aRootReplacedBetweenPreflightAndOpenIsRefusedBeforeChroot() {
    Simulation kernel = new Simulation().directory("/srv/jail").user("app", 4000, 4000);
    Kernel racing =
        new ForwardingKernel(kernel.model()) {
          public int openDirectoryNoFollow(String path) throws ErrnoException {
            kernel.replaceDirectory("/srv/jail"); // renamed away and a new one put in its place
            return delegate.openDirectoryNoFollow(path);
          }
        }.kernel();
    Confiner confiner = new Confiner(() -> racing, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, (p, c) -> Map.of(), System.err, summary -> {});

    ConfinementException e = assertThrows(ConfinementException.class, () -> confiner.apply(Internal.get().viewOf(policy)));

    assertTrue(e.getMessage().contains("/srv/jail changed between preflight and open"), e.getMessage());
    assertFalse(e.pastPointOfNoReturn());
    assertEquals("/", kernel.model().root());
    assertTrue(kernel.model().uids().allEqual(0));
    assertFalse(kernel.model().descriptorsByPath().containsKey("/srv/jail"), "the opened descriptor is closed again");
    assertTrue(kernel.calls().stream().noneMatch(c -> c.startsWith("fchdir") || c.startsWith("chroot")), kernel.calls().toString());
  }

  @Test
  void theSameRootGoesThrough() {
    Simulation kernel = new Simulation().directory("/srv/jail").user("app", 4000, 4000);
    kernel.apply(policy);
    assertEquals("/srv/jail", kernel.model().root());
  }
}
