package dev.confine;

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
  private Confinement() {}

  public static ConfinementPolicy.Builder builder() {
    return new ConfinementPolicy.Builder();
  }
}
