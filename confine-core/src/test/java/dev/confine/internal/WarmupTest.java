package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.confine.Confinement;
import dev.confine.Finding;
import dev.confine.testing.simulation.FaultyKernel;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** apply()'s warm-up thread (issue 28): it ends before preflight lists the threads, and a join keeps an interrupt. */
class WarmupTest {
  private static PolicyView policy() {
    return Internal.get().viewOf(Confinement.builder().root("/srv/jail").user("nobody").build());
  }

  private static List<String> liveWarmups() {
    List<String> live = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("confine-warmup") && t.isAlive()) {
        live.add(t.toString());
      }
    }
    return live;
  }

  @Test
  void endedWhenJoined() {
    assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "one processor: no warm-up thread is started");
    Thread warmup = Warmup.start(policy());
    assertNotNull(warmup);
    assertTrue(warmup.isDaemon());
    Warmup.join(warmup);
    assertFalse(warmup.isAlive());
    Warmup.join(warmup); // apply()'s finally joins again: returns at once
    Warmup.join(null); // one processor: nothing was started
  }

  @Test
  void whatEndedTheWarmupIsKept() {
    ExceptionInInitializerError broken = new ExceptionInInitializerError(new IllegalStateException("a static initializer failed"));
    Thread failed = Warmup.started(() -> {
      throw broken;
    });
    assertTrue(Warmup.join(failed));
    assertEquals(java.util.Optional.of(broken), Warmup.failure(failed));
    // Control: a warm-up that ended normally, and none at all.
    Thread fine = Warmup.started(() -> {});
    assertTrue(Warmup.join(fine));
    assertEquals(java.util.Optional.empty(), Warmup.failure(fine));
    assertEquals(java.util.Optional.empty(), Warmup.failure(null));
  }

  /**
   * On Java 17 a class whose initializer failed on the warm-up thread reaches apply()'s thread as
   * a NoClassDefFoundError that does not say why: apply() adds the warm-up's failure to its own.
   * Control: the same failure of apply() without a failed warm-up carries nothing.
   */
  @Test
  void applyAddsTheWarmupsFailureToItsOwn() {
    ExceptionInInitializerError broken = new ExceptionInInitializerError(new IllegalStateException("a static initializer failed"));
    NoClassDefFoundError bare = assertThrows(NoClassDefFoundError.class, () -> applyFailingInPreparation(() -> {
      throw broken;
    }));
    assertEquals(List.of(broken), List.of(bare.getSuppressed()));
    NoClassDefFoundError control = assertThrows(NoClassDefFoundError.class, () -> applyFailingInPreparation(() -> {}));
    assertEquals(0, control.getSuppressed().length);
  }

  private static void applyFailingInPreparation(Runnable warmup) {
    Simulation kernel = new Simulation().directory("/srv/jail").user("nobody", 65534, 65534);
    Confiner.JvmPreparer preparer = new Confiner.JvmPreparer() {
      @Override
      public Map<String, Duration> prepare(PolicyView policy, NanoClock clock) {
        throw new NoClassDefFoundError("Could not initialize class dev.confine.internal.Example");
      }

      @Override
      public Thread warmUp(PolicyView policy) {
        return Warmup.started(warmup);
      }
    };
    FaultyKernel faulty = new FaultyKernel(kernel.model());
    new Confiner(faulty::kernel, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, preparer,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), summary -> {}).apply(policy());
  }

  @Test
  void aJoinKeepsTheInterrupt() {
    assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "one processor: no warm-up thread is started");
    Thread warmup = Warmup.start(policy());
    Thread.currentThread().interrupt();
    try {
      Warmup.join(warmup);
      assertFalse(warmup.isAlive());
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
  }

  /**
   * The JVM preparer's findings are asked for by preflight, after the join: no warm-up thread is
   * alive there, though it pauses 300 ms at its end (without the join it would be). Control: by the
   * JVM preparations, before the join, this apply() had started one, still alive.
   */
  @Test
  void noWarmupThreadWhenPreflightBegins() {
    assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "one processor: no warm-up thread is started");
    Simulation kernel = new Simulation().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
    FaultyKernel faulty = new FaultyKernel(kernel.model());
    List<Long> startedByPrepare = new ArrayList<>();
    List<List<String>> liveAtPrepare = new ArrayList<>();
    List<List<String>> liveAtPreflight = new ArrayList<>();
    java.util.concurrent.atomic.AtomicLong started = new java.util.concurrent.atomic.AtomicLong();
    Confiner.JvmPreparer preparer = new Confiner.JvmPreparer() {
      // A warm-up that pauses 300 ms at its end, as a slow one would: without apply()'s join it
      // would still be alive when preflight begins.
      @Override
      public Thread warmUp(PolicyView policy) {
        started.incrementAndGet();
        Thread thread = new Thread(() -> java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L), "confine-warmup");
        thread.setDaemon(true);
        thread.start();
        return thread;
      }

      @Override
      public Map<String, Duration> prepare(PolicyView policy, NanoClock clock) {
        startedByPrepare.add(started.get());
        liveAtPrepare.add(liveWarmups());
        return Map.of();
      }

      @Override
      public List<Finding> findings(PolicyView policy) {
        liveAtPreflight.add(liveWarmups());
        return List.of();
      }
    };
    new Confiner(faulty::kernel, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, preparer,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), summary -> {})
        .apply(policy());
    assertEquals(List.of(1L), startedByPrepare);
    assertEquals(1, liveAtPrepare.get(0).size(), "the control: alive during the preparations");
    assertEquals(List.of(List.of()), liveAtPreflight);
  }

  /**
   * A warm-up that does not end is waited for only so long: join says it has not ended (apply()
   * then refuses before preflight, nothing done); control: the same thread, once let go, has.
   */
  @Test
  void aJoinIsBounded() {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread lingering = new Thread(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "confine-warmup");
    lingering.setDaemon(true);
    lingering.start();
    long start = System.nanoTime();
    assertFalse(Warmup.join(lingering, 200_000_000L));
    long waited = System.nanoTime() - start;
    assertTrue(waited >= 200_000_000L && waited < 5_000_000_000L, "waited " + waited + " ns");
    release.countDown();
    assertTrue(Warmup.join(lingering, 5_000_000_000L));
    assertTrue(Warmup.join(null, 0));
  }

  @Test
  void everyClassNamedForTheWarmupExists() throws ClassNotFoundException {
    // A renamed or removed class would leave its stale name to fail quietly on the warm-up thread.
    for (String name : Warmup.LATER_BY_NAME) {
      assertEquals(name, Class.forName(name, false, Warmup.class.getClassLoader()).getName());
    }
  }

  @Test
  void theReflectionShapesRun() throws ReflectiveOperationException {
    Warmup.Shapes.warm(); // throws if a member it reflects on was renamed
  }
}
