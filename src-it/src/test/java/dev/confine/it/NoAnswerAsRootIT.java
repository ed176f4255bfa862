package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 27: no request is ever answered as root. Each server is started cold, unmodified, under
 * the agent (the JDK's HttpServer, Netty over NIO and over its native epoll transport, Apache
 * Tomcat) or the starter (a Boot 3.5 servlet application and a Boot 4 WebFlux one, each with a
 * management server of its own), while a client asks it, from before it listens, for what only
 * root may read; twenty starts each with children on Java 17 (one on the other JDKs). Not one
 * answer may come from root. Each has its control, the same server without the gate (and
 * without the warm-up that narrows the moment), which root does answer.
 */
class NoAnswerAsRootIT {
  private static final Duration START = Duration.ofSeconds(120);
  /** Twenty cold starts where the sweep pays (Java 17); one on the other runs. */
  private static final int RUNS = ChildJvm.featureVersion(ChildJvm.javaHome()) == 17 ? 20 : 1;
  /** The figure the agent's and the starter's lines end with: "... in 41.3 ms" (apply()'s TOTAL). */
  private static final Pattern APPLY_MS = Pattern.compile("confined .* in ([0-9.]+) ms");
  /** The starter's "(N ms after the first listened; ...)". */
  private static final Pattern HELD_MS = Pattern.compile("\\(([0-9.]+) ms after the first listened");
  private Path jail;

  @BeforeEach
  void setUp() throws IOException {
    Root.require();
    jail = Jails.fresh("noroot");
  }

  @AfterEach
  void tearDown() {
    try {
      Jails.remove(jail);
    } finally {
      TomcatTempDirs.removeStarted(); // the Boot children's, killed at the end of each run
    }
  }

  // ---- the agent ----

  private List<String> agentServer(String server, int port, String agentOptions, String... jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(ChildJvm.javaHome(), "bin", "java").toString());
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(Arrays.asList(jvmOptions));
    command.add("-javaagent:" + System.getProperty("confine.it.agentJar") + "=" + agentOptions);
    String children = System.getProperty("confine.it.childrenJar");
    if (server.equals("httpserver")) {
      command.addAll(List.of("-cp", children, "dev.confine.it.PlainServer", String.valueOf(port)));
    } else {
      // Only Netty beside the server: nothing of confine on its class path.
      String netty = Arrays.stream(System.getProperty("confine.it.childClasspath").split(File.pathSeparator))
          .filter(entry -> entry.contains("/io/netty/")).collect(Collectors.joining(File.pathSeparator));
      command.addAll(List.of("-cp", children + File.pathSeparator + netty, "dev.confine.it.PlainNettyServer", String.valueOf(port),
          server.equals("netty-epoll") ? "epoll" : "nio"));
    }
    return command;
  }

  @ParameterizedTest
  @ValueSource(strings = {"httpserver", "netty-nio", "netty-epoll"})
  void underTheAgentNoColdStartAnswersAsRoot(String server) throws Exception {
    long answers = 0;
    List<Double> applyMs = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      int port = Examples.freePort();
      try (Hammer hammer = Hammer.shadow(port, START);
          ChildJvm child = ChildJvm.startCommand(agentServer(server, port, "root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port))) {
        String line = child.await("confine-agent: confined", START);
        child.await("MAIN listening", START);
        hammer.awaitAnswers(5, Duration.ofSeconds(30));
        String out = child.output();
        assertTrue(line.contains("confined right before /127.0.0.1:" + port + " listened"), "through the gate, not after the listen\n" + out);
        assertEquals(0, hammer.asRoot(), server + " run " + run + ": answers as root among " + hammer.answers.size() + "\n" + out);
        assertTrue(hammer.answers.size() >= 5, server + " run " + run + ": the confined server answered " + hammer.answers + "\n" + out);
        assertConfined(child);
        answers += hammer.answers.size();
        applyMs.add(figure(APPLY_MS, line));
      }
    }
    System.out.println("NoAnswerAsRootIT: agent, " + server + ", Java " + ChildJvm.featureVersion(ChildJvm.javaHome()) + ": " + RUNS
        + " cold starts, " + answers + " answers, none as root; the first listen held by apply() for " + spread(applyMs));
  }

  @ParameterizedTest
  @ValueSource(strings = {"httpserver", "netty-nio", "netty-epoll"})
  void controlWithoutTheGateTheSameClientIsAnsweredAsRoot(String server) throws Exception {
    long asRoot = 0;
    for (int run = 0; run < 5 && asRoot == 0; run++) {
      int port = Examples.freePort();
      try (Hammer hammer = Hammer.shadow(port, START);
          ChildJvm child = ChildJvm.startCommand(agentServer(server, port, "root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port,
              "-Dconfine.agent.noGate=true", "-Dconfine.agent.noWarmUp=true"))) {
        child.await("confine-agent: confined", START);
        Thread.sleep(200);
        hammer.stop();
        asRoot += hammer.asRoot();
      }
    }
    assertTrue(asRoot > 0, server + ": without the gate, no answer as root in five starts");
  }

  /**
   * Apache Tomcat from its distribution with {@code bindOnInit="false"} on its connector: it binds
   * and listens only once it has deployed, and accepts at once, the hardest case for the gate
   * (and the one that makes its control meaningful: with the default, Tomcat listens at init and
   * accepts only after deploying, long after the agent's fallback has confined it). A file of
   * ROOT links to /etc/shadow (allowLinking): root reads it, the confined server finds no such file.
   */
  @Test
  void tomcatUnderTheAgentNeverAnswersAsRootAndItsControlDoes() throws Exception {
    Path home = jail.resolve("opt/tomcat");
    AgentIT.layOutTomcat(jail, home);
    Files.createSymbolicLink(home.resolve("webapps/ROOT/shadow.txt"), Path.of("/etc/shadow"));
    Files.createDirectories(home.resolve("webapps/ROOT/META-INF"));
    Files.writeString(home.resolve("webapps/ROOT/META-INF/context.xml"), "<Context><Resources allowLinking=\"true\" cachingAllowed=\"false\"/></Context>\n");
    long answers = 0;
    List<Double> applyMs = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      int port = Examples.freePort();
      AgentIT.tomcatPort(home, port, false);
      try (Hammer hammer = new Hammer(port, "/shadow.txt", a -> a.startsWith("root:"), START);
          ChildJvm child = ChildJvm.startCommand(tomcat(home, port))) {
        String line = child.await("confine-agent: confined", START);
        hammer.awaitAnswers(3, Duration.ofSeconds(60));
        String out = child.output();
        assertTrue(line.contains("confined right before /127.0.0.1:" + port + " listened"), out);
        assertEquals(0, hammer.asRoot(), "Tomcat run " + run + ": answers as root among " + hammer.answers.size() + "\n" + out);
        assertTrue(hammer.answers.size() >= 3, "Tomcat run " + run + ": the confined server answered\n" + out);
        assertConfined(child);
        answers += hammer.answers.size();
        applyMs.add(figure(APPLY_MS, line));
      }
    }
    System.out.println("NoAnswerAsRootIT: agent, Tomcat (bindOnInit=false), Java " + ChildJvm.featureVersion(ChildJvm.javaHome()) + ": " + RUNS
        + " cold starts, " + answers + " answers, none as root; the first listen held by apply() for " + spread(applyMs));
    long asRoot = 0;
    for (int run = 0; run < 5 && asRoot == 0; run++) {
      int port = Examples.freePort();
      AgentIT.tomcatPort(home, port, false);
      List<String> command = tomcat(home, port);
      command.add(1, "-Dconfine.agent.noGate=true");
      command.add(1, "-Dconfine.agent.noWarmUp=true");
      try (Hammer hammer = new Hammer(port, "/shadow.txt", a -> a.startsWith("root:"), START); ChildJvm child = ChildJvm.startCommand(command)) {
        child.await("confine-agent: confined", START);
        Thread.sleep(200);
        hammer.stop();
        asRoot += hammer.asRoot();
      }
    }
    assertTrue(asRoot > 0, "Tomcat without the gate: no answer as root in five starts");
  }

  private List<String> tomcat(Path home, int port) {
    List<String> command = agentServer("httpserver", port, "root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port
        + ",allow-writable=opt/tomcat/logs,allow-writable=opt/tomcat/work,allow-writable=opt/tomcat/temp,timeout=120");
    command.subList(command.indexOf("-cp"), command.size()).clear();
    command.addAll(AgentIT.tomcatArguments(home));
    return command;
  }

  // ---- the starter ----

  private static final Map<String, String> ROOT_ONLY = Map.of("/hello", "\"etcPasswdVisible\":true", "/actuator/health", "\"confined\":false");

  private static Hammer bootHammer(int port, String path) {
    String unconfined = ROOT_ONLY.get(path);
    return new Hammer(port, path, a -> a.contains(unconfined), START);
  }

  @ParameterizedTest
  @ValueSource(strings = {"boot35", "boot4webflux"})
  void underTheStarterNoColdStartAnswersAsRootOnTheMainOrTheManagementServer(String which) throws Exception {
    long answers = 0;
    List<Double> heldMs = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      int port = Examples.freePort();
      int management = Examples.freePortOtherThan(port);
      try (Hammer main = bootHammer(port, "/hello");
          Hammer actuator = bootHammer(management, "/actuator/health");
          ChildJvm child = SpringBootStarterIT.app(which, port, "--management.server.port=" + management, "--management.server.address=127.0.0.1", "--confine.root=" + jail,
              "--confine.user=65534", "--confine.group=65534")) {
        SpringBootStarterIT.awaitText(child, "confine: confined after [");
        main.awaitAnswers(5, Duration.ofSeconds(60));
        actuator.awaitAnswers(5, Duration.ofSeconds(60));
        String out = child.output();
        assertTrue(out.contains("confine: 2 web server(s) in this application (from the context)"), out);
        assertEquals(0, main.asRoot(), which + " run " + run + ": main server answers as root among " + main.answers + "\n" + out);
        assertEquals(0, actuator.asRoot(), which + " run " + run + ": management answers as root among " + actuator.answers + "\n" + out);
        assertTrue(main.answers.size() >= 5 && actuator.answers.size() >= 5, "both answered, confined\n" + main.answers + actuator.answers);
        assertTrue(main.answers.stream().allMatch(a -> a.contains("\"etcPasswdVisible\":false")), main.answers.toString());
        assertTrue(actuator.answers.stream().allMatch(a -> a.contains("\"confined\":true")), actuator.answers.toString());
        assertConfined(child);
        answers += main.answers.size() + actuator.answers.size();
        String line = out.lines().filter(l -> l.contains("confine: confined after [")).findFirst().orElseThrow();
        heldMs.add(figure(HELD_MS, line));
      }
    }
    System.out.println("NoAnswerAsRootIT: starter, " + which + " with a management server, Java " + ChildJvm.featureVersion(ChildJvm.javaHome())
        + ": " + RUNS + " cold starts, " + answers + " answers, none as root; first listen to confined (requests held) " + spread(heldMs));
  }

  @ParameterizedTest
  @ValueSource(strings = {"boot35", "boot4webflux"})
  void controlWithoutTheStartersGatesRootAnswers(String which) throws Exception {
    long asRoot = 0;
    for (int run = 0; run < 5 && asRoot == 0; run++) {
      int port = Examples.freePort();
      int management = Examples.freePortOtherThan(port);
      try (Hammer main = bootHammer(port, "/hello");
          Hammer actuator = bootHammer(management, "/actuator/health");
          ChildJvm child = SpringBootStarterIT.app(List.of("-Dconfine.spring.noGate=true", "-Dconfine.spring.noWarmUp=true"), which, port,
              "--management.server.port=" + management, "--management.server.address=127.0.0.1", "--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534")) {
        SpringBootStarterIT.awaitText(child, "confine: confined after [");
        Thread.sleep(300);
        main.stop();
        actuator.stop();
        asRoot += main.asRoot() + actuator.asRoot();
      }
    }
    assertTrue(asRoot > 0, which + " without the gates: no answer as root in five starts");
  }

  // ----

  private void assertConfined(ChildJvm child) throws IOException {
    for (Map<String, String> status : ProcView.threads(child.pid()).values()) {
      assertTrue(status.get("Uid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + child.output());
    }
    assertEquals(jail, ProcView.root(child.pid()), child.output());
  }

  private static double figure(Pattern pattern, String line) {
    Matcher m = pattern.matcher(line);
    assertTrue(m.find(), "no figure in: " + line);
    return Double.parseDouble(m.group(1));
  }

  /** "median M ms (min A, max B)". */
  private static String spread(List<Double> values) {
    List<Double> sorted = values.stream().sorted().collect(Collectors.toList());
    double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2) : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    return String.format("median %.1f ms (min %.1f, max %.1f, %d runs)", median, sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
  }
}
