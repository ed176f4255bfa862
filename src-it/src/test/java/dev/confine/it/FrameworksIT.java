package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
  /**
   * Vert.x's cache directory base for the Quarkus children (-Dvertx.cacheDirBase): Vert.x makes a
   * directory there as root at start and, confined, cannot delete it at exit; under /tmp each run
   * left one behind (docs/agent.md). Here it is a fresh directory the test removes.
   */
  private Path vertxCache;

  @BeforeEach
  void setUp() throws IOException {
    Root.require();
    jail = Jails.fresh("frameworks");
    vertxCache = Jails.fresh("frameworks-vertx");
  }

  @AfterEach
  void tearDown() throws IOException {
    Jails.remove(jail);
    Jails.remove(vertxCache);
    // Quarkus makes its Vert.x cache beside the base it is given, as BASE-<n>: removed as well.
    try (java.util.stream.Stream<Path> siblings = java.nio.file.Files.list(vertxCache.getParent())) {
      for (Path sibling : (Iterable<Path>) siblings::iterator) {
        if (sibling.getFileName().toString().startsWith(vertxCache.getFileName() + "-")) {
          Jails.remove(sibling);
        }
      }
    }
  }

  /** java [--enable-native-access] -javaagent:...=OPTIONS then {@code rest}, its working directory {@code directory}. */
  private static ChildJvm agentJvm(String options, Path directory, List<String> rest) throws IOException {
    return agentJvm(ChildJvm.javaHome(), options, directory, rest);
  }

  private static ChildJvm agentJvm(String javaHome, String options, Path directory, List<String> rest) throws IOException {
    List<String> command = new ArrayList<>(List.of("env", "--chdir=" + directory)); // env execs java: the pid is the JVM's
    command.add(Path.of(javaHome, "bin", "java").toString());
    if (ChildJvm.featureVersion(javaHome) >= 22) {
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
        List.of("-Dquarkus.http.port=" + port, "-Dvertx.cacheDirBase=" + vertxCache, "-jar", "quarkus-app/quarkus-run.jar"))) {
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
        List.of("-Dquarkus.http.port=" + port, "-Dvertx.cacheDirBase=" + vertxCache, "-jar", inside.resolve("quarkus-run.jar").toString()))) {
      worksConfined(child, port, "Quarkus fast-jar, same path inside");
    }
  }

  /**
   * The uber-jar, with HTTP compression on: brotli4j extracts its native library under /tmp as
   * root and registers it with deleteOnExit, which the JVM, confined, could not do: the agent
   * deletes it before chroot, and says so.
   */
  @Test
  void quarkusUberJarWorksInAnEmptyJailAndLeavesNoExtractedLibraryBehind() throws Exception {
    int port = Examples.freePort();
    Path jar = QUARKUS.resolve("app-runner.jar").toRealPath();
    try (ChildJvm child = agentJvm(options(port), jar.getParent(),
        List.of("-Dquarkus.http.port=" + port, "-Dvertx.cacheDirBase=" + vertxCache, "-jar", jar.toString()))) {
      worksConfined(child, port, "Quarkus uber-jar, empty jail");
      String out = child.output();
      String deleted = out.lines().filter(l -> l.startsWith("confine-agent: deleted before chroot")).findFirst()
          .orElseThrow(() -> new AssertionError("no deleted line:\n" + out));
      System.out.println("FrameworksIT: Quarkus uber-jar: " + deleted);
      List<String> paths = List.of(deleted.substring(deleted.lastIndexOf('[') + 1, deleted.lastIndexOf(']')).split(", "));
      assertTrue(paths.stream().anyMatch(p -> p.contains("brotli4j")), deleted);
      for (String path : paths) {
        assertFalse(Files.exists(Path.of(path)), path + " is still there after the server ended");
      }
    }
  }

  /** Embedded Jetty 12 (jetty-server, its core Handler API), the late class one of jetty-server's. */
  @Test
  void jetty12WorksInAnEmptyJail() throws Exception {
    int port = Examples.freePort();
    try (ChildJvm child = agentJvm(options(port), Path.of(System.getProperty("user.dir")),
        List.of("-cp", ChildJvm.classpath(), "dev.confine.it.PlainJettyServer", String.valueOf(port)))) {
      worksConfined(child, port, "Jetty 12, empty jail", "org.eclipse.jetty.server.handler.gzip.GzipHandler", () -> { });
    }
  }

  /** Micronaut 4 (Netty, its fat jar), the late class one of Jackson's. */
  @Test
  void micronautWorksInAnEmptyJail() throws Exception {
    int port = Examples.freePort();
    Path jar = Path.of(System.getProperty("confine.it.micronautApp", "src-it/apps/micronaut/target/app.jar")).toRealPath();
    try (ChildJvm child = agentJvm(options(port), jar.getParent(), List.of("-Dmicronaut.server.port=" + port, "-jar", jar.toString()))) {
      worksConfined(child, port, "Micronaut 4.10.8, empty jail");
    }
  }

  /**
   * Helidon SE 4 (its app jar and libs/), which needs Java 21+: on Temurin 25 whatever the suite's
   * children run on. Its module is built apart (Maven on 21+, see its pom), so this case says when
   * it could not run.
   */
  @Test
  void helidonSe4WorksInAnEmptyJailOnTemurin25() throws Exception {
    String java25 = "/usr/lib/jvm/temurin-25-jdk-amd64";
    Path jar = Path.of(System.getProperty("confine.it.helidonApp", "src-it/apps/helidon/target/app.jar"));
    assumeTrue(Files.isExecutable(Path.of(java25, "bin", "java")), "SKIPPED: Helidon SE 4 needs Java 21+, and " + java25 + " is not there");
    assumeTrue(Files.isRegularFile(jar), "SKIPPED: " + jar + " is not built: JAVA_HOME=" + java25 + " mvn -f src-it/apps/helidon/pom.xml package");
    int port = Examples.freePort();
    Path real = jar.toRealPath();
    try (ChildJvm child = agentJvm(java25, options(port), real.getParent(), List.of("-Dport=" + port, "-jar", real.toString()))) {
      worksConfined(child, port, "Helidon SE 4.5.0 on Temurin 25, empty jail", "io.helidon.common.Base64Value", () -> { });
    }
  }

  /** Dropwizard's config: the application and admin connectors on loopback. */
  private Path dropwizardConfig(int port, int admin) throws IOException {
    Path config = Files.createTempFile("confine-it-dropwizard", ".yml");
    Files.writeString(config, String.join("\n",
        "server:",
        "  applicationConnectors:",
        "    - type: http",
        "      bindHost: 127.0.0.1",
        "      port: " + port,
        "  adminConnectors:",
        "    - type: http",
        "      bindHost: 127.0.0.1",
        "      port: " + admin,
        ""));
    return config;
  }

  private ChildJvm dropwizard(int port, int admin, Path config, List<String> jvmOptions) throws IOException {
    Path jar = Path.of(System.getProperty("confine.it.dropwizardApp", "src-it/apps/dropwizard/target/app.jar")).toRealPath();
    List<String> rest = new ArrayList<>(jvmOptions);
    rest.addAll(List.of("-jar", jar.toString(), "server", config.toString()));
    return agentJvm(options(port) + ",listen=127.0.0.1:" + admin, jar.getParent(), rest);
  }

  /**
   * Dropwizard 5 (a shaded jar, Jersey on Jetty 12): Jetty listens before Jersey's servlet starts,
   * and Jersey reads META-INF/services through uncached jar: URLs, which opened the jar again by
   * its path inside the jail. The agent caches those reads (JarUrlCache): it works.
   */
  @Test
  void dropwizardWorksInAnEmptyJail() throws Exception {
    int port = Examples.freePort();
    int admin = Examples.freePortOtherThan(port);
    Path config = dropwizardConfig(port, admin);
    try (ChildJvm child = dropwizard(port, admin, config, List.of())) {
      worksConfined(child, port, "Dropwizard 5.0.1, empty jail", () -> {
        Curl.Answer ping = Curl.get("http://127.0.0.1:" + admin + "/ping");
        assertEquals("pong", ping.body.trim(), "the admin port, confined too: " + ping + "\n" + child.output());
      });
    } finally {
      Files.delete(config);
    }
  }

  /** Control: without the cached reads, Jersey's servlet fails inside the jail, as issue 29 saw. */
  @Test
  void controlWithoutCachedJarUrlsDropwizardsJerseyFailsInTheJail() throws Exception {
    int port = Examples.freePort();
    int admin = Examples.freePortOtherThan(port);
    Path config = dropwizardConfig(port, admin);
    try (ChildJvm child = dropwizard(port, admin, config, List.of("-Dconfine.agent.noJarUrlCache=true"))) {
      child.await("confine-agent: confined", START);
      long deadline = System.nanoTime() + START.toNanos();
      while (!child.output().contains("NoSuchFileException") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      String out = child.output();
      assertTrue(out.contains("ServiceConfigurationError") && out.contains("NoSuchFileException"), out);
    } finally {
      Files.delete(config);
    }
  }

  /**
   * Confined (every thread's ids and the root, read from /proc from outside), then the answers
   * of the confined process: GET JSON, POST echoed, a class first loaded now; then SIGTERM ends it.
   */
  private void worksConfined(ChildJvm child, int port, String what) throws Exception {
    worksConfined(child, port, what, () -> { });
  }

  private void worksConfined(ChildJvm child, int port, String what, Check more) throws Exception {
    worksConfined(child, port, what, "com.fasterxml.jackson.databind.util.ISO8601Utils", more);
  }

  /** A check of the confined server's own, before SIGTERM. */
  private interface Check {
    void run() throws Exception;
  }

  private void worksConfined(ChildJvm child, int port, String what, String lateClass, Check more) throws Exception {
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
    assertEquals(lateClass, late.body.trim(), child.output());
    more.run();
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
