package dev.confine;

import dev.confine.internal.ErrnoException;
import dev.confine.internal.Internal;
import dev.confine.internal.PolicyView;
import dev.confine.internal.ReportParts;
import dev.confine.internal.linux.Errno;
import java.util.List;

/** The API package's side of {@link Internal}: installed once, when {@link Confinement} loads. */
final class InternalAccess extends Internal {
  @Override
  public Step newStep(Syscall syscall, String purpose, boolean irreversible, Object... arguments) {
    return new Step(syscall, List.of(arguments), irreversible, purpose);
  }

  @Override
  public SyscallException newSyscallException(ErrnoException failure, String hint, boolean pastPointOfNoReturn) {
    return new SyscallException(
        failure.syscall(), failure.arguments(), failure.errno(), failure.errnoName(), Errno.text(failure.errno()), hint,
        pastPointOfNoReturn, failure.getCause());
  }

  @Override
  public ConfinementReport newReport(ReportParts parts) {
    return new ConfinementReport(parts);
  }

  @Override
  public PolicyView viewOf(ConfinementPolicy policy) {
    return policy.view();
  }
}
