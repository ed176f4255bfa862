package dev.confine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ServiceNotifier;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test kit as a daemon's own test uses it for systemd's notification: public types only. */
class FakeKernelNotifyTest {
  private static final String NOTIFY = "/run/systemd/notify";

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("nobody").build();
  }

  private static FakeKernel underSystemd() {
    return new FakeKernel().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534)
        .environment("NOTIFY_SOCKET", NOTIFY).datagramReceiver(NOTIFY);
  }

  @Test
  void aDaemonsReadyArrivesFromTheTargetUid() {
    FakeKernel kernel = underSystemd();
    ServiceNotifier notifier = kernel.apply(policy()).serviceNotifier().orElseThrow();
    notifier.ready();
    assertEquals(
        List.of(
            "pid 100 uid 65534 gid 65534 -> /run/systemd/notify: STATUS=confined to /srv/jail as uid 65534 gid 65534",
            "pid 100 uid 65534 gid 65534 -> /run/systemd/notify: READY=1"),
        kernel.datagrams());
    assertTrue(kernel.syscallsMade().indexOf(Syscall.CONNECT) < kernel.syscallsMade().indexOf(Syscall.CHROOT), kernel.calls().toString());
  }

  @Test
  void controlWithoutTheVariableThereIsNoNotifier() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534).datagramReceiver(NOTIFY);
    assertTrue(kernel.apply(policy()).serviceNotifier().isEmpty());
    assertEquals(List.of(), kernel.datagrams());
  }

  @Test
  void aReceiverThatClosesMakesTheNextSendFail() {
    FakeKernel kernel = underSystemd();
    ServiceNotifier notifier = kernel.apply(policy()).serviceNotifier().orElseThrow();
    kernel.receiverCloses(NOTIFY);
    SyscallException e = assertThrows(SyscallException.class, notifier::ready);
    assertEquals("ECONNREFUSED", e.errnoName());
  }
}
