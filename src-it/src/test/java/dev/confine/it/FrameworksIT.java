package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The frameworks users run, unmodified, under the agent into an empty jail (issue 29): each either
 * works (GET and POST of JSON and a class loaded late answered by the confined process, every
 * thread 65534 and root the jail seen from outside, SIGTERM ends it) or is refused before its
 * {@code main} with the fixes named. Never confined and then hung.
 */
class FrameworksIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Path QUARKUS = Path.of(System.getProperty("confine.it.quarkusTarget", "src-it/apps/quarkus-rest/target"));
  private Path jail;

  @BeforeEach
  void setUp() throws IOException {
    Root.require();
    jail = Jails.fresh("frameworks");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  /** java [--enable-native-access] -javaagent:...=OPTIONS then {@code rest}, its working directory {@code directory}. */
  private static ChildJvm agentJvm(String options, Path directory, List<String> rest) throws IOException {
    List<String> command = new ArrayList<>(List.of("env", "--chdir=" + directory)); // env execs java: the pid is the JVM's
    command.add(Path.of(ChildJvm.javaHome(), "bin", "java").toString());
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.add("-javaagent:" + System.getProperty("confine.it.agentJar") + "=" + options);
    command.addAll(rest);
    return ChildJvm.startCommand(command);
  }

  private String options(int port) {
    return "root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port;
  }

  @Test
  void quarkusFastJarOutsideTheJailIsRefusedBeforeMainWithTheFixes() throws Exception {
    int port = Examples.freePort();
    Path app = QUARKUS.resolve("quarkus-app").toRealPath();
    try (ChildJvm child = agentJvm(options(port), app.getParent(),
        List.of("-Dquarkus.http.port=" + port, "-jar", "quarkus-app/quarkus-run.jar"))) {
      int status = child.waitFor(START);
      String out = child.output();
      System.out.println("FrameworksIT: Quarkus fast-jar, empty jail:\n" + out);
      assertEquals(78, status, out);
      assertTrue(out.contains("confine-agent: Quarkus fast-jar (" + app.resolve("quarkus-run.jar") + "): its class loader"
          + " (RunnerClassLoader) opens the jars under " + app.resolve("lib") + " again by their path after start"), out);
      assertTrue(out.contains("quarkus.package.jar.type=uber-jar"), out);
      assertTrue(out.contains("bind-mount " + app + " read-only at " + jail + app), out);
      assertFalse(out.contains("powered by Quarkus"), "Quarkus's main never ran: " + out);
      assertFalse(out.contains("confine-agent: armed"), out);
    }
  }

  @Test
  void quarkusFastJarAtTheSamePathInsideTheJailWorks() throws Exception {
    // The layout docs/agent.md describes: the application in the jail, started by its path as
    // seen outside, the jail's own path a link to "/" inside it.
    Path inside = jail.resolve("opt/quarkus-app");
    AgentIT.copyTree(QUARKUS.resolve("quarkus-app"), inside);
    AgentIT.readableByAll(jail.resolve("opt"));
    Path self = jail.resolve(jail.toString().substring(1));
    Files.createDirectories(self.getParent());
    Files.createSymbolicLink(self, Path.of("/"));
    int port = Examples.freePort();
    try (ChildJvm child = agentJvm(options(port), jail.resolve("opt"),
        List.of("-Dquarkus.http.port=" + port, "-jar", inside.resolve("quarkus-run.jar").toString()))) {
      worksConfined(child, port, "Quarkus fast-jar, same path inside");
    }
  }

  @Test
  void quarkusUberJarWorksInAnEmptyJail() throws Exception {
    int port = Examples.freePort();
    Path jar = QUARKUS.resolve("app-runner.jar").toRealPath();
    try (ChildJvm child = agentJvm(options(port), jar.getParent(), List.of("-Dquarkus.http.port=" + port, "-jar", jar.toString()))) {
      worksConfined(child, port, "Quarkus uber-jar, empty jail");
    }
  }

  /**
   * Confined (every thread's ids and the root, read from /proc from outside), then the answers
   * of the confined process: GET JSON, POST echoed, a class first loaded now; then SIGTERM ends it.
   */
  private void worksConfined(ChildJvm child, int port, String what) throws Exception {
    child.await("confine-agent: confined", START);
    String base = "http://127.0.0.1:" + port;
    Curl.Answer hello = awaitAnswer(child, base + "/hello");
    String out = child.output();
    out.lines().filter(l -> l.startsWith("confine-agent: confined"))
        .forEach(l -> System.out.println("FrameworksIT: " + what + ": " + l.substring(0, Math.min(140, l.length()))));
    for (Map<String, String> status : ProcView.threads(child.pid()).values()) {
      assertTrue(status.get("Uid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
      assertTrue(status.get("Gid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
      assertEquals("", status.get("Groups"), out);
    }
    assertEquals(jail, ProcView.root(child.pid()), out);
    assertEquals(200, hello.status, hello + "\n" + out);
    assertTrue(hello.body.contains("\"etcPasswdVisible\":false"), "answered from inside the jail: " + hello + "\n" + out);
    Curl.Answer echo = Curl.postJson(base + "/echo", "{\"name\":\"confine\"}");
    assertEquals(200, echo.status, echo + "\n" + child.output());
    assertTrue(echo.body.contains("\"name\":\"confine\"") && echo.body.contains("\"echoed\":true"), echo + "\n" + child.output());
    Curl.Answer late = Curl.get(base + "/late");
    assertEquals(200, late.status, late + "\n" + child.output());
    assertEquals("com.fasterxml.jackson.databind.util.ISO8601Utils", late.body.trim(), child.output());
    // SIGTERM, as systemd and docker stop send it: the confined server ends by itself.
    ProcessHandle.of(child.pid()).ifPresent(ProcessHandle::destroy);
    int status = child.waitFor(Duration.ofSeconds(30));
    String end = child.output();
    System.out.println("FrameworksIT: " + what + ": SIGTERM -> exit status " + status);
    assertTrue(status == 0 || status == 143, "ended by SIGTERM (0, or 143 = 128 + 15): " + status + "\n" + end);
    assertFalse(end.contains("Graceful shutdown failed"), end);
    assertFalse(end.contains("NoSuchFileException"), end);
  }

  /** The first answer: the server listens (confined) a moment before its routes are ready. */
  private static Curl.Answer awaitAnswer(ChildJvm child, String url) throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    while (true) {
      Curl.Answer answer;
      try {
        answer = Curl.get(url);
      } catch (AssertionError noAnswerYet) {
        answer = null;
      }
      if (answer != null && answer.status != 0) {
        return answer;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no answer from " + url + " within " + START + "; the child said:\n" + child.output());
      }
      Thread.sleep(100);
    }
  }
}
