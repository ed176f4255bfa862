package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What the examples' ITs share: ports, a jail with a secret beside it, and the outside checks. */
final class Examples {
  /** Traversal attempts, raw (curl --path-as-is sends them as they are). */
  static final List<String> TRAVERSALS =
      List.of(
          "/../../etc/passwd",
          "/../../../../../../etc/passwd",
          "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
          "/..%2f..%2f..%2f..%2fetc%2fpasswd",
          "/%2e%2e%2f%2e%2e%2fsecret.txt",
          "/../secret.txt",
          "/%2e%2e/secret.txt",
          "/..%2fsecret.txt",
          "/....//....//etc/passwd",
          "/%252e%252e/%252e%252e/etc/passwd");

  private Examples() {}

  /** A directory holding the jail and, beside it (outside the jail), a secret file. */
  static final class JailWithSecret {
    final Path parent;
    final Path jail;
    final String secret = "SECRET-OUTSIDE-THE-JAIL-" + UUID.randomUUID();

    JailWithSecret(String name) throws IOException {
      parent = Jails.fresh(name);
      jail = parent.resolve("jail");
      Files.createDirectory(jail);
      Files.setPosixFilePermissions(jail, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path secretFile = parent.resolve("secret.txt");
      Files.writeString(secretFile, secret + "\n");
      Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-r--r--"));
    }

    void remove() {
      Jails.remove(parent);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * A free port other than {@code taken}: two freePort() calls in a row can return the same port
   * (the kernel may hand out the one just released), and a server given it twice fails to start
   * (seen once in CI: Boot's management server on the main server's port).
   */
  static int freePortOtherThan(int taken) throws IOException {
    for (int i = 0; i < 100; i++) {
      int port = freePort();
      if (port != taken) {
        return port;
      }
    }
    throw new IOException("no free port other than " + taken + " in 100 tries");
  }

  /** A free port below 1024, so the example shows binding a privileged port as root. */
  static int freePrivilegedPort() throws IOException {
    for (int port = 980; port > 900; port--) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException busy) {
        // try the next one
      }
    }
    throw new IOException("no free port in 901..980 on 127.0.0.1");
  }

  /** From outside: every thread holds uid and gid 65534, no group, no capability; its root is the jail. */
  static void assertConfinedFromOutside(long pid, Path jail) throws IOException {
    assertEquals(jail, ProcView.root(pid), "/proc/" + pid + "/root is the jail");
    Map<String, String> process = ProcView.status(Path.of("/proc", String.valueOf(pid), "status"));
    assertEquals("65534\t65534\t65534\t65534", process.get("Uid"), "Uid in /proc/" + pid + "/status");
    assertEquals("65534\t65534\t65534\t65534", process.get("Gid"), "Gid in /proc/" + pid + "/status");
    Map<String, Map<String, String>> threads = ProcView.threads(pid);
    assertTrue(threads.size() > 5, "a server JVM has many threads: " + threads.keySet());
    threads.forEach(
        (tid, status) -> {
          String name = "thread " + tid + " (" + status.get("Name") + ")";
          assertEquals("65534\t65534\t65534\t65534", status.get("Uid"), "Uid of " + name);
          assertEquals("65534\t65534\t65534\t65534", status.get("Gid"), "Gid of " + name);
          assertEquals("", status.get("Groups"), "Groups of " + name);
          assertEquals("0000000000000000", status.get("CapEff"), "CapEff of " + name);
          assertEquals("0000000000000000", status.get("CapPrm"), "CapPrm of " + name);
        });
  }

  /**
   * The page the examples answer with (one format for all: confine-examples' RunsTest), as the
   * confined process sees itself: its ids, and its "/" holding what the jail holds seen from here.
   */
  static void assertIdentityPage(Curl.Answer answer, Path jail) throws IOException {
    assertEquals(200, answer.status, answer.toString());
    List<String> lines = List.of(answer.body.split("\n"));
    assertEquals(6, lines.size(), answer.body);
    assertEquals("uid=[65534, 65534, 65534]", lines.get(0), answer.body);
    assertEquals("gid=[65534, 65534, 65534]", lines.get(1), answer.body);
    assertEquals("groups=[]", lines.get(2), answer.body);
    String entries;
    try (java.util.stream.Stream<Path> list = Files.list(jail)) {
      entries = list.map(p -> p.getFileName().toString()).sorted().collect(java.util.stream.Collectors.joining(","));
    }
    assertEquals("root=" + jail + " (chrooted; \"/\" holds: " + entries + ")", lines.get(3), answer.body);
    assertEquals("etc-passwd-visible=false", lines.get(4), answer.body);
  }

  /** No answer carries /etc/passwd's or the secret's content. */
  static void assertNoLeak(Curl.Answer answer, JailWithSecret jail, String what) {
    assertFalse(answer.body.contains("root:x:0:0") || answer.body.contains("root:*:0:0"), what + " leaked /etc/passwd: " + answer);
    assertFalse(answer.body.contains(jail.secret), what + " leaked a file outside the jail: " + answer);
  }

  /** Nothing the jail hid from the JVM broke it: no uncaught exception, no class or library that failed to load. */
  static void assertNoJvmTrouble(ChildJvm child) {
    String output = child.output();
    for (String trouble : List.of("Exception in thread", "NoClassDefFoundError", "ExceptionInInitializerError", "UnsatisfiedLinkError", "FileNotFoundException")) {
      assertFalse(output.contains(trouble), "the example printed " + trouble);
    }
  }

  /** The files the traversal attempts aim at exist and are readable here, so a leak would show. */
  static void assertTargetsExist(JailWithSecret jail) throws IOException {
    assertTrue(Files.readString(Path.of("/etc/passwd")).contains("root:"), "/etc/passwd is readable by the test");
    assertTrue(Files.readString(jail.parent.resolve("secret.txt")).contains(jail.secret));
  }
}
