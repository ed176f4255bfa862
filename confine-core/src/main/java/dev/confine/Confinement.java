package dev.confine;

import dev.confine.internal.Confiner;

/**
 * Entry point: describe the confinement with a builder, then apply it once, at startup, after
 * binding privileged ports and opening what the daemon needs from outside its jail.
 *
 * <pre>{@code
 * ConfinementReport report = Confinement.builder()
 *     .root(Path.of("/srv/myd/jail"))
 *     .user("nobody")
 *     .openSyslogFirst()
 *     .build()      // an immutable ConfinementPolicy; no system calls
 *     .apply();     // chdir, chroot, chdir "/", setgroups, setresgid, setresuid, verify
 * }</pre>
 */
public final class Confinement {
  static {
    // The internals make reports, exceptions and steps through this one accessor (see Internal).
    dev.confine.internal.Internal.install(new InternalAccess());
  }

  private Confinement() {}

  public static ConfinementPolicy.Builder builder() {
    return new ConfinementPolicy.Builder();
  }

  /**
   * The ids this process holds now, read from the kernel; works inside the jail, where /proc is
   * not mounted.
   *
   * @throws SyscallException if the kernel refuses to say
   */
  public static Credentials currentCredentials() {
    return Confiner.system().credentials();
  }
}
