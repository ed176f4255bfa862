package dev.confine.testing;

import dev.confine.internal.SimulatedKernel;

/** For confine's own tests: the simulated kernel behind a {@link FakeKernel} (threads, seccomp programs, raw calls). */
public final class TestAccess {
  private TestAccess() {}

  public static SimulatedKernel simulated(FakeKernel kernel) {
    return kernel.simulated();
  }
}
