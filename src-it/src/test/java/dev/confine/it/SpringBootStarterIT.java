package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spring Boot applications with only the starter and properties, run as fat jars (java -jar):
 * Boot 4.0 and Boot 3.5, Tomcat. Confined once the server listens; JSON in and out afterwards; a
 * class from a nested jar nothing loaded before still loads in the jail; and failing closed.
 */
class SpringBootStarterIT {
  private static final Duration START = Duration.ofSeconds(90);
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("boot");
  }

  @AfterEach
  void tearDown() {
    try {
      Jails.remove(jail);
    } finally {
      TomcatTempDirs.removeStarted(); // what a halted, killed or control child left in /tmp
    }
  }

  /** Boot's log lines begin with a timestamp: wait for the text anywhere in the output. */
  static void awaitText(ChildJvm child, String text) throws InterruptedException {
    long deadline = System.nanoTime() + START.toNanos();
    while (!child.output().contains(text)) {
      if (System.nanoTime() > deadline || !ProcessHandle.of(child.pid()).map(ProcessHandle::isAlive).orElse(false)) {
        throw new AssertionError("no \"" + text + "\" in the output:\n" + child.output());
      }
      Thread.sleep(50);
    }
  }

  static ChildJvm app(String which, int port, String... properties) throws IOException {
    return app(List.of(), which, port, properties);
  }

  /** The application {@code which} (boot4, boot35, boot4webflux) with JVM options and Boot arguments. */
  static ChildJvm app(List<String> jvmOptions, String which, int port, String... properties) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(ChildJvm.javaHome(), "bin", "java").toString());
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", System.getProperty("confine.it." + which + "App"), "--server.port=" + port));
    command.addAll(List.of(properties));
    TomcatTempDirs.started(port);
    for (String property : properties) {
      if (property.startsWith("--management.server.port=")) {
        TomcatTempDirs.started(Integer.parseInt(property.substring("--management.server.port=".length())));
      }
    }
    return ChildJvm.startCommand(command);
  }

  @ParameterizedTest
  @ValueSource(strings = {"boot4", "boot35"})
  void aBootApplicationIsConfinedOnceItListensAndServesJsonFromTheJail(String which) throws Exception {
    int port = Examples.freePort();
    try (ChildJvm child = app(which, port, "--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534")) {
      awaitText(child, "confine: confined after [" + port + "] listened");
      String out = child.output();
      for (Map<String, String> status : ProcView.threads(child.pid()).values()) {
        assertTrue(status.get("Uid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
        assertTrue(status.get("Gid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
        assertEquals("", status.get("Groups"), out);
      }
      assertEquals(jail, ProcView.root(child.pid()), out);
      String base = "http://127.0.0.1:" + port;
      assertEquals("{\"message\":\"hello\",\"etcPasswdVisible\":false}", Curl.get(base + "/hello").body, out);
      assertEquals("{\"a\":1,\"echoed\":true}", Curl.postJson(base + "/echo", "{\"a\":1}").body, out);
      assertEquals("dev.confine.testing.InjectedFailure", Curl.get(base + "/nested").body, "a class from a nested jar, first loaded in the jail\n" + out);
    }
  }

  /**
   * Issue 27, route 3: a management port of its own in the properties, but no Actuator, so Boot
   * makes no management server. The starter expected two servers and waited forever as root.
   * It now reads the count from the context (Actuator's child-context initializer or not) and
   * confines at the one server's listen; Boot's started event and a deadline bound it anyway.
   */
  @org.junit.jupiter.api.Test
  void aManagementPortWithoutAManagementServerStillConfines() throws Exception {
    int port = Examples.freePort();
    int management = Examples.freePortOtherThan(port);
    try (ChildJvm child = app("boot4", port, "--management.server.port=" + management, "--confine.root=" + jail, "--confine.user=65534",
        "--confine.group=65534")) {
      awaitText(child, "confine: confined after [" + port + "] listened");
      String out = child.output();
      assertTrue(out.contains("confine: 1 web server(s) in this application (from the context)"),
          "a port in the properties is not a server: Boot made none without Actuator\n" + out);
      assertFalse(out.contains("the application has started with"), "confined at the listen, not at the start's end\n" + out);
      for (Map<String, String> status : ProcView.threads(child.pid()).values()) {
        assertTrue(status.get("Uid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
      }
      assertEquals(jail, ProcView.root(child.pid()), out);
      assertEquals("{\"message\":\"hello\",\"etcPasswdVisible\":false}", Curl.get("http://127.0.0.1:" + port + "/hello").body, out);
    }
  }

  /**
   * Issue 29: Boot makes /tmp/tomcat.PORT.N and /tmp/tomcat-docbase.PORT.N as root and registers them
   * with deleteOnExit, which the JVM, confined, runs from the jail, where the paths name nothing.
   * The starter deletes them right before chroot, and says so; the confined server still answers,
   * a missing static file with a 404 (its docBase names nothing in the jail either way); a graceful
   * stop leaves nothing of this child's (its port) behind.
   */
  @ParameterizedTest
  @ValueSource(strings = {"boot4", "boot35"})
  void bootsTemporaryDirectoriesAreDeletedBeforeChrootAndNoneIsLeftAfterAGracefulStop(String which) throws Exception {
    int port = Examples.freePort();
    List<Path> before = TomcatTempDirs.of(port);
    try (ChildJvm child = app(which, port, "--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534")) {
      awaitText(child, "confine: confined after [" + port + "] listened");
      String out = child.output();
      String line = out.lines().filter(l -> l.contains("confine: deleted before chroot the temporary directories Boot made")).findFirst()
          .orElseThrow(() -> new AssertionError("no deleted line\n" + out));
      System.out.println("SpringBootStarterIT: " + which + ": " + line.substring(line.indexOf("confine: ")));
      List<String> deleted = List.of(line.substring(line.lastIndexOf('[') + 1, line.lastIndexOf(']')).split(", "));
      assertEquals(2, deleted.size(), line);
      assertTrue(deleted.stream().anyMatch(p -> Path.of(p).getFileName().toString().startsWith("tomcat." + port + ".")), line);
      assertTrue(deleted.stream().anyMatch(p -> Path.of(p).getFileName().toString().startsWith("tomcat-docbase." + port + ".")), line);
      for (String path : deleted) {
        assertFalse(Files.exists(Path.of(path)), path + " is still there once confined\n" + out);
      }
      assertFalse(out.contains("left behind"), out);
      assertEquals(List.of(), minus(TomcatTempDirs.of(port), before), out);
      String base = "http://127.0.0.1:" + port;
      assertEquals("{\"message\":\"hello\",\"etcPasswdVisible\":false}", Curl.get(base + "/hello").body, out);
      Curl.Answer missing = Curl.get(base + "/no-such-file.css");
      assertEquals(404, missing.status, missing + "\n" + child.output());
      ProcessHandle.of(child.pid()).ifPresent(ProcessHandle::destroy); // SIGTERM: Boot stops gracefully, exit hooks run
      assertEquals(143, child.waitFor(START), child.output());
      assertEquals(List.of(), minus(TomcatTempDirs.of(port), before), child.output());
    }
  }

  /**
   * Control: with the deletion off (-Dconfine.spring.keepTempDirs=true, for comparison only) the
   * same start leaves both directories, root's, in /tmp after a graceful stop: the JVM's exit-time
   * deletion ran in the jail. (The test then removes them.)
   */
  @org.junit.jupiter.api.Test
  void controlWithTheDeletionOffBootsTemporaryDirectoriesStayBehind() throws Exception {
    int port = Examples.freePort();
    List<Path> before = TomcatTempDirs.of(port);
    try (ChildJvm child = app(List.of("-Dconfine.spring.keepTempDirs=true"), "boot4", port, "--confine.root=" + jail, "--confine.user=65534",
        "--confine.group=65534")) {
      awaitText(child, "confine: confined after [" + port + "] listened");
      assertFalse(child.output().contains("confine: deleted before chroot"), child.output());
      assertEquals("{\"message\":\"hello\",\"etcPasswdVisible\":false}", Curl.get("http://127.0.0.1:" + port + "/hello").body);
      ProcessHandle.of(child.pid()).ifPresent(ProcessHandle::destroy);
      assertEquals(143, child.waitFor(START), child.output());
      List<Path> left = minus(TomcatTempDirs.of(port), before);
      System.out.println("SpringBootStarterIT: control, deletion off: left after a graceful stop: " + left);
      assertEquals(2, left.size(), left + "\n" + child.output());
      for (Path dir : left) {
        assertEquals("root", Files.getOwner(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName(), dir.toString());
      }
    }
  }

  private static List<Path> minus(List<Path> now, List<Path> before) {
    List<Path> rest = new ArrayList<>(now);
    rest.removeAll(before);
    return rest;
  }

  /** A server that never listens: the deadline halts the application with 78 and says why. */
  @org.junit.jupiter.api.Test
  void anApplicationNotConfinedByTheDeadlineIsHalted() throws Exception {
    int port = Examples.freePort();
    long start = System.nanoTime();
    // The web server starts only after a lifecycle phase that outlasts the deadline
    // (-Dit.stallBeforeServerMillis): a server that never gets to listen.
    List<String> command = new ArrayList<>();
    command.add(Path.of(ChildJvm.javaHome(), "bin", "java").toString());
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of("-Dit.stallBeforeServerMillis=60000", "-jar", System.getProperty("confine.it.boot4App"), "--server.port=" + port,
        "--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534", "--confine.listen-timeout=3s"));
    TomcatTempDirs.started(port);
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      int status = child.waitFor(START);
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      String out = child.output();
      assertEquals(78, status, out);
      assertTrue(out.contains("confine: not confined within 3000 ms"), out);
      assertFalse(out.contains("confine: confined after"), out);
      // The stall lasts 60 s from the lifecycle phase; the deadline is 3 s from the starter's creation
      // (a loaded machine took 12 s to get the JVM that far).
      assertTrue(seconds < 45, "halted after " + seconds + " s, before the stall ended\n" + out);
      assertFalse(out.contains("Tomcat started"), "the server never listened\n" + out);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"boot4", "boot35"})
  void withoutConfineRootItRunsUnconfinedAndSaysSo(String which) throws Exception {
    int port = Examples.freePort();
    try (ChildJvm child = app(which, port)) {
      awaitText(child, "Started App");
      assertTrue(child.output().contains("confine: no confine.root set: this application runs unconfined"), child.output());
      assertEquals("{\"message\":\"hello\",\"etcPasswdVisible\":true}", Curl.get("http://127.0.0.1:" + port + "/hello").body);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"boot4", "boot35"})
  void aPolicyThatDoesNotBuildOrAJailThatIsRefusedStopsItBeforeItListens(String which) throws Exception {
    int port = Examples.freePort();
    try (ChildJvm child = app(which, port, "--confine.root=" + jail, "--confine.user=0")) {
      int status = child.waitFor(START);
      assertNotEquals(0, status, child.output());
      assertTrue(child.output().contains("must not be 0"), child.output());
      assertFalse(child.output().contains("Tomcat started"), "never listened\n" + child.output());
    }
    Files.createDirectory(jail.resolve("open"));
    Files.setPosixFilePermissions(jail.resolve("open"), PosixFilePermissions.fromString("rwxrwxrwx"));
    try (ChildJvm child = app(which, port, "--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534")) {
      int status = child.waitFor(START);
      assertNotEquals(0, status, child.output());
      assertTrue(child.output().contains("jail-writable"), child.output());
      // Boot's report, through the starter's FailureAnalyzer: the finding once, and the action.
      assertTrue(child.output().contains("APPLICATION FAILED TO START") && child.output().contains("Action:"), child.output());
      assertTrue(child.output().split("jail-writable", -1).length - 1 <= 2, "the finding is not repeated through nested exceptions\n" + child.output());
      assertFalse(child.output().contains("Tomcat started"), "never listened\n" + child.output());
    }
  }

  @org.junit.jupiter.api.Test
  void whenApplyItselfRefusesTheApplicationStopsBeforeItServes() throws Exception {
    int port = Examples.freePort();
    // The jail passes the starter's check at startup; then the application opens /etc (a host
    // directory: an fchdir escape) before its server starts. apply() refuses, and the starter halts.
    List<String> command = new ArrayList<>();
    command.add(Path.of(ChildJvm.javaHome(), "bin", "java").toString());
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of("-Dit.holdDirectory=/etc", "-jar", System.getProperty("confine.it.boot4App"),
        "--server.port=" + port, "--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534"));
    TomcatTempDirs.started(port);
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      int status = child.waitFor(START);
      String out = child.output();
      assertEquals(78, status, out);
      assertTrue(out.contains("confine: will confine to " + jail), "the startup check passed\n" + out);
      assertTrue(out.contains("apply() failed") && out.contains("open-directory-fd"), out);
      assertFalse(out.contains("confine: confined after"), out);
    }
    // Control: the same jar and jail without the held directory is confined.
    try (ChildJvm child = app("boot4", port, "--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534")) {
      awaitText(child, "confine: confined after [" + port + "] listened");
    }
  }

  @org.junit.jupiter.api.Test
  void aReactiveApplicationWithAManagementServerIsConfinedOnceBothListenAndActuatorSaysSo() throws Exception {
    int port = Examples.freePort();
    int management = Examples.freePortOtherThan(port);
    try (ChildJvm child =
        app("boot4webflux", port, "--management.server.port=" + management, "--confine.root=" + jail, "--confine.user=65534",
            "--confine.group=65534")) {
      awaitText(child, "confine: 2 web server(s) in this application (from the context)");
      awaitText(child, "confine: confined after [");
      String out = child.output();
      assertTrue(out.contains("confine: confined after [" + port + ", " + management + "] listened (")
          || out.contains("confine: confined after [" + management + ", " + port + "] listened ("), "both servers, then confined\n" + out);
      for (Map<String, String> status : ProcView.threads(child.pid()).values()) {
        assertTrue(status.get("Uid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
        assertEquals("", status.get("Groups"), out);
      }
      assertEquals(jail, ProcView.root(child.pid()), out);
      String base = "http://127.0.0.1:" + port;
      assertEquals("{\"message\":\"hello\",\"etcPasswdVisible\":false}", Curl.get(base + "/hello").body, out);
      assertEquals("{\"a\":1,\"echoed\":true}", Curl.postJson(base + "/echo", "{\"a\":1}").body, out);
      assertEquals("dev.confine.testing.InjectedFailure", Curl.get(base + "/nested").body, out);
      String info = Curl.get("http://127.0.0.1:" + management + "/actuator/info").body;
      assertTrue(info.contains("\"confined\":true") && info.contains("\"root\":\"" + jail + "\"") && info.contains("\"uid\":65534"), info);
      assertFalse(out.contains("confine: deleted before chroot") || out.contains("left behind"), "Netty: no Tomcat directories\n" + out);
      String health = Curl.get("http://127.0.0.1:" + management + "/actuator/health").body;
      assertTrue(health.contains("\"confine\":{\"details\":{\"asked\":true,\"confined\":true"), health);
      assertTrue(health.matches("(?s).*\"confine\":\\{[^}]*\\}[^}]*\"status\":\"UP\".*"), health);
    }
  }
}
