package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.PreflightException;
import dev.confine.Syscall;
import dev.confine.testing.simulation.FaultyKernel;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where apply() holds the termination signals (SignalHold, issue 26): once per apply() that gets
 * past preflight, before chroot, with every id still root; never for a refusal by preflight (it
 * changes nothing, and a signal then acts as it always did).
 */
class SignalHoldPlacementTest {
  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
  }

  /** A terminator that records, at each hold, the process's root and the calls made so far. */
  private static final class Recording implements Terminator {
    final List<String> holds = new ArrayList<>();
    int halted = -1;
    private final Simulation kernel;
    private final FaultyKernel calls;

    Recording(Simulation kernel, FaultyKernel calls) {
      this.kernel = kernel;
      this.calls = calls;
    }

    @Override
    public void halt(int status) {
      halted = status;
    }

    @Override
    public SignalHold holdSignals() {
      boolean chrooted = calls.calls().stream().anyMatch(c -> c.syscall == Syscall.CHROOT);
      holds.add("root " + kernel.model().root() + ", uids " + kernel.model().uids().allEqual(0) + ", chroot made " + chrooted);
      return SignalHold.NONE;
    }
  }

  private static Confiner confiner(FaultyKernel kernel, Terminator terminator) {
    return new Confiner(kernel::kernel, new ApplyGuard(), terminator, NanoClock.SYSTEM, (p, c) -> Map.of(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), summary -> {});
  }

  @Test
  void heldOnceBeforeChrootWhileRoot() {
    Simulation kernel = machine();
    FaultyKernel faulty = new FaultyKernel(kernel.model());
    Recording terminator = new Recording(kernel, faulty);
    confiner(faulty, terminator).apply(Internal.get().viewOf(Confinement.builder().root("/srv/jail").user("nobody").build()));
    assertEquals(List.of("root /, uids true, chroot made false"), terminator.holds);
    assertEquals("/srv/jail", kernel.model().root());
  }

  @Test
  void heldAlsoWhenTheSequenceFailsPastChroot() {
    Simulation kernel = machine();
    FaultyKernel faulty = new FaultyKernel(kernel.model());
    faulty.failNext(Syscall.SETRESUID, "EAGAIN");
    Recording terminator = new Recording(kernel, faulty);
    assertThrows(ConfinementException.class,
        () -> confiner(faulty, terminator).apply(Internal.get().viewOf(Confinement.builder().root("/srv/jail").user("nobody").build())));
    assertEquals(List.of("root /, uids true, chroot made false"), terminator.holds);
    assertEquals(71, terminator.halted);
  }

  /** The control: a refusal by preflight comes before the hold. */
  @Test
  void notHeldForARefusalByPreflight() {
    Simulation kernel = machine();
    kernel.threadBlockingSetxid("signal-blocker");
    FaultyKernel faulty = new FaultyKernel(kernel.model());
    Recording terminator = new Recording(kernel, faulty);
    assertThrows(PreflightException.class,
        () -> confiner(faulty, terminator).apply(Internal.get().viewOf(Confinement.builder().root("/srv/jail").user("nobody").build())));
    assertEquals(List.of(), terminator.holds);
  }
}
