package dev.confine.internal;

import dev.confine.ConfinementException;
import java.util.List;
import java.util.Optional;

/** The numeric identity a policy asks for, looked up while /etc is still visible. */
public final class Identity {
  public final Optional<String> userName;
  public final long uid;
  public final long gid;
  public final List<Long> groups;

  public Identity(Optional<String> userName, long uid, long gid, List<Long> groups) {
    this.userName = userName;
    this.uid = uid;
    this.gid = gid;
    this.groups = List.copyOf(groups);
  }

  /**
   * Resolves the user (getpwnam_r or getpwuid_r) and the primary group when none was given.
   *
   * @throws ConfinementException for an unknown user, a uid without passwd entry and no group,
   *     or a user whose uid or primary gid is 0
   */
  public static Identity resolve(PolicyView policy, Kernel kernel) {
    Optional<PasswdEntry> entry;
    try {
      entry =
          policy.userName().isPresent()
              ? kernel.getpwnam(policy.userName().get())
              : kernel.getpwuid(policy.uid().getAsLong());
    } catch (ErrnoException e) {
      throw e.toSyscallException("the passwd database (nsswitch.conf) could not be read", false);
    }
    long uid;
    Optional<String> name;
    if (policy.userName().isPresent()) {
      // isPresent()/get() rather than orElseThrow with a lambda: apply()'s cold path spins a class per lambda.
      if (entry.isEmpty()) {
        throw new ConfinementException(
            "no user named \"" + policy.userName().get() + "\" in the passwd database; create it or give a uid");
      }
      PasswdEntry found = entry.get();
      uid = found.uid;
      name = Optional.of(found.name);
      if (uid == 0) {
        throw new ConfinementException(
            "user \"" + found.name + "\" has uid 0: confining to it would keep root");
      }
    } else {
      uid = policy.uid().getAsLong();
      name = entry.map(e -> e.name);
    }
    long gid;
    if (policy.gid().isPresent()) {
      gid = policy.gid().getAsLong();
    } else {
      if (entry.isEmpty()) {
        throw new ConfinementException(
            "uid " + uid + " has no passwd entry, so it has no primary group: give group(gid) explicitly");
      }
      PasswdEntry found = entry.get();
      gid = found.gid;
      if (gid == 0) {
        throw new ConfinementException(
            "the primary group of \"" + found.name + "\" is gid 0 (root): give another group with group(gid)");
      }
    }
    // (uid_t) -1 in a passwd entry is "leave unchanged" to setresuid(2) and setresgid(2): the drop
    // would change nothing, and only the verification after chroot would notice.
    if (uid > PolicyView.MAX_ID) {
      throw new ConfinementException(
          "user \"" + name.orElse(String.valueOf(uid)) + "\" has uid " + uid + ", which setresuid(2) reads as -1, \"leave unchanged\": confining to it would keep root");
    }
    if (gid > PolicyView.MAX_ID) {
      throw new ConfinementException(
          "the primary group of \"" + name.orElse(String.valueOf(uid)) + "\" is gid " + gid + ", which setresgid(2) reads as -1, \"leave unchanged\": give another group with group(gid)");
    }
    return new Identity(name, uid, gid, policy.supplementaryGroups());
  }

  @Override
  public String toString() {
    return "uid=" + uid + userName.map(n -> "(" + n + ")").orElse("") + " gid=" + gid + " groups=" + groups;
  }
}
