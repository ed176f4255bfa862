package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Host name lookups after confinement (NAME_LOOKUPS): glibc reads the jail's etc/nsswitch.conf,
 * etc/hosts and etc/resolv.conf. The name used is known only to the jail's hosts file (a .test
 * name, reserved, so no resolver anywhere knows it), so the answer proves where it came from.
 */
class NameLookupIT {
  private static final String NAME = "backend.confine.test";
  private static final String ADDRESS = "192.0.2.7"; // TEST-NET-1: never routed
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("names");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  private Map<String, String> run() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.NameLookupChild", jail.toString(), "65534", "65534", NAME)) {
      child.await("READY", Duration.ofSeconds(60));
      assertEquals(jail, ProcView.root(child.pid()), child.output());
      return child.probes();
    }
  }

  @Test
  void theHostOutsideDoesNotKnowTheName() {
    try {
      InetAddress found = InetAddress.getByName(NAME);
      throw new AssertionError(NAME + " resolves on this host (" + found + "): the test could not tell where an answer came from");
    } catch (UnknownHostException expected) {
      // the control: only the jail's hosts file will know it
    }
  }

  @Test
  void aNameInTheJailsHostsFileResolvesAfterConfinement() throws Exception {
    Files.createDirectory(jail.resolve("etc"));
    Files.writeString(jail.resolve("etc/nsswitch.conf"), "hosts: files dns\n");
    Files.writeString(jail.resolve("etc/hosts"), "127.0.0.1 localhost\n" + ADDRESS + " " + NAME + "\n");
    Files.writeString(jail.resolve("etc/resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
    Map<String, String> p = run();
    assertEquals("", p.get("missing"), p.toString());
    assertEquals("true", p.get("names-prepared"));
    assertEquals("OK " + ADDRESS, p.get("lookup"), p.toString());
    assertEquals("true", p.get("localhost"));
  }

  @Test
  void withoutTheFilesPreflightWarnsAndTheNameDoesNotResolve() throws Exception {
    Map<String, String> p = run();
    assertEquals("etc/nsswitch.conf,etc/hosts,etc/resolv.conf", p.get("missing"), p.toString());
    assertEquals("FAIL UnknownHostException", p.get("lookup"), p.toString());
    assertEquals("true", p.get("localhost"), "the JDK falls back to loopback for localhost");
  }
}
