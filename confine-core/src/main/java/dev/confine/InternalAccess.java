package dev.confine;

import dev.confine.internal.Internal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The API package's side of {@link Internal}: installed once, when {@link Confinement} loads. */
final class InternalAccess extends Internal {
  @Override
  public Step newStep(Syscall syscall, String purpose, boolean irreversible, Object... arguments) {
    return new Step(syscall, List.of(arguments), irreversible, purpose);
  }

  @Override
  public SyscallException newSyscallException(
      Syscall syscall, List<String> arguments, int errno, String errnoName, String errnoText, String hint, boolean pastPointOfNoReturn,
      Throwable cause) {
    return new SyscallException(syscall, arguments, errno, errnoName, errnoText, hint, pastPointOfNoReturn, cause);
  }

  @Override
  public ConfinementReport newReport(
      Path root, Optional<String> userName, long uid, long gid, List<Long> groups, List<Step> steps, List<String> verifications,
      PreflightReport preflight, Map<Phase, Duration> phases, Map<String, Duration> preparations, List<String> notes,
      ContainerView containerView, Optional<Syslog> syslog, Optional<ServiceNotifier> serviceNotifier, List<Duration> stepTimes) {
    return new ConfinementReport(
        root, userName, uid, gid, groups, steps, verifications, preflight, phases, preparations, notes, containerView, syslog, serviceNotifier, stepTimes);
  }
}
