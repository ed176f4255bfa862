package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * systemd's service notification through the jail, with a real datagram receiver standing in for
 * systemd: a small python3 program bound at a path in a private root-owned directory (or at an
 * abstract name), with SO_PASSCRED, printing each datagram with the sender's pid, uid and gid as
 * the kernel stamps them (SCM_CREDENTIALS; Java cannot read those). A confined child started as a
 * Type=notify unit starts it (NOTIFY_SOCKET in its environment) tells it STATUS= from uid 65534,
 * then READY=1; without the variable, or with noServiceNotification(), nothing arrives; the
 * HttpServer example says READY=1 once it answers. The receiver ends with each test (its stdin
 * closes), and the test asserts that none outlives it.
 */
class ServiceNotificationIT {
  /** argv[1]: the address ("/path" or "@name"). Ends when its stdin closes, or after 300 s. */
  private static final String RECEIVER =
      String.join(
          "\n",
          "import os, select, socket, struct, sys, time",
          "address = sys.argv[1]",
          "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
          "s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)",
          "s.bind('\\0' + address[1:] if address.startswith('@') else address)",
          // As systemd leaves its own: writable by every uid (confine refuses a socket the target uid could not use).
          "if not address.startswith('@'): os.chmod(address, 0o777)",
          "os.write(1, b'BOUND\\n')",
          "deadline = time.monotonic() + 300",
          "try:",
          "    while time.monotonic() < deadline:",
          "        ready, _, _ = select.select([s, 0], [], [], 1.0)",
          "        if 0 in ready and not os.read(0, 4096):",
          "            break",
          "        if s in ready:",
          "            data, ancillary, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(12))",
          "            pid, uid, gid = -1, -1, -1",
          "            for level, kind, value in ancillary:",
          "                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:",
          "                    pid, uid, gid = struct.unpack('iII', value[:12])",
          "            text = data.decode('utf-8', 'replace').replace('\\n', '\\\\n')",
          // One write(2) per line: the lines must not interleave with anything.
          "            os.write(1, ('NOTIFY %d %d %d %s\\n' % (pid, uid, gid, text)).encode('utf-8'))",
          "finally:",
          "    if not address.startswith('@'):",
          "        os.unlink(address)",
          "");

  /** One datagram as the receiver got it. */
  private static final class Notification {
    final long pid;
    final long uid;
    final long gid;
    final String text;
    final long arrivedNanos;

    Notification(String line, long arrivedNanos) {
      String[] parts = line.split(" ", 5);
      this.pid = Long.parseLong(parts[1]);
      this.uid = Long.parseLong(parts[2]);
      this.gid = Long.parseLong(parts[3]);
      this.text = parts.length > 4 ? parts[4] : "";
      this.arrivedNanos = arrivedNanos;
    }

    @Override
    public String toString() {
      return "pid " + pid + " uid " + uid + " gid " + gid + ": " + text;
    }
  }

  /** The stand-in for systemd's notify socket. */
  private static final class Receiver implements AutoCloseable {
    final String address;
    final ChildJvm process;
    private final List<Notification> seen = new ArrayList<>();

    Receiver(String address) throws IOException, InterruptedException {
      this.address = address;
      this.process = ChildJvm.startCommand(List.of("/usr/bin/python3", "-u", "-c", RECEIVER, address));
      process.await("BOUND", Duration.ofSeconds(20));
    }

    /** Waits for a datagram whose text is {@code text}; returns it. */
    Notification await(String text, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        ChildJvm.Line line = process.awaitLine("NOTIFY ", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        Notification notification = new Notification(line.text, line.arrivedNanos);
        seen.add(notification);
        if (notification.text.equals(text)) {
          return notification;
        }
      }
    }

    /** Everything received so far (the receiver's whole output, parsed). */
    List<Notification> received() {
      return Arrays.stream(process.output().split("\n"))
          .filter(l -> l.startsWith("NOTIFY "))
          .map(l -> new Notification(l, 0))
          .collect(Collectors.toList());
    }

    @Override
    public void close() throws Exception {
      try {
        process.closeStdin();
        process.waitFor(Duration.ofSeconds(10));
      } finally {
        process.close();
      }
    }
  }

  private Path jail;
  private Path sockets;
  private final List<String> addresses = new ArrayList<>();

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("notify-jail");
    sockets = Jails.fresh("notify"); // root-owned 0755: no one else can bind or replace the socket there
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (String address : addresses) {
        assertNoReceiverLeft(address);
      }
    } finally {
      Jails.remove(jail);
      Jails.remove(sockets);
    }
  }

  /** No process of this test outlives it: none still has the receiver's address among its arguments. */
  private static void assertNoReceiverLeft(String address) throws InterruptedException {
    Leftovers.assertNoneOutlives(address, "the notify receiver at " + address, Duration.ofSeconds(5));
  }

  private Receiver receiver(String address) throws IOException, InterruptedException {
    addresses.add(address);
    return new Receiver(address);
  }

  private String pathAddress() {
    return sockets.resolve("notify").toString();
  }

  /**
   * The java command run as systemd runs a Type=notify unit's: NOTIFY_SOCKET in the environment
   * (env execs java, so the pid is the JVM's), no watchdog; or, with none, without the variable.
   */
  private static List<String> environment(Optional<String> notifySocket, String... variables) {
    List<String> env = new ArrayList<>(List.of("env", "-u", "WATCHDOG_USEC", "-u", "WATCHDOG_PID"));
    env.add(notifySocket.isPresent() ? "NOTIFY_SOCKET=" + notifySocket.get() : "--unset=NOTIFY_SOCKET");
    env.addAll(List.of(variables));
    return env;
  }

  private ChildJvm child(Optional<String> notifySocket, List<String> variables, String... options) throws IOException {
    List<String> args = new ArrayList<>(List.of(jail.toString(), "65534", "65534"));
    args.addAll(List.of(options));
    return ChildJvm.start(environment(notifySocket, variables.toArray(new String[0])), null, ChildJvm.classpath(), ChildJvm.javaHome(),
        List.of(), "dev.confine.it.NotifyChild", args.toArray(new String[0]));
  }

  private ChildJvm child(Optional<String> notifySocket, String... options) throws IOException {
    return child(notifySocket, List.of(), options);
  }

  /** {@code variables}: more of the environment ("WATCHDOG_USEC=..."); {@code watchdog}: what the child must read of them. */
  private void statusThenReady(String address, List<String> variables, String watchdog) throws Exception {
    try (Receiver receiver = receiver(address); ChildJvm child = child(Optional.of(address), variables)) {
      try {
        child.await("READY", Duration.ofSeconds(60));
        Notification ready = receiver.await("READY=1", Duration.ofSeconds(10));
        List<Notification> got = receiver.received();
        assertEquals(2, got.size(), "STATUS= then READY=1: " + got);
        Notification status = got.get(0);
        assertEquals("STATUS=confined to " + jail + " as uid 65534 gid 65534", status.text);
        for (Notification n : List.of(status, ready)) {
          assertEquals(child.pid(), n.pid, "sent by the confined child itself: " + n);
          assertEquals(65534, n.uid, "sent after the drop (root would be uid 0): " + n);
          assertEquals(65534, n.gid, n.toString());
        }
        assertEquals(address, child.probes().get("notifier"));
        assertEquals(watchdog, child.probes().get("watchdog"));
        assertTrue(child.probes().get("status-refused").contains("\"two\\nlines\""), child.output());
        assertTrue(child.output().contains("REPORT   connect(<notify socket fd>, \"" + address + "\")"), "the report's step:\n" + child.output());
        assertTrue(child.output().contains("(systemd's notify socket, connected to " + address + " before chroot) is a socket, not a directory"),
            child.output());
        Examples.assertConfinedFromOutside(child.pid(), jail);
        Thread.sleep(500);
        assertEquals(2, receiver.received().size(), "the refused two-line STATUS= sent nothing: " + receiver.received());
        child.send("exit");
        assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nthe child said:\n" + child.output() + "\nthe receiver said:\n" + receiver.process.output(), e);
      }
    }
  }

  @Test
  void aPathSocketHearsStatusFromTheTargetUidThenReady() throws Exception {
    statusThenReady(pathAddress(), List.of("WATCHDOG_USEC=30000000"), "PT30S");
  }

  @Test
  void anAbstractSocketHearsThemToo() throws Exception {
    // WATCHDOG_PID names another process (init): the interval is not this one's.
    statusThenReady("@confine-it-" + UUID.randomUUID(), List.of("WATCHDOG_USEC=30000000", "WATCHDOG_PID=1"), "none");
  }

  /** Control: the same child and receiver, the variable unset: nothing is connected, nothing sent. */
  @Test
  void withoutNotifySocketNothingIsSent() throws Exception {
    String address = pathAddress();
    try (Receiver receiver = receiver(address); ChildJvm child = child(Optional.empty())) {
      child.await("READY", Duration.ofSeconds(60));
      assertEquals("absent", child.probes().get("notifier"), child.output());
      assertFalse(child.output().contains("connect("), child.output());
      Thread.sleep(1500);
      assertEquals(List.of(), receiver.received().stream().map(Object::toString).collect(Collectors.toList()));
      Examples.assertConfinedFromOutside(child.pid(), jail);
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void noServiceNotificationSendsNothingThoughTheVariableIsSet() throws Exception {
    String address = pathAddress();
    try (Receiver receiver = receiver(address); ChildJvm child = child(Optional.of(address), "--no-notify")) {
      child.await("READY", Duration.ofSeconds(60));
      assertEquals("absent", child.probes().get("notifier"), child.output());
      Thread.sleep(1500);
      assertEquals(List.of(), receiver.received().stream().map(Object::toString).collect(Collectors.toList()));
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void aSocketNobodyListensAtIsARefusalBeforeChroot() throws Exception {
    String missing = sockets.resolve("nobody-here").toString();
    try (ChildJvm child = child(Optional.of(missing))) {
      int status = child.waitFor(Duration.ofSeconds(60));
      String output = child.output();
      assertEquals(1, status, output);
      assertTrue(output.contains("SyscallException: connect(") && output.contains("\"" + missing + "\") failed: ENOENT"), output);
      assertTrue(output.contains("nothing exists at NOTIFY_SOCKET's path"), output);
      assertFalse(output.contains("CONFINED"), output);
      assertFalse(output.contains("halting"), "refused before chroot: nothing to halt for\n" + output);
    }
  }

  /**
   * The HttpServer example as a Type=notify unit with WatchdogSec=1 starts it: READY=1 from its
   * pid, as 65534, once it answers; then WATCHDOG=1 at half the interval.
   */
  @Test
  void theHttpServerExampleSaysReadyOnceItAnswersThenKeepsTheWatchdogFed() throws Exception {
    String address = pathAddress();
    Examples.JailWithSecret www = new Examples.JailWithSecret("notify-http");
    try (Receiver receiver = receiver(address);
        ChildJvm example =
            ChildJvm.start(environment(Optional.of(address), "WATCHDOG_USEC=1000000"), null, ChildJvm.classpath(), ChildJvm.javaHome(), List.of(),
                "dev.confine.examples.HttpServerExample", "--port", String.valueOf(Examples.freePrivilegedPort()), "--root",
                www.jail.toString(), "--seconds", "120")) {
      try {
        Notification ready = receiver.await("READY=1", Duration.ofSeconds(60));
        // The moment systemd would count the unit started, the server answers.
        String listening = example.await("LISTENING", Duration.ofSeconds(10));
        Curl.Answer page = Curl.get(listening.substring("LISTENING ".length()) + "whoami");
        Examples.assertIdentityPage(page, www.jail);
        assertEquals(example.pid(), ready.pid, ready.toString());
        assertEquals(65534, ready.uid, ready.toString());
        List<Notification> got = receiver.received();
        assertEquals("STATUS=confined to " + www.jail + " as uid 65534 gid 65534", got.get(0).text, got.toString());
        assertEquals("READY=1", got.get(1).text, got.toString());
        Notification first = receiver.await("WATCHDOG=1", Duration.ofSeconds(5));
        Notification second = receiver.await("WATCHDOG=1", Duration.ofSeconds(5));
        for (Notification watchdog : List.of(first, second)) {
          assertEquals(example.pid(), watchdog.pid, watchdog.toString());
          assertEquals(65534, watchdog.uid, watchdog.toString());
        }
        long apart = Duration.ofNanos(second.arrivedNanos - first.arrivedNanos).toMillis();
        assertTrue(apart > 250 && apart < 1000, "WATCHDOG=1 every half of WATCHDOG_USEC (500 ms): " + apart + " ms apart");
        Examples.assertConfinedFromOutside(example.pid(), www.jail);
        Examples.assertNoJvmTrouble(example);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nthe example said:\n" + example.output() + "\nthe receiver said:\n" + receiver.process.output(), e);
      }
    } finally {
      www.remove();
    }
  }

  /** Control: the example without the variable serves all the same, and tells nothing. */
  @Test
  void theHttpServerExampleWithoutNotifySocketServesAndSaysNothing() throws Exception {
    String address = pathAddress();
    Examples.JailWithSecret www = new Examples.JailWithSecret("notify-http");
    try (Receiver receiver = receiver(address);
        ChildJvm example =
            ChildJvm.start(environment(Optional.empty()), null, ChildJvm.classpath(), ChildJvm.javaHome(), List.of(),
                "dev.confine.examples.HttpServerExample", "--port", String.valueOf(Examples.freePrivilegedPort()), "--root",
                www.jail.toString(), "--seconds", "120")) {
      String listening = example.await("LISTENING", Duration.ofSeconds(60));
      Examples.assertIdentityPage(Curl.get(listening.substring("LISTENING ".length()) + "whoami"), www.jail);
      Thread.sleep(1000);
      assertEquals(List.of(), receiver.received().stream().map(Object::toString).collect(Collectors.toList()), example.output());
    } finally {
      www.remove();
    }
  }
}
