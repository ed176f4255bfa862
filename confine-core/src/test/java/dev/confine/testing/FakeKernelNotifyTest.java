package dev.confine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ServiceNotifier;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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

  @Test
  void notifiersOnSeveralThreadsLoseNoDatagramWhileTheTestReads() throws Exception {
    FakeKernel kernel = underSystemd();
    ServiceNotifier notifier = kernel.apply(policy()).serviceNotifier().orElseThrow();
    int threads = 4;
    int each = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String name = "thread " + t;
        senders.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            notifier.status(name + " " + i);
          }
          return null;
        }));
      }
      start.countDown();
      // As a test waiting for a watchdog's datagram polls while the daemon's threads send.
      while (!senders.stream().allMatch(Future::isDone)) {
        kernel.datagrams().forEach(d -> assertTrue(d.startsWith("pid 100 uid 65534 gid 65534 -> " + NOTIFY + ": STATUS="), d));
      }
      for (Future<?> sender : senders) {
        sender.get(1, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> got = kernel.datagrams();
    assertEquals(1 + threads * each, got.size(), "one datagram per call, the STATUS of apply() first");
    for (int t = 0; t < threads; t++) {
      String prefix = "pid 100 uid 65534 gid 65534 -> " + NOTIFY + ": STATUS=thread " + t + " ";
      List<String> own = got.stream().filter(d -> d.startsWith(prefix)).map(d -> d.substring(prefix.length())).collect(Collectors.toList());
      List<String> inOrder = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        inOrder.add(String.valueOf(i));
      }
      assertEquals(inOrder, own, "each thread's datagrams arrive in the order it sent them");
    }
    assertEquals(1 + threads * each, kernel.syscallsMade().stream().filter(s -> s == Syscall.SEND).count(), "every send recorded");
    assertThrows(UnsupportedOperationException.class, () -> got.add("forged"), "what the receivers got is not the test's to change");
  }
}
