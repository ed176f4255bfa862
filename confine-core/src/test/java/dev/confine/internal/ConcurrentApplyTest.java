package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** apply() from a second thread while the first is inside it: refused at once, touching nothing. */
class ConcurrentApplyTest {
  @Test
  void aSecondThreadIsRefusedWhileTheFirstIsInsideApply() throws Exception {
    Simulation fake = new Simulation().directory("/srv/jail").user("nobody", 65534, 65534);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Kernel kernel =
        new ForwardingKernel(fake.model()) {
          public Kernel.Ids getresuid() throws ErrnoException {
            if (inside.getCount() > 0) {
              inside.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return fake.model().getresuid();
          }
        }.kernel();
    Confiner confiner =
        new Confiner(() -> kernel, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, (p, c) -> Map.of(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), summary -> {});
    ConfinementPolicy policy = Confinement.builder().root("/srv/jail").user("nobody").build();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    Thread first =
        new Thread(
            () -> {
              try {
                confiner.apply(Internal.get().viewOf(policy));
              } catch (Throwable t) {
                firstFailure.set(t);
              }
            });
    first.start();
    assertTrue(inside.await(30, TimeUnit.SECONDS), "the first apply() reached the kernel");
    int callsBefore = fake.calls().size();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> confiner.apply(Internal.get().viewOf(policy)));
    assertTrue(e.getMessage().contains("already running"), e.getMessage());
    assertEquals(callsBefore, fake.calls().size(), "the refused call made no system call");
    release.countDown();
    first.join(30_000);
    assertEquals(null, firstFailure.get());
    assertEquals("/srv/jail", fake.model().root());
    assertTrue(fake.model().uids().allEqual(65534));
    IllegalStateException after = assertThrows(IllegalStateException.class, () -> confiner.apply(Internal.get().viewOf(policy)));
    assertTrue(after.getMessage().contains("already confined"), after.getMessage());
  }
}
