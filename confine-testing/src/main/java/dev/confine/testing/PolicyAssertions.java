package dev.confine.testing;

import static java.util.Objects.requireNonNull;

import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.FailureMode;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.internal.Capabilities;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.OpenFile;
import dev.confine.testing.simulation.FaultyKernel;
import dev.confine.testing.simulation.SimulatedKernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Assertions for a daemon's own unit tests of its confinement policy: no root, no real chroot,
 * no test framework needed. Each method throws {@link AssertionError} with what it saw, so it
 * reads as a failed assertion under JUnit, TestNG or a plain {@code main}, and returns what it
 * checked so a test can go on asserting.
 *
 * <pre>{@code
 * ConfinementPolicy policy = MyDaemon.confinementPolicy();
 * PolicyAssertions.assertPlan(policy, CHROOT, SETGROUPS, SETRESGID, SETRESUID); // in this order, others between
 * PolicyAssertions.assertConfines(machine(), policy);
 * PolicyAssertions.assertFailsClosedAtEveryStep(policy, MyDaemonTest::machine);
 * }</pre>
 */
public final class PolicyAssertions {
  private PolicyAssertions() {}

  /**
   * Asserts that {@code policy.plan()} makes these system calls in this order, others possibly
   * between them, and returns the plan: a daemon's test names the steps that matter to it, and a
   * hardening step added to confine later does not break it. Fails on a missing step or a wrong
   * order, naming both lists.
   */
  public static List<Step> assertPlan(ConfinementPolicy policy, Syscall first, Syscall... more) {
    requireNonNull(policy, "policy");
    List<Syscall> expected = list(first, more);
    List<Step> plan = policy.plan();
    List<Syscall> actual = plan.stream().map(Step::syscall).collect(Collectors.toList());
    int at = 0;
    for (Syscall syscall : actual) {
      if (at < expected.size() && syscall == expected.get(at)) {
        at++;
      }
    }
    if (at < expected.size()) {
      throw new AssertionError(
          "plan makes " + actual + ", which does not contain " + expected + " in this order (" + expected.get(at)
              + " is missing after " + expected.subList(0, at) + "):\n" + render(plan));
    }
    return plan;
  }

  /** Asserts that {@code policy.plan()} makes exactly these system calls, in this order, and nothing else. */
  public static List<Step> assertExactPlan(ConfinementPolicy policy, Syscall first, Syscall... more) {
    requireNonNull(policy, "policy");
    List<Syscall> expected = list(first, more);
    List<Step> plan = policy.plan();
    List<Syscall> actual = plan.stream().map(Step::syscall).collect(Collectors.toList());
    if (!actual.equals(expected)) {
      throw new AssertionError("plan makes " + actual + ", expected exactly " + expected + ":\n" + render(plan));
    }
    return plan;
  }

  private static List<Syscall> list(Syscall first, Syscall... more) {
    requireNonNull(more, "more");
    List<Syscall> all = new ArrayList<>();
    all.add(requireNonNull(first, "first"));
    for (Syscall syscall : more) {
      all.add(requireNonNull(syscall, "syscall"));
    }
    return all;
  }

  /**
   * Applies the policy to the kernel and asserts, from the kernel's side, that the process ended
   * confined: its root and working directory are the policy's root; real, effective and saved
   * uid and gid are the ones the report names; the groups are the policy's; no capability is
   * left in any thread (but the policy's kept ones, in the calling thread only); no_new_privs in
   * every thread unless the policy allows new privileges; no descriptor of a directory is open; and setuid(0) now fails with EPERM.
   *
   * @return the report apply() returned
   */
  public static ConfinementReport assertConfines(FakeKernel kernel, ConfinementPolicy policy) {
    requireNonNull(kernel, "kernel");
    requireNonNull(policy, "policy");
    ConfinementReport report;
    try {
      report = kernel.apply(policy);
    } catch (RuntimeException e) {
      AssertionError failure = new AssertionError("apply() failed on " + kernel + ": " + e + "\ncalls:\n" + String.join("\n", kernel.calls()));
      failure.initCause(e);
      throw failure;
    }
    List<String> problems = new ArrayList<>();
    String root = policy.root().toString();
    if (!kernel.root().equals(root)) {
      problems.add("root is " + kernel.root() + ", expected " + root);
    }
    if (!kernel.workingDirectory().equals(root)) {
      problems.add("working directory is " + kernel.workingDirectory() + " (outside the new \"/\"), expected " + root);
    }
    List<Long> uids = List.of(report.uid(), report.uid(), report.uid());
    if (!kernel.uids().equals(uids)) {
      problems.add("real, effective, saved uid are " + kernel.uids() + ", expected " + report.uid() + " three times");
    }
    List<Long> gids = List.of(report.gid(), report.gid(), report.gid());
    if (!kernel.gids().equals(gids)) {
      problems.add("real, effective, saved gid are " + kernel.gids() + ", expected " + report.gid() + " three times");
    }
    List<Long> expectedGroups = policy.supplementaryGroups().stream().sorted().collect(Collectors.toList());
    if (!kernel.groups().equals(expectedGroups)) {
      problems.add("groups are " + kernel.groups() + ", expected " + expectedGroups);
    }
    long kept = dev.confine.internal.Internal.maskOf(policy.keptCapabilities());
    SimulatedKernel simulated = kernel.simulated().model();
    Capabilities capabilities = simulated.capabilities();
    if (capabilities.permitted != kept || capabilities.effective != kept) {
      problems.add("capabilities left: " + capabilities + (kept == 0 ? "" : String.format(", expected only %x (kept)", kept)));
    }
    for (dev.confine.internal.linux.ThreadStatus t : simulated.threads()) {
      long allowed = t.tid == simulated.threadId() ? kept : 0;
      if (t.capPrm != allowed || t.capEff != allowed || t.capInh != 0 || t.capAmb != 0) {
        problems.add("thread " + t.tid + " " + t.name + " holds capabilities: " + t);
      }
      if (policy.noNewPrivileges() && t.noNewPrivs != 1) {
        problems.add("thread " + t.tid + " " + t.name + " has no no_new_privs: a setuid program exec'd from it runs privileged");
      }
    }
    for (OpenFile open : simulated.openFiles()) {
      if (open.directory) {
        problems.add("descriptor " + open.fd + " is open on the directory " + open.target + " (an fchdir escape)");
      }
    }
    try {
      simulated.setuid(0);
      problems.add("setuid(0) succeeded: root can be regained");
    } catch (ErrnoException e) {
      if (!e.errnoName().equals("EPERM")) {
        problems.add("setuid(0) failed with " + e.errnoName() + ", expected EPERM");
      }
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("not confined after apply():\n  " + String.join("\n  ", problems) + "\ncalls:\n" + String.join("\n", kernel.calls()));
    }
    return report;
  }

  /** {@link #assertFailsClosedAtEveryStep(ConfinementPolicy, Supplier, String)} with EPERM. */
  public static List<InjectedFailure> assertFailsClosedAtEveryStep(ConfinementPolicy policy, Supplier<FakeKernel> machine) {
    return assertFailsClosedAtEveryStep(policy, machine, "EPERM");
  }

  /**
   * For each step of the plan that can fail, applies the policy to a fresh kernel from
   * {@code machine} with that step's call failing with {@code errnoName}, and asserts that the
   * daemon fails closed: up to and including a failing chroot, apply() throws with {@code pastPointOfNoReturn() ==
   * false}, and the process is unchanged (still its old ids and root, no descriptor left open);
   * once chroot has succeeded, apply() throws with {@code pastPointOfNoReturn() == true} and, unless the
   * policy says {@link FailureMode#THROW}, the process halts with status 71.
   *
   * <p>Steps whose call cannot fail (umask(2), openlog(3): those the kernel seam declares so) are left out.
   *
   * @param machine makes a new kernel set up as the daemon's machine, each time it is called
   * @return one outcome per step that was made to fail, in plan order
   */
  public static List<InjectedFailure> assertFailsClosedAtEveryStep(
      ConfinementPolicy policy, Supplier<FakeKernel> machine, String errnoName) {
    requireNonNull(policy, "policy");
    requireNonNull(machine, "machine");
    requireNonNull(errnoName, "errnoName");
    List<Step> plan = policy.plan();
    List<InjectedFailure> outcomes = new ArrayList<>();
    boolean irreversibleBefore = false;
    for (Step step : plan) {
      boolean pastPointOfNoReturn = irreversibleBefore;
      irreversibleBefore |= step.irreversible();
      if (!FaultyKernel.canFail(step.syscall())) {
        continue;
      }
      FakeKernel kernel = requireNonNull(machine.get(), "machine.get()");
      List<Long> uidsBefore = kernel.uids();
      String rootBefore = kernel.root();
      Map<Integer, String> descriptorsBefore = kernel.descriptors();
      kernel.failNext(step.syscall(), errnoName);
      ConfinementException thrown;
      try {
        kernel.apply(policy);
        throw new AssertionError(
            step.call() + " was made to fail with " + errnoName + " but apply() returned normally\ncalls:\n" + String.join("\n", kernel.calls()));
      } catch (ConfinementException e) {
        thrown = e;
      }
      String where = step.call() + " failing with " + errnoName + ": ";
      if (kernel.simulated().recordedCalls().stream().noneMatch(c -> c.syscall == step.syscall() && c.injected)) {
        throw new AssertionError(where + "apply() failed before reaching it: " + thrown + "\ncalls:\n" + String.join("\n", kernel.calls()));
      }
      // A step that fails leaves nothing done by itself: the point of no return is passed once an
      // irreversible step (chroot) has succeeded.
      boolean mustBePast = pastPointOfNoReturn;
      if (thrown.pastPointOfNoReturn() != mustBePast) {
        throw new AssertionError(where + "pastPointOfNoReturn() is " + thrown.pastPointOfNoReturn() + ", expected " + mustBePast, thrown);
      }
      OptionalInt halt = kernel.haltStatus();
      if (mustBePast) {
        OptionalInt expected = policy.failureMode() == FailureMode.HALT ? OptionalInt.of(FailureMode.HALT_STATUS) : OptionalInt.empty();
        if (!halt.equals(expected)) {
          throw new AssertionError(where + "halt status " + halt + ", expected " + expected, thrown);
        }
      } else {
        List<String> changed = new ArrayList<>();
        if (halt.isPresent()) {
          changed.add("halted with " + halt.getAsInt() + " though nothing irreversible was done");
        }
        if (!kernel.uids().equals(uidsBefore)) {
          changed.add("uids went from " + uidsBefore + " to " + kernel.uids());
        }
        if (!kernel.root().equals(rootBefore)) {
          changed.add("root went from " + rootBefore + " to " + kernel.root());
        }
        if (!kernel.descriptors().equals(descriptorsBefore)) {
          changed.add("descriptors went from " + descriptorsBefore + " to " + kernel.descriptors());
        }
        if (!changed.isEmpty()) {
          throw new AssertionError(where + "failed before chroot but left the process changed: " + String.join("; ", changed), thrown);
        }
      }
      outcomes.add(new InjectedFailure(step, errnoName, thrown, halt, kernel));
    }
    return List.copyOf(outcomes);
  }

  private static String render(List<Step> plan) {
    return plan.stream().map(s -> "  " + s.call()).collect(Collectors.joining("\n"));
  }
}
