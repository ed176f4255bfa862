package dev.confine.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Capability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentOptionsTest {
  @Test
  void keysBecomeThePolicyAndRepeatedKeysAddToALists() {
    AgentOptions o =
        AgentOptions.parse("root=/srv/jail,user=nobody,listen=80,listen=127.0.0.1:443,groups=44,groups=45,allow-writable=var/spool,"
            + "allow-device=dev/null,allow-setuid=bin/ping,allow-mount=var/data,allow-shared-uid,keep-capabilities=NET_BIND_SERVICE,"
            + "deny-syscalls=default,deny-exec,syslog=myd,timeout=30s");
    assertEquals(Path.of("/srv/jail"), o.policy.root());
    assertEquals("nobody", o.policy.userName().orElseThrow());
    assertEquals("[80, 127.0.0.1:443]", o.listen.toString());
    assertEquals(List.of(44L, 45L), o.policy.supplementaryGroups());
    assertEquals(List.of("var/spool"), o.policy.allowedWritable());
    assertEquals(List.of("dev/null"), o.policy.allowedDeviceNodes());
    assertEquals(List.of("bin/ping"), o.policy.allowedSetuidFiles());
    assertEquals(List.of("var/data"), o.policy.allowedMounts());
    assertTrue(o.policy.sharedUidAllowed());
    assertEquals(List.of(Capability.NET_BIND_SERVICE), o.policy.keptCapabilities());
    assertTrue(o.policy.deniedSyscalls().contains("ptrace"));
    assertTrue(o.policy.execDenied());
    assertEquals("myd", o.policy.syslogIdent().orElseThrow());
    assertEquals(Duration.ofSeconds(30), o.timeout);
  }

  @Test
  void theDefaultsAreThirtySecondsAndNothingAllowed() {
    AgentOptions o = AgentOptions.parse("root=/srv/jail,user=65534,group=65534,listen=8080");
    assertEquals(Duration.ofSeconds(30), o.timeout);
    assertEquals(65534, o.policy.uid().getAsLong());
    assertTrue(o.policy.allowedWritable().isEmpty() && !o.policy.execDenied());
  }

  @Test
  void theSameKeysComeFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("confine.properties");
    Files.writeString(file, "root=/srv/jail\nuser=nobody\nlisten=80,443\nallow-writable=var/spool\n");
    AgentOptions o = AgentOptions.parse("@" + file, AgentOptionsTest::readUnchecked);
    assertEquals("[80, 443]", o.listen.toString());
    assertEquals(List.of("var/spool"), o.policy.allowedWritable());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("@" + dir.resolve("missing"), AgentOptionsTest::readUnchecked))
        .getMessage().contains("cannot read it"));
  }

  @Test
  void anOptionsFileWhoseDirectoryOthersMayWriteIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("confine.properties");
    Files.writeString(file, "root=/srv/jail\nuser=nobody\nlisten=80\n");
    // @TempDir lies under /tmp (mode 1777): anyone could replace the file, or the directory.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("@" + file));
    assertTrue(e.getMessage().contains("whoever can rewrite the policy can keep the process root"), e.getMessage());
    assertTrue(e.getMessage().contains("/tmp") || e.getMessage().contains("owned by uid"), e.getMessage());
    // Control: a root-owned file in root-owned directories nobody else may write passes the check.
    if (Files.getAttribute(Path.of("/etc/passwd"), "unix:uid").equals(0)) {
      dev.confine.PolicyOptions.readFile(Path.of("/etc/passwd"));
    }
  }

  @Test
  void everyMistakeNamesTheKeyAndTheValue() {
    assertMessage("root=/srv/jail,user=nobody,listen=80,rooot=/x", "unknown key rooot (value \"/x\"); did you mean root?");
    assertMessage("root=jail,user=nobody,listen=80", "jail");
    assertMessage("root=/srv/jail,user=0,listen=80", "must not be 0");
    assertMessage("root=/srv/jail,user=nobody,listen=0", "port 0 in \"0\" is not between 1 and 65535");
    assertMessage("root=/srv/jail,user=nobody,listen=80,timeout=0", "timeout: 0 is not between 1 and 300 seconds");
    assertMessage("root=/srv/jail,user=nobody,listen=http", "listen: \"http\" is not a number");
    assertMessage("root=/srv/jail,user=nobody", "listen is missing");
    assertMessage("user=nobody,listen=80", "root is missing");
    assertMessage("root=/srv/jail,listen=80", "user is missing");
    assertMessage("root=/a,root=/b,user=nobody,listen=80", "root is given twice (\"/a\" and \"/b\")");
    assertMessage("root=/srv/jail,user=nobody,listen=80,keep-capabilities=SYS_ADMIN", "keep-capabilities [SYS_ADMIN]: \"SYS_ADMIN\" is not a capability confine can keep");
    assertMessage("root=/srv/jail,user=nobody,listen=80,deny-exec=yes", "deny-exec takes no value");
    assertMessage("root=/srv/jail,user=nobody,listen=80,deny-syscalls=frobnicate", "frobnicate");
    assertMessage("", "no options");
  }

  @Test
  void theBaselineFilterCanLoseAnEntryOrBeTurnedOff() {
    AgentOptions o = AgentOptions.parse("root=/srv/jail,user=65534,listen=80,allow-syscalls=perf_event_open,allow-syscalls=ptrace");
    assertEquals(List.of("perf_event_open", "ptrace"), o.policy.allowedSyscalls());
    assertTrue(o.policy.baselineFilter());
    assertTrue(!AgentOptions.parse("root=/srv/jail,user=65534,listen=80,no-baseline-filter").policy.baselineFilter());
    assertTrue(AgentOptions.parse("root=/srv/jail,user=65534,listen=80").policy.baselineFilter(), "on by default");
    assertMessage("root=/srv/jail,user=65534,listen=80,allow-syscalls=read", "not an entry of the baseline filter: \"read\"");
    IllegalStateException both = assertThrows(IllegalStateException.class,
        () -> AgentOptions.parse("root=/srv/jail,user=65534,listen=80,allow-syscalls=ptrace,no-baseline-filter"));
    assertTrue(both.getMessage().contains("noBaselineFilter()"), both.getMessage());
  }

  @Test
  void atMainKeepsBindingLowPortsAndWaitsForNoPort() {
    AgentOptions o = AgentOptions.parse("root=/srv/jail,user=65534,group=65534,at=main");
    assertEquals(AgentOptions.At.MAIN, o.at);
    assertEquals(List.of(dev.confine.Capability.NET_BIND_SERVICE), o.policy.keptCapabilities());
    assertTrue(o.listen.isEmpty());
    assertEquals(AgentOptions.At.LISTEN, AgentOptions.parse("root=/srv/jail,user=65534,listen=80").at, "the default");
    assertMessage("root=/srv/jail,user=65534,at=main,listen=80", "with at=main");
    assertMessage("root=/srv/jail,user=65534,at=later", "at: \"later\" is not main or listen");
    assertMessage("root=/srv/jail,user=65534", "or at=main");
  }

  /** A file's lines as the agent reads them, without the owner check (a temporary directory is under /tmp). */
  private static List<java.util.Map.Entry<String, String>> readUnchecked(Path file) {
    java.util.Properties p = new java.util.Properties();
    try (java.io.Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(file + ": cannot read it: " + e, e);
    }
    List<java.util.Map.Entry<String, String>> entries = new java.util.ArrayList<>();
    p.stringPropertyNames().stream().sorted().forEach(k -> entries.add(java.util.Map.entry(k, p.getProperty(k))));
    return entries;
  }

  private static void assertMessage(String options, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(options), options);
    assertTrue(e.getMessage().contains(expected), "\"" + expected + "\" in: " + e.getMessage());
  }

  @Test
  void theKernelsTablesOfListeningSocketsAreRead() {
    String tcp =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000 100 0 0 10 0\n"
            + "   1: 0100007F:1F91 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0000 100 0 0 10 0\n";
    List<Listening.Socket> sockets = Listening.parse(tcp);
    assertEquals(1, sockets.size(), "only the LISTEN row (0A)");
    assertEquals(8080, sockets.get(0).port);
    assertEquals(4242, sockets.get(0).inode);
    assertEquals(List.of((byte) 127, (byte) 0, (byte) 0, (byte) 1),
        List.of(sockets.get(0).address[0], sockets.get(0).address[1], sockets.get(0).address[2], sockets.get(0).address[3]));
  }

  /** The same policy as the builder's, the starter's properties' (ConfineOnListenTest) and the doctor's flags' (DoctorTest). */
  @Test
  void theAgentsKeysMakeThePolicyTheBuilderMakes() {
    dev.confine.ConfinementPolicy built = dev.confine.Confinement.builder().root("/srv/app/jail").user("app").group(990).supplementaryGroups(44)
        .allowWritable("var/spool").allowDeviceNodes("dev/null").keepCapabilities(Capability.NET_BIND_SERVICE).denySyscalls().denyExec()
        .openSyslogFirst("app", dev.confine.SyslogFacility.DAEMON).build();
    assertEquals(built, AgentOptions.parse("root=/srv/app/jail,user=app,group=990,groups=44,allow-writable=var/spool,allow-device=dev/null,"
        + "keep-capabilities=cap_net_bind_service,deny-syscalls=default,deny-exec,syslog=app,listen=80").policy);
  }
}
