package dev.confine.testing;

import static java.util.Objects.requireNonNull;

import dev.confine.ConfinementException;
import dev.confine.Step;
import java.util.OptionalInt;

/**
 * What happened when one step of a policy's plan was made to fail on a {@link FakeKernel}: the
 * step, the errno injected, the exception {@code apply()} threw, and the exit status the process
 * would have halted with. Made by {@link PolicyAssertions#assertFailsClosedAtEveryStep}.
 */
public final class InjectedFailure {
  private final Step step;
  private final String errnoName;
  private final ConfinementException exception;
  private final OptionalInt haltStatus;
  private final FakeKernel kernel;

  InjectedFailure(Step step, String errnoName, ConfinementException exception, OptionalInt haltStatus, FakeKernel kernel) {
    this.step = requireNonNull(step, "step");
    this.errnoName = requireNonNull(errnoName, "errnoName");
    this.exception = requireNonNull(exception, "exception");
    this.haltStatus = requireNonNull(haltStatus, "haltStatus");
    this.kernel = requireNonNull(kernel, "kernel");
  }

  /** The step whose system call failed. */
  public Step step() {
    return step;
  }

  /** The errno the call failed with ("EPERM", ...). */
  public String errnoName() {
    return errnoName;
  }

  /** What {@code apply()} threw. */
  public ConfinementException exception() {
    return exception;
  }

  /** True if the failure came at or after chroot: the process must not go on. */
  public boolean pastPointOfNoReturn() {
    return exception.pastPointOfNoReturn();
  }

  /** The status the process would have halted with (71), if the policy halts on such failures. */
  public OptionalInt haltStatus() {
    return haltStatus;
  }

  /** The kernel after the failure, for further assertions. */
  public FakeKernel kernel() {
    return kernel;
  }

  @Override
  public String toString() {
    return step.call()
        + " failed with "
        + errnoName
        + ": "
        + (pastPointOfNoReturn() ? "past the point of no return" : "nothing irreversible done")
        + (haltStatus.isPresent() ? ", halt(" + haltStatus.getAsInt() + ")" : ", no halt");
  }
}
