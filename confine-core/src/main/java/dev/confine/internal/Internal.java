package dev.confine.internal;

import dev.confine.Capability;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import java.util.Collection;

/**
 * The one way in from the internals to what the API package makes but does not offer its users
 * (constructors of reports, exceptions and steps), as okhttp 3's {@code Internal} does: the API
 * package installs its implementation once, when its classes load, and nothing else can.
 */
public abstract class Internal {
  // Written once, by dev.confine's static initialiser, before any internal code can ask for it.
  private static volatile Internal instance;

  protected Internal() {}

  /** Called by the API package, once. */
  public static void install(Internal access) {
    synchronized (Internal.class) {
      if (instance != null) {
        throw new IllegalStateException("the API's accessor is installed already");
      }
      instance = access;
    }
  }

  /** The accessor; loads the API package's classes first if nothing has yet. */
  public static Internal get() {
    Internal access = instance;
    if (access == null) {
      try {
        Class.forName("dev.confine.Confinement", true, Internal.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("dev.confine.Confinement is missing from confine-core", e);
      }
      access = instance;
    }
    return access;
  }

  public abstract Step newStep(Syscall syscall, String purpose, boolean irreversible, Object... arguments);

  /** {@code failure} as the public exception, with a hint at its cause. */
  public abstract SyscallException newSyscallException(ErrnoException failure, String hint, boolean pastPointOfNoReturn);

  /** Called by {@link ReportParts#build()}. */
  public abstract ConfinementReport newReport(ReportParts parts);

  /**
   * What the internals read of {@code policy}. For the entry points that start from a policy
   * object outside {@code ConfinementPolicy} itself: confine's own tests and the test kit.
   */
  public abstract PolicyView viewOf(ConfinementPolicy policy);

  /** The capset(2) mask of these capabilities. */
  public static long maskOf(Collection<Capability> capabilities) {
    long mask = 0;
    for (Capability capability : capabilities) {
      mask |= capability.mask();
    }
    return mask;
  }
}
