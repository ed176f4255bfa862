package dev.confine.internal.preflight;

import dev.confine.Finding;
import dev.confine.internal.ErrnoException;
import java.util.List;

/** One independent check; reads the process and the jail, changes nothing, adds findings. */
@FunctionalInterface
public interface PreflightCheck {
  void check(PreflightContext context, List<Finding> findings) throws ErrnoException;
}
