package dev.confine.internal;

import dev.confine.Syscall;
import dev.confine.VerificationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import jnr.constants.platform.Errno;

/**
 * Checks, after the drop, that it holds; OpenSSH's permanently_set_uid does the same and then
 * tries to regain root, which must fail.
 */
public final class Verifier {
  private Verifier() {}

  /**
   * Returns what was checked, one line each.
   *
   * @throws VerificationException on the first check that does not hold
   * @throws ErrnoException if a read of the state fails
   */
  public static List<String> verify(Kernel kernel, Identity identity) throws ErrnoException {
    List<String> checked = new ArrayList<>();
    Kernel.Ids uids = kernel.getresuid();
    if (!uids.allEqual(identity.uid)) {
      throw new VerificationException("getresuid() = " + uids + ", expected " + identity.uid + " three times");
    }
    checked.add("getresuid() = " + uids);
    Kernel.Ids gids = kernel.getresgid();
    if (!gids.allEqual(identity.gid)) {
      throw new VerificationException("getresgid() = " + gids + ", expected " + identity.gid + " three times");
    }
    checked.add("getresgid() = " + gids);
    List<Long> groups = kernel.getgroups();
    // The kernel keeps the group list sorted, so compare as sets of the same size.
    if (groups.size() != identity.groups.size() || !new HashSet<>(groups).equals(new HashSet<>(identity.groups))) {
      throw new VerificationException("getgroups() = " + groups + ", expected " + identity.groups);
    }
    checked.add("getgroups() = " + groups);
    expectDenied(Syscall.SETUID, () -> kernel.setuid(0));
    checked.add("setuid(0) fails with EPERM");
    expectDenied(Syscall.SETGID, () -> kernel.setgid(0));
    checked.add("setgid(0) fails with EPERM");
    String cwd = kernel.getcwd();
    if (!cwd.equals("/")) {
      throw new VerificationException("getcwd() = " + cwd + ", expected \"/\"");
    }
    checked.add("getcwd() = \"/\"");
    return checked;
  }

  private interface Call {
    void run() throws ErrnoException;
  }

  private static void expectDenied(Syscall syscall, Call call) {
    try {
      call.run();
    } catch (ErrnoException e) {
      if (e.is(Errno.EPERM)) {
        return;
      }
      throw new VerificationException(syscall.cName() + "(0) failed with " + e.errnoName() + ", expected EPERM");
    }
    throw new VerificationException(syscall.cName() + "(0) succeeded: this process can regain root");
  }
}
