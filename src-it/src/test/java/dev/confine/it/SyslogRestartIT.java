package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The log daemon restarts while a confined child logs. In a private mount namespace (the host's
 * /dev is never touched) a receiver listens at /dev/log, and, as rsyslog's $AddUnixListenSocket
 * would, at JAIL/dev/log too when asked. The child connects to /dev/log before chroot
 * (openSyslogFirst); the test kills the receiver, a new one makes its sockets anew (a new inode
 * at each path, as journald and rsyslog do), and glibc's syslog(3) reconnects by the path
 * "/dev/log", which in the jail is JAIL/dev/log. Without a socket there, the messages after the
 * restart are lost (the control); with one, they arrive.
 */
class SyslogRestartIT {
  /**
   * The receiver: argv = JVM pid, generation, then the paths to listen on (the first is the
   * host's, a second the jail's). Each path is unlinked and bound anew, mode 0666 (the child logs
   * as uid 65534 after the restart); each datagram is printed as "SYSLOG-RECEIVED[host|jail] GEN
   * text", one write(2) a line. It ends within half a second of the JVM.
   */
  private static final String RECEIVER =
      "import os, select, socket, sys\n"
          + "jvm, generation, paths = int(sys.argv[1]), sys.argv[2], sys.argv[3:]\n"
          + "sockets = {}\n"
          + "for label, path in zip(['host', 'jail'], paths):\n"
          + "    try:\n"
          + "        os.unlink(path)\n"
          + "    except FileNotFoundError:\n"
          + "        pass\n"
          + "    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
          + "    s.bind(path)\n"
          + "    os.chmod(path, 0o666)\n"
          + "    sockets[s] = label\n"
          + "os.write(1, ('RECEIVER-READY %s %d\\n' % (generation, os.getpid())).encode())\n"
          + "while True:\n"
          + "    ready, _, _ = select.select(list(sockets), [], [], 0.5)\n"
          + "    if not ready:\n"
          + "        try:\n"
          + "            os.kill(jvm, 0)\n"
          + "        except ProcessLookupError:\n"
          + "            break\n"
          + "    for s in ready:\n"
          + "        text = s.recv(65536).decode('utf-8', 'replace').replace('\\n', ' ')\n"
          + "        os.write(1, ('SYSLOG-RECEIVED[%s] %s %s\\n' % (sockets[s], generation, text)).encode('utf-8'))\n";

  /**
   * $1 the namespace's scratch directory, $2 the jail's socket or "" for none; the rest is the
   * java command. A loop restarts the receiver whenever it ends while the JVM (this shell's pid,
   * which execs java) lives.
   */
  private static final String WRAPPER =
      "set -e\n"
          + "d=$1; jailsocket=$2; shift 2\n"
          + "mount -t tmpfs -o mode=0755 tmpfs \"$d\"\n"
          + "mkdir \"$d/dev\"\n"
          + "for n in null zero random urandom; do touch \"$d/dev/$n\"; mount --bind \"/dev/$n\" \"$d/dev/$n\"; done\n"
          + "jvm=$$\n"
          + "(\n"
          + "  n=0\n"
          + "  while kill -0 $jvm 2>/dev/null; do\n"
          + "    n=$((n + 1))\n"
          + "    /usr/bin/python3 -u -c \"$RECEIVER\" $jvm $n \"$d/dev/log\" $jailsocket || true\n"
          + "  done\n"
          + ") &\n"
          + "while [ ! -S \"$d/dev/log\" ]; do sleep 0.05; done\n"
          + "if [ -n \"$jailsocket\" ]; then while [ ! -S \"$jailsocket\" ]; do sleep 0.05; done; fi\n"
          + "mount --rbind \"$d/dev\" /dev\n"
          + "exec \"$@\"\n";

  private Path jail;
  private Path scratch;

  @BeforeEach
  void setUp() throws Exception {
    Root.require();
    jail = Jails.fresh("syslog-restart");
    // dev/ in both runs, root's and 0755: the one difference between them is the socket.
    Files.createDirectory(jail.resolve("dev"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    scratch = Jails.fresh("syslog-restart-ns");
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      assertReceiversGone();
    } finally {
      Jails.remove(jail);
      Jails.remove(scratch);
    }
  }

  /** No receiver, and no loop restarting one, outlives the child by more than 5 s. */
  private void assertReceiversGone() throws Exception {
    Leftovers.assertNoneOutlives(scratch.toString(), "a receiver or its restarting loop", Duration.ofSeconds(5));
  }

  private ChildJvm start(boolean jailSocket) throws Exception {
    String socket = jailSocket ? jail.resolve("dev/log").toString() : "";
    List<String> wrapper =
        List.of("unshare", "--mount", "--propagation", "private", "env", "RECEIVER=" + RECEIVER, "sh", "-c", WRAPPER, "sh", scratch.toString(), socket);
    return ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), List.of(), "dev.confine.it.SyslogRestartChild", jail.toString(), "65534", "65534");
  }

  /** The first line starting with {@code prefix} and containing {@code text}, waited for. */
  private static Optional<String> line(ChildJvm child, String prefix, String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      Optional<String> found = child.output().lines().filter(l -> l.startsWith(prefix) && l.contains(text)).findFirst();
      if (found.isPresent()) {
        return found;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return Optional.empty();
  }

  private static String await(ChildJvm child, String prefix, String text) throws InterruptedException {
    return line(child, prefix, text, Duration.ofSeconds(20))
        .orElseThrow(() -> new AssertionError("no \"" + prefix + "\" line with \"" + text + "\"; child said:\n" + child.output()));
  }

  /** Kills the receiver of this generation as a restart would end it, and waits for the next one's sockets. */
  private static void restartReceiver(ChildJvm child) throws Exception {
    long pid = Long.parseLong(await(child, "RECEIVER-READY 1 ", "").split(" ")[2]);
    ProcessHandle receiver = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("receiver " + pid + " is gone already"));
    receiver.destroyForcibly();
    receiver.onExit().get();
    await(child, "RECEIVER-READY 2 ", "");
  }

  /** Logs before and after the restart; returns the child's output once it has ended. */
  private String logAcrossARestart(ChildJvm child, boolean arrives) throws Exception {
    child.await("READY", Duration.ofSeconds(60));
    child.send("log before-the-restart");
    String before = await(child, "SYSLOG-RECEIVED[host] 1 ", "before-the-restart");
    assertTrue(before.contains(" confine-it[" + child.pid() + "]: before-the-restart"), before);

    restartReceiver(child);

    child.send("log after-the-restart");
    await(child, "LOGGED ", "after-the-restart");
    Optional<String> after = line(child, "SYSLOG-RECEIVED", "after-the-restart", Duration.ofSeconds(arrives ? 10 : 2));
    if (arrives) {
      assertTrue(after.isPresent(), "lost after the restart although the jail has its socket:\n" + child.output());
      assertTrue(after.get().startsWith("SYSLOG-RECEIVED[jail] 2 <156>"), after.get());
      assertTrue(after.get().contains(" confine-it[" + child.pid() + "]: after-the-restart"), after.get());
    } else {
      assertEquals(Optional.empty(), after, "the jail has no socket, yet the message arrived:\n" + child.output());
    }
    child.send("exit");
    assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    return child.output();
  }

  @Test
  void withASocketInTheJailMessagesAfterTheRestartArrive() throws Exception {
    Path socket = jail.resolve("dev/log");
    try (ChildJvm child = start(true)) {
      logAcrossARestart(child, true);
      String output = child.output();
      assertTrue(output.contains("FINDING INFO syslog-jail-socket " + socket + " is a socket"), output);
      assertFalse(output.contains("syslog-jail-socket-missing"), output);
    }
  }

  @Test
  void withoutOneTheyAreLostSilently() throws Exception {
    // The control: the same child, the same restart, no socket in the jail.
    Path socket = jail.resolve("dev/log");
    try (ChildJvm child = start(false)) {
      logAcrossARestart(child, false);
      String output = child.output();
      assertTrue(output.contains("FINDING WARNING syslog-jail-socket-missing " + socket + " does not exist"), output);
      assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "no socket was made in the jail");
    }
  }
}
