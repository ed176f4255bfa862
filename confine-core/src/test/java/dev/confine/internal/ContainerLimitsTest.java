package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.ContainerView;
import dev.confine.internal.jvm.JvmFigures;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** apply() records the JVM's figures before chroot and once confined: the report's containerView(). */
class ContainerLimitsTest {
  private static final long GIB = 1L << 30;

  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").user("nobody", 65534, 65534);
  }

  /** The scene preflight reports as container-cpu-limit-lost: a v1 quota of one CPU, two CPUs allowed. */
  private static Simulation withCpuQuota(Simulation kernel) {
    return kernel
        .mount(new Mount("/sys/fs/cgroup/cpu", "cgroup", "cgroup", List.of("rw"), "/", List.of("rw", "cpu")))
        .text("/proc/self/cgroup", "1:cpu:/app\n")
        .text("/sys/fs/cgroup/cpu/app/cpu.cfs_quota_us", "100000\n")
        .text("/sys/fs/cgroup/cpu/app/cpu.cfs_period_us", "100000\n")
        .text("/proc/thread-self/status", "Cpus_allowed_list:\t0-1\n");
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("nobody").build();
  }

  /**
   * A JVM whose view changes when the kernel's root does, as the real one's does: 1 processor and
   * 1 GiB while "/" is the machine's, 2 and 24 GiB once chrooted. Records when each read was made.
   */
  private static final class ContainerJvm implements Confiner.JvmPreparer {
    final Simulation kernel;
    final List<Long> readAt = new ArrayList<>();
    final List<Long> waitsBeforeRead = new ArrayList<>();

    ContainerJvm(Simulation kernel) {
      this.kernel = kernel;
    }

    @Override
    public Map<String, Duration> prepare(PolicyView policy, NanoClock clock) {
      return Map.of();
    }

    @Override
    public JvmFigures figures(PolicyView policy) {
      readAt.add(System.nanoTime());
      waitsBeforeRead.add(waits());
      boolean confined = !kernel.model().root().equals("/");
      return new JvmFigures(confined ? 2 : 1, OptionalLong.of(confined ? 24 * GIB : GIB));
    }
  }

  /**
   * How often the calling thread has waited or parked so far (the JVM counts each parkNanos): a
   * wait shows here however fast or slow the machine is, where a clock can only bound its length.
   */
  private static long waits() {
    return ManagementFactory.getThreadMXBean().getThreadInfo(Thread.currentThread().getId()).getWaitedCount();
  }

  private static ConfinementReport apply(Kernel kernel, Confiner.JvmPreparer preparer) {
    return new Confiner(() -> kernel, new ApplyGuard(), status -> { throw new AssertionError("halted " + status); }, NanoClock.SYSTEM, preparer,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), summary -> {}).apply(Internal.get().viewOf(policy()));
  }

  @Test
  void theReportHoldsTheFiguresBeforeChrootAndAfter() {
    Simulation kernel = machine();
    ContainerJvm jvm = new ContainerJvm(kernel);
    ConfinementReport report = apply(kernel.model(), jvm);
    ContainerView view = report.containerView();
    assertEquals(ContainerView.of(1, 2, OptionalLong.of(GIB), OptionalLong.of(24 * GIB)), view);
    assertTrue(view.changed());
    assertEquals(2, jvm.readAt.size(), "one read before chroot, one after");
    assertTrue(report.toString().contains("container view: availableProcessors 1 -> 2, total memory 1073741824 -> 25769803776 bytes"),
        report.toString());
  }

  @Test
  void withACpuLimitAboutToBeLostTheReadAfterChrootWaitsOutHotSpotsCache() {
    // HotSpot answers from its container reading for 20 ms: read sooner after chroot, the count
    // would be the one from before. Where preflight saw the limit, apply() waits that long.
    Simulation kernel = withCpuQuota(machine());
    AtomicLong chrootAt = new AtomicLong();
    AtomicLong waitsAtChroot = new AtomicLong();
    Kernel timed = new ForwardingKernel(kernel.model()) {
      public void chroot(String path) throws ErrnoException {
        delegate.chroot(path);
        chrootAt.set(System.nanoTime());
        waitsAtChroot.set(waits());
      }
    }.kernel();
    ContainerJvm jvm = new ContainerJvm(kernel);
    ConfinementReport report = apply(timed, jvm);
    assertTrue(report.preflight().has("container-cpu-limit-lost"), report.toString());
    long waited = jvm.readAt.get(1) - chrootAt.get();
    assertTrue(waited >= 21_000_000L, "read " + waited / 1e6 + " ms after chroot");
    assertTrue(jvm.waitsBeforeRead.get(1) > waitsAtChroot.get(), "the thread parked between chroot and the read");
  }

  @Test
  void withoutSuchALimitTheReadAfterChrootDoesNotWait() {
    // The control: the same apply() without the quota reads without parking in between. Counted,
    // not timed: on a busy machine a read at once can still come 21 ms after chroot.
    Simulation kernel = machine();
    AtomicLong waitsAtChroot = new AtomicLong(-1);
    Kernel counted = new ForwardingKernel(kernel.model()) {
      public void chroot(String path) throws ErrnoException {
        delegate.chroot(path);
        waitsAtChroot.set(waits());
      }
    }.kernel();
    ContainerJvm jvm = new ContainerJvm(kernel);
    ConfinementReport report = apply(counted, jvm);
    assertFalse(report.preflight().has("container-cpu-limit-lost"), report.toString());
    assertTrue(waitsAtChroot.get() >= 0, "chroot was called");
    assertEquals(waitsAtChroot.get(), jvm.waitsBeforeRead.get(1), "the thread waited or parked between chroot and the read");
  }

  @Test
  void theSimulationsJvmIsNotConfinedAndItsViewDoesNotChange() {
    ConfinementReport report = machine().apply(policy());
    ContainerView view = report.containerView();
    assertEquals(Runtime.getRuntime().availableProcessors(), view.availableProcessorsBefore());
    assertEquals(view.availableProcessorsBefore(), view.availableProcessorsAfter());
    assertTrue(view.totalMemoryBefore().isPresent(), "MANAGEMENT is in the default set: " + view);
    assertFalse(view.changed(), view.toString());
  }

  @Test
  void withoutManagementTheMemoryIsNotRead() {
    ConfinementReport report = machine().apply(policy().toBuilder().prepareNothing().build());
    assertEquals(OptionalLong.empty(), report.containerView().totalMemoryBefore());
    assertEquals(OptionalLong.empty(), report.containerView().totalMemoryAfter());
    assertEquals(OptionalLong.empty(), JvmFigures.read(false).totalMemory);
    assertTrue(JvmFigures.read(true).totalMemory.isPresent(), "the control: this JVM has jdk.management");
  }
}
