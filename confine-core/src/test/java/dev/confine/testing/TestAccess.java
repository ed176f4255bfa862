package dev.confine.testing;

import dev.confine.testing.simulation.SimulatedKernel;

/** For confine's own tests: the model behind a {@link FakeKernel} (threads, seccomp programs, raw calls). */
public final class TestAccess {
  private TestAccess() {}

  @SuppressWarnings("exports") // test code only: the tests beside it are in the module and see internal
  public static SimulatedKernel simulated(FakeKernel kernel) {
    return kernel.simulated().model();
  }
}
