package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent on an unmodified server: PlainServer, with nothing of confine on its class path,
 * started with {@code -javaagent:confine-agent.jar=...}. It must be confined once its port
 * listens, and fail closed otherwise: a bad option or a refused jail stops the JVM before the
 * server's main; a port that never listens stops it after the timeout; never does the server go
 * on serving as root.
 */
class AgentIT {
  private static final Duration START = Duration.ofSeconds(60);
  private Path jail;

  @BeforeEach
  void setUp() throws IOException {
    Root.require();
    jail = Jails.fresh("agent");
    Files.createDirectories(jail.resolve("srv/www"));
    Files.writeString(jail.resolve("srv/www/index.txt"), "served from the jail\n");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static ChildJvm server(String agentOptions, int port) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(ChildJvm.javaHome(), "bin", "java").toString());
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.add("-javaagent:" + System.getProperty("confine.it.agentJar") + "=" + agentOptions);
    command.addAll(List.of("-cp", System.getProperty("confine.it.childrenJar"), "dev.confine.it.PlainServer", String.valueOf(port)));
    return ChildJvm.startCommand(command);
  }

  @Test
  void anUnmodifiedServerIsConfinedOnceItsPortListens() throws Exception {
    int port = freePort();
    try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port, port)) {
      child.await("confine-agent: confined", START);
      String out = child.output();
      assertTrue(out.contains("confine-agent: armed: confining to " + jail + " as soon as [127.0.0.1:" + port + "] listen"), out);
      Map<String, Map<String, String>> threads = ProcView.threads(child.pid());
      for (Map<String, String> status : threads.values()) {
        assertTrue(status.get("Uid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
        assertTrue(status.get("Gid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
        assertEquals("", status.get("Groups"), out);
      }
      assertEquals(jail, ProcView.root(child.pid()), out);
      assertEquals("hello", Curl.get("http://127.0.0.1:" + port + "/").body, out);
      // The path the server names (/srv/www/index.txt) now resolves inside the jail.
      assertEquals("served from the jail", Curl.get("http://127.0.0.1:" + port + "/file/srv/www/index.txt").body, out);
    }
  }

  @Test
  void aBadOptionStopsTheJvmBeforeTheServersMain() throws Exception {
    int port = freePort();
    for (String[] bad :
        new String[][] {
          {"root=" + jail + ",user=65534,group=65534,listen=" + port + ",rooot=/x", "unknown key \"rooot\""},
          {"root=relative/jail,user=65534,group=65534,listen=" + port, "relative/jail"},
          {"root=" + jail + ",user=0,group=65534,listen=" + port, "must not be 0"},
          {"root=" + jail + ",user=no-such-user-confine,listen=" + port, "no-such-user-confine"},
          {"root=" + jail + ",user=65534,group=65534,listen=70000", "port 70000"},
        }) {
      try (ChildJvm child = server(bad[0], port)) {
        int status = child.waitFor(START);
        String out = child.output();
        assertEquals(78, status, bad[0] + "\n" + out);
        assertTrue(out.contains(bad[1]), "the message names the value: " + bad[1] + "\n" + out);
        assertFalse(out.contains("MAIN started"), "the server's main never ran\n" + out);
      }
    }
  }

  @Test
  void aJailThePreflightRefusesStopsTheJvmBeforeTheServersMain() throws Exception {
    Files.setPosixFilePermissions(jail.resolve("srv/www"), PosixFilePermissions.fromString("rwxrwxrwx"));
    int port = freePort();
    try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=" + port, port)) {
      assertEquals(78, child.waitFor(START), child.output());
      assertTrue(child.output().contains("jail-writable"), child.output());
      assertFalse(child.output().contains("MAIN started"), child.output());
    }
  }

  @Test
  void aPortThatNeverListensStopsTheJvmAfterTheTimeout() throws Exception {
    int served = freePort();
    int awaited = freePort();
    try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=" + awaited + ",timeout=3", served)) {
      assertEquals(78, child.waitFor(START), child.output());
      String out = child.output();
      assertTrue(out.contains("MAIN listening"), "the server ran\n" + out);
      assertTrue(out.contains("port(s) [" + awaited + "] did not listen within 3 s"), out);
      assertFalse(out.contains("confine-agent: confined"), out);
    }
  }
}
