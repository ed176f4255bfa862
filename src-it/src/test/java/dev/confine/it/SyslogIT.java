package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real datagram receiver at /dev/log, inside a private mount namespace (the host's /dev is never
 * touched: a tmpfs holds a new /dev with null, zero, random, urandom bound in and the receiver's
 * socket as log, and it is bind-mounted over /dev in the namespace only). The child confines
 * itself there and logs after chroot.
 */
class SyslogIT {
  /**
   * $1 is the namespace's scratch directory; the rest is the java command. The receiver prints
   * each datagram as "SYSLOG-RECEIVED <text>" on the same output as the child.
   */
  private static final String WRAPPER =
      "set -e\n"
          + "d=$1; shift\n"
          + "mount -t tmpfs -o mode=0755 tmpfs \"$d\"\n"
          + "mkdir \"$d/dev\"\n"
          + "for n in null zero random urandom; do touch \"$d/dev/$n\"; mount --bind \"/dev/$n\" \"$d/dev/$n\"; done\n"
          + "/usr/bin/python3 -u -c '\n"
          + "import os, socket, sys\n"
          + "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
          + "s.bind(sys.argv[1])\n"
          // The shell execs the java command, so the receiver's parent is the child JVM: once that
          // exits the receiver is reparented, sees it within half a second, and ends too.
          + "parent = os.getppid()\n"
          + "s.settimeout(0.5)\n"
          + "while True:\n"
          + "    try:\n"
          + "        data = s.recv(65536)\n"
          + "    except socket.timeout:\n"
          + "        if os.getppid() != parent:\n"
          + "            break\n"
          + "        continue\n"
          // One write(2) per line, newline included (print() makes two): the child's lines share
          // this pipe and would otherwise land between the text and its newline.
          + "    os.write(1, (\"SYSLOG-RECEIVED \" + data.decode(\"utf-8\", \"replace\").replace(\"\\n\", \" \") + \"\\n\").encode(\"utf-8\"))\n"
          + "' \"$d/dev/log\" &\n"
          + "while [ ! -S \"$d/dev/log\" ]; do sleep 0.05; done\n"
          + "mount --rbind \"$d/dev\" /dev\n"
          + "exec \"$@\"\n";

  private Path jail;
  private Path scratch;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("syslog");
    scratch = Jails.fresh("syslog-ns");
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      assertReceiverGone();
    } finally {
      Jails.remove(jail);
      Jails.remove(scratch);
    }
  }

  /** The receiver must end with the child: no process of this test outlives it for long. */
  private void assertReceiverGone() throws Exception {
    Leftovers.assertNoneOutlives(scratch + "/dev/log", "the /dev/log receiver", Duration.ofSeconds(5));
  }

  private ChildJvm start(String... options) throws Exception {
    List<String> wrapper = List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", WRAPPER, "sh", scratch.toString());
    String[] args = new String[3 + options.length];
    args[0] = jail.toString();
    args[1] = "65534";
    args[2] = "65534";
    System.arraycopy(options, 0, args, 3, options.length);
    return ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), List.of(), "dev.confine.it.HardenChild", args);
  }

  /** The receiver's line, which may come before or after the child's READY on the shared output. */
  private static String received(ChildJvm child, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      java.util.Optional<String> line = child.output().lines().filter(l -> l.startsWith("SYSLOG-RECEIVED")).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("nothing received at /dev/log within " + timeout + "; child said:\n" + child.output());
  }

  @Test
  void aMessageSentAfterConfinementArrivesWithTheIdentAndFacility() throws Exception {
    try (ChildJvm child = start("--syslog=confine-it", "--message=after-chroot-with-handle")) {
      child.await("READY", Duration.ofSeconds(60));
      String received = received(child, Duration.ofSeconds(10));
      // <156> = LOCAL3 (19 << 3) | WARNING (4); LOG_PID puts the pid after the ident.
      assertTrue(received.startsWith("SYSLOG-RECEIVED <156>"), received);
      assertTrue(received.contains(" confine-it[" + child.pid() + "]: after-chroot-with-handle"), received + "\n" + child.output());
      assertEquals("handle", child.probes().get("syslog-sent"));
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void withoutOpenSyslogFirstTheMessageIsLost() throws Exception {
    try (ChildJvm child = start("--message=after-chroot-without-openlog")) {
      child.await("READY", Duration.ofSeconds(60));
      assertEquals("plain", child.probes().get("syslog-sent"), child.output());
      Thread.sleep(1500);
      assertFalse(child.output().contains("SYSLOG-RECEIVED"), "/dev/log is not in the jail, so syslog(3) without openlog first is lost:\n" + child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }
}
