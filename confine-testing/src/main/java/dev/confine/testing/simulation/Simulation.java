package dev.confine.testing.simulation;

import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.PreflightReport;
import dev.confine.Syscall;
import dev.confine.internal.ApplyGuard;
import dev.confine.internal.Confiner;
import dev.confine.internal.Internal;
import dev.confine.internal.NanoClock;
import dev.confine.internal.jvm.JvmPreparations;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The harness: runs confine's real {@link Confiner} against a {@link SimulatedKernel} through a
 * {@link FaultyKernel} (where failures are armed and every call is recorded), with its own
 * once-per-process guard, a halt recorded instead of done, and stderr kept. What a test reads
 * afterwards is here for the run ({@link #calls()}, {@link #haltStatus()}, {@link #stderr()}) and
 * in {@link #model()} for the machine's state (root, ids, threads, descriptors). The scene is set
 * with the methods it inherits from {@link Scene}, before or while confine runs. This is the one
 * class of the simulation that stands above {@code Confiner}; the model below it knows nothing of
 * confine. Not thread-safe: one test, one simulation.
 */
public final class Simulation extends Scene<Simulation> {
  private final ApplyGuard guard = new ApplyGuard();
  /** Every call confine makes goes through it: failures armed there, calls recorded there. */
  private final FaultyKernel faulty;
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  /** Once glibc has aborted the process (failNextInThread), nothing more reaches stderr. */
  private final java.io.OutputStream stderrUntilAbort =
      new java.io.OutputStream() {
        @Override
        public void write(int b) {
          if (!model.aborted) {
            stderr.write(b);
          }
        }

        @Override
        public void write(byte[] b, int off, int len) {
          if (!model.aborted) {
            stderr.write(b, off, len);
          }
        }
      };
  private OptionalInt haltStatus = OptionalInt.empty();

  /** A machine as {@link SimulatedKernel#SimulatedKernel()} starts it: root, "/" and its cwd. */
  public Simulation() {
    super(new SimulatedKernel());
    this.faulty = new FaultyKernel(model);
  }

  @Override
  Simulation self() {
    return this;
  }

  /** The machine: its state now, and the kernel calls a test may make on it directly. */
  public SimulatedKernel model() {
    return model;
  }

  /**
   * The next call of {@code syscall} fails with the named errno ("EPERM", "EIO", ...): armed in
   * the {@link FaultyKernel} that {@link #apply} and {@link #check} run confine against.
   *
   * @throws IllegalArgumentException for a call that cannot fail (umask, openlog)
   */
  public Simulation failNext(Syscall syscall, String errnoName) {
    faulty.failNext(syscall, errnoName);
    return this;
  }

  /**
   * Runs {@code policy.apply()} against the model instead of the real kernel. The JVM is not
   * prepared (the preparations are named in the report with zero time); a failure past the point
   * of no return is recorded as a halt (see {@link #haltStatus()}) and thrown.
   */
  public ConfinementReport apply(ConfinementPolicy policy) {
    try {
      return confiner().apply(Internal.get().viewOf(policy));
    } finally {
      requireAllReached("apply()");
    }
  }

  /** Runs {@code policy.check()} against the model. */
  public PreflightReport check(ConfinementPolicy policy) {
    try {
      return confiner().check(Internal.get().viewOf(policy));
    } finally {
      requireAllReached("check()");
    }
  }

  /** A failure armed but never reached would let a test pass while nothing failed: say so. */
  private void requireAllReached(String what) {
    List<String> left = new ArrayList<>(faulty.unreached());
    if (model.oneThreadFailure != null) {
      left.add(model.oneThreadFailure.syscall + " in thread " + model.oneThreadFailure.tid + " only");
      model.oneThreadFailure = null;
    }
    if (!left.isEmpty()) {
      throw new AssertionError(
          "failNext(" + String.join("), failNext(", left) + ") was armed, but " + what + " never reached such a call (it failed before"
              + " reaching it, or makes no such call): nothing was made to fail; calls:\n  " + String.join("\n  ", calls()));
    }
  }

  /** Every call confine made, typed, in order. */
  public List<FaultyKernel.Call> recordedCalls() {
    return faulty.calls();
  }

  private Confiner confiner() {
    return new Confiner(
        faulty::kernel,
        guard,
        status -> {
          if (!model.aborted) { // glibc's abort came first: nothing of the process ran after it
            haltStatus = OptionalInt.of(status);
          }
        },
        NanoClock.SYSTEM,
        (policy, clock) -> JvmPreparations.unprepared(policy),
        new PrintStream(stderrUntilAbort, true, StandardCharsets.UTF_8),
        summary -> {}); // nothing was confined: no "confined to ..." line in a daemon's test logs
  }

  /** Every call made, in order, with its result, as strace prints it: {@code chroot(".") = 0}. */
  public List<String> calls() {
    List<String> rendered = new ArrayList<>();
    for (FaultyKernel.Call call : faulty.calls()) {
      rendered.add(call.toString());
    }
    return rendered;
  }

  /** The exit status the process would have halted with, if it would have. */
  public OptionalInt haltStatus() {
    return model.aborted ? OptionalInt.of(dev.confine.testing.ProcessAborted.STATUS) : haltStatus;
  }

  /** What confine wrote to standard error. */
  public String stderr() {
    return stderr.toString(StandardCharsets.UTF_8);
  }
}
