package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.PreflightException;
import dev.confine.testing.simulation.Simulation;
import org.junit.jupiter.api.Test;

/**
 * glibc blocks every signal in a thread on its way out, SIGSETXID included: preflight's
 * setxid-signal-blocked must not refuse a JVM that is ending a thread (ChurnIT refused 3 runs of
 * 20, HardeningIT's fifty threads once, for such a thread), and must still refuse one that blocks
 * it for good.
 */
class ExitingThreadPreflightTest {
  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("nobody").build();
  }

  @Test
  void aThreadOnItsWayOutIsWaitedForNotRefused() {
    Simulation kernel = machine();
    kernel.exitingThread("churn-0", 3);
    kernel.apply(policy());
    assertEquals("/srv/jail", kernel.model().root());
    assertTrue(kernel.model().pauses() >= 3, "preflight read it again until it was gone: " + kernel.model().pauses() + " pauses");
  }

  /** The control: a thread that blocks it and stays is refused, before anything is done. */
  @Test
  void controlAThreadThatStaysBlockingIsRefused() {
    Simulation kernel = machine();
    kernel.threadBlockingSetxid("signal-blocker");
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy()));
    assertTrue(e.report().has("setxid-signal-blocked"), e.getMessage());
    assertEquals("/", kernel.model().root());
    assertEquals(200, kernel.model().pauses(), "read again for 200 ms before refusing");
  }
}
