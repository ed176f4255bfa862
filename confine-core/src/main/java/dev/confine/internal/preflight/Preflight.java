package dev.confine.internal.preflight;

import dev.confine.Finding;
import dev.confine.internal.PolicyView;
import dev.confine.PreflightReport;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.FileStatus;
import dev.confine.internal.Identity;
import dev.confine.internal.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** Runs every check and sums their findings. */
public final class Preflight {
  /** The finding of a CPU limit the JVM honours now and will lose in the jail: apply() then reads the count after chroot with care. */
  public static final String CPU_LIMIT_LOST = ContainerChecks.CPU_LOST;

  private Preflight() {}

  /** The report, and the root's identity as it was checked (for the open step to compare). */
  public static final class Result {
    public final PreflightReport report;
    public final Optional<FileStatus> root;

    Result(PreflightReport report, Optional<FileStatus> root) {
      this.report = report;
      this.root = root;
    }
  }

  /**
   * The open-directory check alone, again (with refuseInheritedDescriptors(), the inherited
   * descriptors too, from the same listing): apply() runs it right before chroot, after the JVM
   * preparations and the caller's hooks, while a refusal still leaves the process as it was.
   */
  public static PreflightReport descriptorsAgain(PolicyView policy, Optional<Identity> identity, Kernel kernel, Optional<FileStatus> root)
      throws ErrnoException {
    List<Finding> findings = new ArrayList<>();
    PreflightContext context = new PreflightContext(policy, identity, kernel, root);
    ProcessChecks.openDirectories(context, findings);
    ProcessChecks.ioUringRings(context, findings);
    if (policy.inheritedDescriptorsRefused()) {
      // Only where they refuse: as WARNINGs they were said once, in preflight's report.
      ProcessChecks.inheritedDescriptors(context, findings);
    }
    return new PreflightReport(findings);
  }

  public static Result run(PolicyView policy, Optional<Identity> identity, Kernel kernel, List<Finding> earlier)
      throws ErrnoException {
    return run(policy, identity, kernel, earlier, List::of);
  }

  /** {@code jvmArguments}: the JVM's input arguments, asked for only if a check needs them. */
  public static Result run(
      PolicyView policy, Optional<Identity> identity, Kernel kernel, List<Finding> earlier, Supplier<List<String>> jvmArguments)
      throws ErrnoException {
    Optional<FileStatus> root = kernel.lstat(policy.root().toString());
    PreflightContext context = new PreflightContext(policy, identity, kernel, root, jvmArguments);
    List<Finding> findings = new ArrayList<>(earlier);
    runChecks(context, findings);
    return new Result(new PreflightReport(findings), root);
  }

  /**
   * Every check, in this order. Direct calls rather than a list of method references: each
   * reference spins a class of its own at its first use, 18 of them on apply()'s cold path.
   */
  private static void runChecks(PreflightContext context, List<Finding> findings) throws ErrnoException {
    ProcessChecks.privileges(context, findings);
    ProcessChecks.openDirectories(context, findings);
    ProcessChecks.launchState(context, findings);
    ProcessChecks.workingDirectory(context, findings);
    ProcessChecks.targetIdentity(context, findings);
    ProcessChecks.sharedUid(context, findings);
    FilterChecks.baseline(context, findings);
    JailChecks.rootIsDirectory(context, findings);
    JailChecks.pathComponents(context, findings);
    JailChecks.mounts(context, findings);
    JailChecks.contents(context, findings);
    JailChecks.allowedPathsExist(context, findings);
    JailChecks.nameLookupFiles(context, findings);
    SyslogChecks.socket(context, findings);
    ContainerChecks.limits(context, findings);
    // Last: each reads every descriptor that is not a directory, after the checks above.
    ProcessChecks.inheritedDescriptors(context, findings);
    ProcessChecks.ioUringRings(context, findings);
    ProcessChecks.terminal(context, findings);
  }
}
