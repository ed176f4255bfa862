package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.FailureMode;
import dev.confine.Finding;
import dev.confine.PreflightReport;
import dev.confine.ServiceNotifier;
import dev.confine.Step;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import dev.confine.VerificationException;
import dev.confine.testing.simulation.SimulatedKernel;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * systemd's NOTIFY_SOCKET against the simulated kernel: connected before chroot (where the path is
 * still there), STATUS= sent only once the drop is verified, READY=1 and the others through the
 * report's handle; nothing without the variable or with the option off; a bad value, or a socket
 * that cannot be connected, refused with nothing changed; a send that fails is an exception.
 */
class ServiceNotificationTest {
  private static final String NOTIFY = "/run/systemd/notify";
  private static final String STATUS = "STATUS=confined to /srv/jail as uid 65534 gid 65534";

  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
  }

  /** As systemd starts a Type=notify unit: the variable set, its socket bound. */
  private static Simulation underSystemd() {
    return machine().environment("NOTIFY_SOCKET", NOTIFY).datagramReceiver(NOTIFY);
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("nobody").build();
  }

  private static List<Syscall> syscalls(Simulation kernel) {
    return kernel.recordedCalls().stream().map(call -> call.syscall).collect(Collectors.toList());
  }

  private static List<String> texts(Simulation kernel) {
    return kernel.model().datagrams().stream().map(d -> d.text).collect(Collectors.toList());
  }

  private static void assertUnchanged(Simulation kernel) {
    assertEquals("/", kernel.model().root());
    assertTrue(kernel.model().uids().allEqual(0), kernel.toString());
    assertEquals(List.of(), kernel.model().datagrams());
    assertTrue(kernel.model().descriptors().values().stream().noneMatch(path -> path.startsWith("socket:")), "no socket left open: " + kernel.model().descriptors());
  }

  @Test
  void aDenyListWithSendtoIsRefusedBeforeAnythingChangesNotHaltedAfterTheFilter() {
    Simulation kernel = underSystemd();
    ConfinementPolicy denying = Confinement.builder().root("/srv/jail").user("nobody").denySyscalls("sendto").build();
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(denying));
    assertTrue(e.getMessage().contains("denies sendto"), e.getMessage());
    assertUnchanged(kernel);
    assertTrue(kernel.check(denying).findings().stream().anyMatch(f -> f.code().equals("notify-socket")));
    // Control: without NOTIFY_SOCKET the same deny list confines.
    assertEquals(65534, machine().apply(denying).uid());
  }

  @Test
  void aSocketOnlyRootMayUseIsRefusedSinceTheConfinedProcessWouldKeepItsDescriptor() {
    Simulation kernel = underSystemd().entry(NOTIFY, dev.confine.internal.FileStatus.Type.SOCKET, 0, 0, 0700, 1);
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
    assertTrue(e.getMessage().contains("could not write to the socket (mode 700"), e.getMessage());
    assertUnchanged(kernel);
    assertTrue(kernel.check(policy()).findings().stream().anyMatch(f -> f.code().equals("notify-socket")));
    // Control: systemd's own socket is 0777.
    assertEquals(65534, underSystemd().apply(policy()).uid());
  }

  @Test
  void aDirectoryAboveTheSocketTheTargetCannotSearchIsRefusedToo() {
    Simulation kernel = underSystemd().directory("/run/systemd", 0, 0700);
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
    assertTrue(e.getMessage().contains("could not search /run/systemd"), e.getMessage());
    assertUnchanged(kernel);
  }

  @Test
  void connectsBeforeChrootAndSaysConfinedOnlyAfterTheVerifiedDrop() {
    Simulation kernel = underSystemd();
    ConfinementReport report = kernel.apply(policy());

    List<Syscall> calls = syscalls(kernel);
    int connect = calls.indexOf(Syscall.CONNECT);
    int chroot = calls.indexOf(Syscall.CHROOT);
    int send = calls.indexOf(Syscall.SEND);
    assertTrue(calls.indexOf(Syscall.SOCKET) < connect && connect < chroot, calls.toString());
    // After every call of the drop and of its verification: the last read of the descriptors,
    // of the threads, and PR_GET_DUMPABLE.
    assertTrue(send > calls.lastIndexOf(Syscall.SETRESUID), calls.toString());
    assertTrue(send > calls.lastIndexOf(Syscall.READ_DESCRIPTORS) && send > calls.lastIndexOf(Syscall.READ_THREAD_STATUS)
        && send > calls.lastIndexOf(Syscall.SET_DUMPABLE), calls.toString());
    assertEquals(1, calls.stream().filter(Syscall.SEND::equals).count(), calls.toString());

    SimulatedKernel.Datagram status = kernel.model().datagrams().get(0);
    assertEquals(STATUS, status.text);
    assertEquals(NOTIFY, status.address);
    assertEquals(100, status.pid, "the sender is this process");
    assertEquals(65534, status.uid, "sent after the drop: SCM_CREDENTIALS carries the target uid, not 0");
    assertEquals(65534, status.gid);

    List<Step> steps = report.steps();
    assertEquals(Syscall.SOCKET, steps.get(0).syscall());
    assertEquals("connect(<notify socket fd>, \"/run/systemd/notify\")", steps.get(1).call());
    assertFalse(steps.get(1).irreversible());
    assertTrue(report.verifications().stream().anyMatch(v -> v.contains("systemd's notify socket") && v.contains("is a socket, not a directory")),
        report.verifications().toString());
    assertTrue(report.notes().stream().anyMatch(n -> n.contains(STATUS)), report.notes().toString());
    assertTrue(kernel.model().descriptors().values().stream().anyMatch(path -> path.startsWith("socket:")), "the socket stays open in the jail");

    ServiceNotifier notifier = report.serviceNotifier().orElseThrow();
    assertEquals(NOTIFY, notifier.address());
    notifier.ready();
    notifier.status("serving on port 80");
    notifier.watchdog();
    notifier.stopping();
    assertEquals(List.of(STATUS, "READY=1", "STATUS=serving on port 80", "WATCHDOG=1", "STOPPING=1"), texts(kernel));
    assertTrue(kernel.model().datagrams().stream().allMatch(d -> d.uid == 65534 && d.pid == 100), kernel.model().datagrams().toString());
    assertEquals(Optional.empty(), notifier.watchdogInterval());
  }

  @Test
  void controlAPathNamedAfterChrootIsLookedUpInTheJailAndIsNotThere() {
    Simulation kernel = underSystemd();
    kernel.apply(policy());
    int fd = kernel.model().unixDatagramSocket();
    ErrnoException e = assertThrows(ErrnoException.class, () -> kernel.model().connect(fd, NOTIFY));
    assertEquals("ENOENT", e.errnoName(), "after chroot " + NOTIFY + " is /srv/jail" + NOTIFY + ", which does not exist");
  }

  @Test
  void nothingIsSentWhenTheDropCannotBeVerified() {
    Simulation kernel = underSystemd();
    kernel.threadUnknownToLibc("raw-clone"); // keeps root for good: the verification fails
    assertThrows(VerificationException.class, () -> kernel.apply(policy().toBuilder().onFailureAfterChroot(FailureMode.THROW).build()));
    assertTrue(syscalls(kernel).contains(Syscall.CONNECT), "connected before chroot");
    assertEquals(List.of(), kernel.model().datagrams(), "systemd must never read \"confined\" of a process that is not");
  }

  @Test
  void aConfinedStatusWithoutTheVerifiedDropWouldCarryRoot() {
    // Control: the same datagram sent before the drop, as a careless sequence would, arrives with
    // uid 0; the IT reads the same field (SCM_CREDENTIALS) from a real receiver.
    Simulation kernel = underSystemd();
    int fd = kernel.model().unixDatagramSocket();
    assertDoesNotFail(() -> kernel.model().connect(fd, NOTIFY));
    assertDoesNotFail(() -> kernel.model().send(fd, STATUS.getBytes(StandardCharsets.UTF_8)));
    assertEquals(0, kernel.model().datagrams().get(0).uid);
  }

  @Test
  void withoutTheVariableNothingIsConnectedOrSent() {
    Simulation kernel = machine().datagramReceiver(NOTIFY);
    ConfinementReport report = kernel.apply(policy());
    assertEquals(Optional.empty(), report.serviceNotifier());
    List<Syscall> calls = syscalls(kernel);
    assertFalse(calls.contains(Syscall.SOCKET) || calls.contains(Syscall.CONNECT) || calls.contains(Syscall.SEND), calls.toString());
    assertEquals(List.of(), kernel.model().datagrams());
    assertEquals(
        policy().plan().stream().map(Step::syscall).collect(Collectors.toList()),
        report.steps().stream().map(Step::syscall).collect(Collectors.toList()));
  }

  @Test
  void noServiceNotificationIgnoresTheVariable() {
    Simulation kernel = underSystemd();
    ConfinementPolicy policy = policy().toBuilder().noServiceNotification().build();
    assertFalse(policy.serviceNotification());
    assertTrue(policy.toString().contains("noServiceNotification"), policy.toString());
    ConfinementReport report = kernel.apply(policy);
    assertEquals(Optional.empty(), report.serviceNotifier());
    assertFalse(syscalls(kernel).contains(Syscall.CONNECT));
    assertEquals(List.of(), kernel.model().datagrams());
    assertTrue(policy().serviceNotification(), "on by default");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "run/systemd/notify", "@", "vsock:2:1234", "notify"})
  void aValueThatIsNoSocketAddressIsRefusedNamingItWithNothingChanged(String value) {
    Simulation kernel = machine().environment("NOTIFY_SOCKET", value).datagramReceiver(NOTIFY);
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
    assertTrue(e.getMessage().startsWith("NOTIFY_SOCKET=\"" + value + "\" is not a socket address"), e.getMessage());
    assertTrue(e.getMessage().contains("noServiceNotification()"), e.getMessage());
    assertFalse(e.pastPointOfNoReturn());
    assertUnchanged(kernel);
    assertFalse(syscalls(kernel).contains(Syscall.OPEN), "refused before anything is opened");
  }

  @Test
  void sunPathHolds107BytesAndItsNul() {
    String path = "/" + "p".repeat(106);
    String abstractName = "@" + "a".repeat(107);
    for (String ok : List.of(path, abstractName)) {
      Simulation kernel = machine().environment("NOTIFY_SOCKET", ok).datagramReceiver(ok);
      kernel.apply(policy());
      assertEquals(List.of(STATUS), texts(kernel), ok.length() + " characters");
    }
    for (String tooLong : List.of(path + "p", abstractName + "a", "/" + "é".repeat(54))) {
      Simulation kernel = machine().environment("NOTIFY_SOCKET", tooLong).datagramReceiver(tooLong);
      ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
      assertTrue(e.getMessage().contains("bytes, and sun_path holds 107 and its NUL"), e.getMessage());
      assertUnchanged(kernel);
    }
  }

  @Test
  void anAbstractNameIsConnectedWithoutAFile() {
    Simulation kernel = machine().environment("NOTIFY_SOCKET", "@confine-test").datagramReceiver("@confine-test");
    kernel.apply(policy()).serviceNotifier().orElseThrow().ready();
    assertEquals(List.of(STATUS, "READY=1"), texts(kernel));
    assertEquals("@confine-test", kernel.model().datagrams().get(1).address);
  }

  @Test
  void aSocketThatCannotBeConnectedIsARefusalBeforeChrootNamingTheAddressAndErrno() {
    Simulation kernel = machine().environment("NOTIFY_SOCKET", NOTIFY); // nothing bound there
    SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertEquals(Syscall.CONNECT, e.syscall());
    assertEquals("ENOENT", e.errnoName());
    assertTrue(e.getMessage().startsWith("connect("), e.getMessage());
    assertTrue(e.getMessage().contains("\"" + NOTIFY + "\""), e.getMessage());
    assertTrue(e.hint().contains("nothing exists at NOTIFY_SOCKET's path"), e.hint());
    assertFalse(e.pastPointOfNoReturn());
    assertUnchanged(kernel);
    assertFalse(syscalls(kernel).contains(Syscall.CHROOT));
    assertEquals(OptionalInt.empty(), kernel.haltStatus());

    Simulation abstractNobody = machine().environment("NOTIFY_SOCKET", "@nobody-listens");
    SyscallException refused = assertThrows(SyscallException.class, () -> abstractNobody.apply(policy()));
    assertEquals("ECONNREFUSED", refused.errnoName());
    assertTrue(refused.hint().contains("nothing listens"), refused.hint());
    assertUnchanged(abstractNobody);
  }

  @Test
  void aSocketFileTheProcessMayNotWriteIsRefused() {
    // The model's rule, as the kernel's: connect(2) to a path needs write permission on the socket.
    Simulation kernel = machine().runningAs(1000, 1000).datagramReceiver("/run/private/notify");
    kernel.entry("/run/private/notify", FileStatus.Type.SOCKET, 0, 0, 0700, 1);
    int fd = kernel.model().unixDatagramSocket();
    ErrnoException e = assertThrows(ErrnoException.class, () -> kernel.model().connect(fd, "/run/private/notify"));
    assertEquals("EACCES", e.errnoName());
    // Control: root (CAP_DAC_OVERRIDE) may.
    Simulation root = machine().datagramReceiver("/run/private/notify");
    root.entry("/run/private/notify", FileStatus.Type.SOCKET, 0, 0, 0700, 1);
    int rootFd = root.model().unixDatagramSocket();
    assertDoesNotFail(() -> root.model().connect(rootFd, "/run/private/notify"));
  }

  @Test
  void theConnectAndTheSocketFailClosedBeforeAnythingIrreversible() {
    for (Syscall call : List.of(Syscall.SOCKET, Syscall.CONNECT)) {
      Simulation kernel = underSystemd().failNext(call, "EMFILE");
      SyscallException e = assertThrows(SyscallException.class, () -> kernel.apply(policy()));
      assertEquals(call, e.syscall());
      assertFalse(e.pastPointOfNoReturn());
      assertUnchanged(kernel);
    }
  }

  @Test
  void aFailureAfterTheConnectClosesTheSocket() {
    Simulation kernel = underSystemd().failNext(Syscall.OPEN, "EACCES"); // opening the root, after the connect
    assertThrows(SyscallException.class, () -> kernel.apply(policy()));
    assertTrue(syscalls(kernel).contains(Syscall.CONNECT));
    assertUnchanged(kernel);
  }

  @Test
  void aStatusThatCannotBeSentHaltsTheConfinedProcessSayingWhy() {
    Simulation kernel = underSystemd().failNext(Syscall.SEND, "ECONNREFUSED");
    assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
    assertEquals(OptionalInt.of(FailureMode.HALT_STATUS), kernel.haltStatus());
    assertTrue(kernel.stderr().contains("confined and verified, but apply() failed after that"), kernel.stderr());
    assertTrue(kernel.stderr().contains("sendto(") && kernel.stderr().contains("ECONNREFUSED"), kernel.stderr());

    Simulation throwing = underSystemd().failNext(Syscall.SEND, "ECONNREFUSED");
    SyscallException e =
        assertThrows(SyscallException.class, () -> throwing.apply(policy().toBuilder().onFailureAfterChroot(FailureMode.THROW).build()));
    assertEquals(Syscall.SEND, e.syscall());
    assertTrue(e.pastPointOfNoReturn());
    assertTrue(e.getMessage().contains(STATUS), e.getMessage());
    assertTrue(e.hint().startsWith("confined and verified, but systemd could not be told: nothing receives"), e.hint());
    assertTrue(throwing.model().uids().allEqual(65534), "the drop itself held");
    assertFalse(throwing.model().descriptors().values().stream().anyMatch(path -> path.startsWith("socket:")), "closed when apply() throws");
  }

  @Test
  void aNotificationThatCannotBeSentLaterIsAnExceptionNeverSwallowed() {
    Simulation kernel = underSystemd();
    ServiceNotifier notifier = kernel.apply(policy()).serviceNotifier().orElseThrow();
    kernel.receiverCloses(NOTIFY);
    SyscallException e = assertThrows(SyscallException.class, notifier::ready);
    assertEquals(Syscall.SEND, e.syscall());
    assertEquals("ECONNREFUSED", e.errnoName());
    assertTrue(e.getMessage().contains("READY=1"), e.getMessage());
    assertTrue(e.hint().contains("nothing receives at NOTIFY_SOCKET"), e.hint());
    assertFalse(e.pastPointOfNoReturn(), "the process is confined: this failure does not change that");

    Simulation faulty = underSystemd();
    ServiceNotifier other = faulty.apply(policy()).serviceNotifier().orElseThrow();
    faulty.failNext(Syscall.SEND, "EAGAIN");
    SyscallException again = assertThrows(SyscallException.class, other::watchdog);
    assertEquals("EAGAIN", again.errnoName());
    assertTrue(again.hint().contains("full"), again.hint());
  }

  @Test
  void aStatusTextIsOneLineThatFitsOneNotification() {
    ServiceNotifier notifier = underSystemd().apply(policy()).serviceNotifier().orElseThrow();
    IllegalArgumentException newline = assertThrows(IllegalArgumentException.class, () -> notifier.status("ready\nREADY=1"));
    assertTrue(newline.getMessage().contains("\"ready\\nREADY=1\""), newline.getMessage());
    IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> notifier.status("a\0b"));
    assertTrue(nul.getMessage().contains("\"a\\0b\""), nul.getMessage());
    assertThrows(NullPointerException.class, () -> notifier.status(null));
    notifier.status("x".repeat(4096 - "STATUS=".length()));
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> notifier.status("x".repeat(4096)));
    assertTrue(tooLong.getMessage().contains("4103 bytes"), tooLong.getMessage());
  }

  @Test
  void theWatchdogIntervalIsReadAsSdWatchdogEnabledReadsIt() {
    assertEquals(Optional.of(Duration.ofSeconds(30)), watchdog(Map.of("WATCHDOG_USEC", "30000000")));
    assertEquals(Optional.of(Duration.ofMillis(1500)), watchdog(Map.of("WATCHDOG_USEC", "1500000", "WATCHDOG_PID", "100")));
    assertEquals(Optional.empty(), watchdog(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "4242")), "meant for another process");
    assertEquals(Optional.empty(), watchdog(Map.of()));
    for (String bad : List.of("", "0", "-5", "30s", "99999999999999999999")) {
      Simulation kernel = underSystemd().environment("WATCHDOG_USEC", bad);
      ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
      assertTrue(e.getMessage().startsWith("WATCHDOG_USEC=\"" + bad + "\" is not a positive whole number"), e.getMessage());
      assertUnchanged(kernel);
    }
    Simulation kernel = underSystemd().environment("WATCHDOG_USEC", "1000000").environment("WATCHDOG_PID", "main");
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(policy()));
    assertTrue(e.getMessage().startsWith("WATCHDOG_PID=\"main\""), e.getMessage());
  }

  private static Optional<Duration> watchdog(Map<String, String> variables) {
    Simulation kernel = underSystemd();
    variables.forEach(kernel::environment);
    return kernel.apply(policy()).serviceNotifier().orElseThrow().watchdogInterval();
  }

  @Test
  void checkReportsABadValueAsAnError() {
    PreflightReport report = machine().environment("NOTIFY_SOCKET", "relative").check(policy());
    Finding finding = report.findings().stream().filter(f -> f.code().equals("notify-socket")).findFirst().orElseThrow(() -> new AssertionError(report.toString()));
    assertTrue(finding.message().contains("NOTIFY_SOCKET=\"relative\""), finding.toString());
    assertTrue(report.hasErrors());
    assertFalse(machine().environment("NOTIFY_SOCKET", NOTIFY).check(policy()).findings().stream().anyMatch(f -> f.code().equals("notify-socket")),
        "a good value is no finding");
  }

  @Test
  void theVerificationRefusesANotifyDescriptorThatIsNotASocket() {
    // Control for the check: a kernel that says the kept descriptor is a FIFO (not a directory,
    // which the look at every descriptor refuses first: below).
    assertTrue(verifyingALie(FileStatus.Type.FIFO).contains("kept for systemd's notify socket (/run/systemd/notify), is a FIFO, not a socket"));
    assertTrue(verifyingALie(FileStatus.Type.DIRECTORY).contains("is a directory outside the new root"));
  }

  private static String verifyingALie(FileStatus.Type type) {
    Simulation kernel = underSystemd();
    Kernel lying =
        new ForwardingKernel(kernel.model()) {
          private int notifyFd = -1;

          public int unixDatagramSocket() throws ErrnoException {
            notifyFd = kernel.model().unixDatagramSocket();
            return notifyFd;
          }

          public FileStatus fstat(int fd) throws ErrnoException {
            FileStatus real = kernel.model().fstat(fd);
            return fd == notifyFd ? new FileStatus(type, 0755, 0, 0, real.device, real.inode, 2, real.mountId) : real;
          }
        }.kernel();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Confiner confiner =
        new Confiner(() -> lying, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, (p, c) -> Map.of(),
            new PrintStream(stderr, true, StandardCharsets.UTF_8), summary -> {});
    VerificationException e =
        assertThrows(VerificationException.class, () -> confiner.apply(Internal.get().viewOf(policy().toBuilder().onFailureAfterChroot(FailureMode.THROW).build())));
    assertEquals(List.of(), kernel.model().datagrams(), "nothing told of a drop that was not verified");
    return e.getMessage();
  }

  private interface Call {
    void run() throws ErrnoException;
  }

  private static void assertDoesNotFail(Call call) {
    try {
      call.run();
    } catch (ErrnoException e) {
      throw new AssertionError(e);
    }
  }
}
