package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    int port = Examples.freePort();
    try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port, port)) {
      child.await("confine-agent: confined", START);
      String out = child.output();
      assertTrue(out.contains("confine-agent: armed: confining to " + jail + " right before [127.0.0.1:" + port + "] listen"), out);
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
    int port = Examples.freePort();
    for (String[] bad :
        new String[][] {
          {"root=" + jail + ",user=65534,group=65534,listen=" + port + ",rooot=/x", "unknown key rooot (value \"/x\"); did you mean root?"},
          {"root=relative/jail,user=65534,group=65534,listen=" + port, "relative/jail"},
          {"root=" + jail + ",user=0,group=65534,listen=" + port, "must not be 0"},
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
    // An unknown user is the jail's check() (the passwd lookup), on the agent's thread: refused
    // before the port listens.
    try (ChildJvm child = server("root=" + jail + ",user=no-such-user-confine,listen=" + port, port)) {
      int status = child.waitFor(START);
      String out = child.output();
      assertEquals(78, status, out);
      assertTrue(out.contains("no-such-user-confine"), "the message names the value\n" + out);
      assertFalse(out.contains("MAIN listening"), "the port never listened\n" + out);
    }
  }

  /**
   * The jail's check() runs on the agent's thread while the server starts (issue 29: it was most
   * of what the agent added before main): a refused jail stops the JVM before the listed port
   * listens, the gate holding the server's listen until the verdict; with at=main, before main.
   */
  @Test
  void aJailThePreflightRefusesStopsTheJvmBeforeTheServerListens() throws Exception {
    Files.setPosixFilePermissions(jail.resolve("srv/www"), PosixFilePermissions.fromString("rwxrwxrwx"));
    int port = Examples.freePort();
    try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=" + port, port)) {
      assertEquals(78, child.waitFor(START), child.output());
      assertTrue(child.output().contains("jail-writable"), child.output());
      assertFalse(child.output().contains("MAIN listening"), "the port never listened\n" + child.output());
      assertFalse(child.output().contains("confine-agent: confined"), child.output());
    }
    try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,at=main", port)) {
      assertEquals(78, child.waitFor(START), child.output());
      assertTrue(child.output().contains("jail-writable"), child.output());
      assertFalse(child.output().contains("MAIN started"), "at=main: the server's main never ran\n" + child.output());
    }
  }

  @Test
  void aPortThatNeverListensStopsTheJvmAfterTheTimeout() throws Exception {
    int served = Examples.freePort();
    int awaited = Examples.freePort();
    try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=" + awaited + ",timeout=3", served)) {
      assertEquals(78, child.waitFor(START), child.output());
      String out = child.output();
      assertTrue(out.contains("MAIN listening"), "the server ran\n" + out);
      assertTrue(out.contains("port(s) [" + awaited + "] did not listen within 3 s"), out);
      assertFalse(out.contains("confine-agent: confined"), out);
    }
  }

  /**
   * Issue 27, route 1: a listed port another process already listens on. The server listens on
   * its other port and answers there as root; the agent used to wait out its whole timeout. It now
   * halts before any listed port listens, naming it and what it can see of the owner.
   */
  @Test
  void aListedPortTakenByAnotherProcessStopsTheJvmAtOnce() throws Exception {
    int served = Examples.freePort();
    try (java.net.ServerSocket squatter = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int taken = squatter.getLocalPort();
      long start = System.nanoTime();
      try (ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=" + served + ",listen=" + taken + ",timeout=60", served)) {
        assertEquals(78, child.waitFor(START), child.output());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        String out = child.output();
        assertTrue(out.contains("port(s) taken by another process"), out);
        // Said on the agent's thread first thing (reading the kernel's tables is too slow for
        // premain): the gate holds the server's listen on its free port until then.
        assertFalse(out.contains("MAIN listening"), "said before the server listened\n" + out);
        assertTrue(out.contains(taken + "=uid 0, socket inode"), out);
        assertTrue(out.contains("pid " + ProcessHandle.current().pid()), "names the process holding it\n" + out);
        assertTrue(seconds < 20, "halted after " + seconds + " s, not after the 60 s timeout\n" + out);
      }
    }
  }

  /**
   * Where the gate cannot act (a server that calls listen(2) itself, as Netty's epoll transport
   * does; here the gate is turned off to stand for it), once one listed port listens the server
   * answers on it as root: the others must follow within two seconds. Here the second never does
   * (nothing takes it either); the timeout is 60 s.
   */
  @Test
  void withoutTheGateAListedPortThatDoesNotFollowTheFirstStopsTheJvmWithinTheGap() throws Exception {
    int served = Examples.freePort();
    int never = Examples.freePort();
    long start = System.nanoTime();
    List<String> command = java("root=" + jail + ",user=65534,group=65534,listen=" + served + ",listen=" + never + ",timeout=60");
    command.add(1, "-Dconfine.agent.noGate=true");
    command.addAll(List.of("-cp", System.getProperty("confine.it.childrenJar"), "dev.confine.it.PlainServer", String.valueOf(served)));
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      assertEquals(78, child.waitFor(START), child.output());
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      String out = child.output();
      assertTrue(out.contains("[" + served + "] listened, but [" + never + "] did not within 2000 ms"), out);
      assertTrue(seconds < 20, "halted after " + seconds + " s, not after the 60 s timeout\n" + out);
    }
  }

  /**
   * Issue 27, route 2: the options file in a directory the confined server may write. It rewrote
   * the file and the next start read it as root. The agent now refuses it before main; the same
   * file in a root-owned directory nobody else may write is the control.
   */
  @Test
  void anOptionsFileTheServerCouldRewriteIsRefusedBeforeMain() throws Exception {
    int port = Examples.freePort();
    String options = "root=" + jail + "\nuser=65534\ngroup=65534\nlisten=127.0.0.1:" + port + "\nallow-writable=work\n";
    ownedByNobody(jail.resolve("work"));
    Path writable = Files.writeString(jail.resolve("work/confine.properties"), options);
    try (ChildJvm child = server("@" + writable, port)) {
      assertEquals(78, child.waitFor(START), child.output());
      String out = child.output();
      assertTrue(out.contains(jail.resolve("work") + " is owned by uid 65534"), out);
      assertTrue(out.contains("whoever can rewrite the policy can keep the process root"), out);
      assertFalse(out.contains("MAIN started"), "the server's main never ran\n" + out);
    }
    Path etc = Files.createDirectories(jail.resolve("etc/confine"));
    Path safe = Files.writeString(etc.resolve("confine.properties"), options);
    try (ChildJvm child = server("@" + safe, port)) {
      child.await("confine-agent: confined", START);
      assertConfinedFromOutside(child);
      assertEquals("hello", Curl.get("http://127.0.0.1:" + port + "/").body, child.output());
    }
  }

  /**
   * Issue 27: at=main confines in premain, before the server's first instruction; its main
   * thread keeps CAP_NET_BIND_SERVICE and binds a port below 1024 itself, confined. A client
   * hammering from before the server listens never gets root's /etc/shadow: by construction.
   */
  @Test
  void atMainNoRequestIsEverAnsweredAsRootAndTheServerStillBindsAPrivilegedPort() throws Exception {
    int port = Examples.freePrivilegedPort();
    try (Hammer hammer = Hammer.shadow(port, START); ChildJvm child = server("root=" + jail + ",user=65534,group=65534,at=main", port)) {
      child.await("MAIN listening", START);
      String out = child.output();
      assertTrue(out.contains("confine-agent: confined before main, on thread \"main\""), out);
      assertTrue(out.indexOf("confine-agent: confined before main") < out.indexOf("MAIN started"), "confined before the server's main\n" + out);
      assertConfinedFromOutside(child);
      while (hammer.answers.size() < 20) {
        Thread.sleep(10);
      }
      hammer.stop();
      assertEquals(0, hammer.asRoot(), "answers as root among " + hammer.answers.size() + "\n" + out);
      assertTrue(hammer.answers.stream().allMatch(a -> a.startsWith("error")), hammer.answers.subList(0, 3).toString());
    }
  }

  /**
   * Issue 27: at=listen (the default) confines right before the listed port's listen(2), on the
   * server's thread: the same client never gets root's /etc/shadow from the JDK's HttpServer.
   */
  @Test
  void atListenTheGateConfinesBeforeListenAndNoRequestIsAnsweredAsRoot() throws Exception {
    int port = Examples.freePort();
    try (Hammer hammer = Hammer.shadow(port, START); ChildJvm child = server("root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port, port)) {
      child.await("MAIN listening", START);
      String out = child.output();
      assertTrue(out.contains("confine-agent: confined right before /127.0.0.1:" + port + " listened, on thread \"main\""), out);
      assertConfinedFromOutside(child);
      while (hammer.answers.size() < 20) {
        Thread.sleep(10);
      }
      hammer.stop();
      assertEquals(0, hammer.asRoot(), "answers as root among " + hammer.answers.size() + "\n" + out);
    }
  }

  /**
   * The control: without the gate (-Dconfine.agent.noGate=true: the agent before issue 27) the
   * moment between listen and confinement is there, widened by leaving out the agent's warm-up,
   * and the same client gets root's /etc/shadow.
   */
  @Test
  void controlWithoutTheGateSomeRequestsAreAnsweredAsRootBeforeConfinement() throws Exception {
    int port = Examples.freePort();
    List<String> command = java("root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port);
    command.add(1, "-Dconfine.agent.noWarmUp=true");
    command.add(1, "-Dconfine.agent.noGate=true");
    command.addAll(List.of("-cp", System.getProperty("confine.it.childrenJar"), "dev.confine.it.PlainServer", String.valueOf(port)));
    try (Hammer hammer = Hammer.shadow(port, START); ChildJvm child = ChildJvm.startCommand(command)) {
      child.await("confine-agent: confined", START);
      Thread.sleep(200);
      hammer.stop();
      assertTrue(hammer.asRoot() > 0, "no answer as root among " + hammer.answers.size() + "\n" + child.output());
    }
  }

  // ---- third-party servers, unmodified ----

  /**
   * The jail holds the server's files at the same absolute path the server is started with: the
   * server lives at JAIL/opt/..., and inside the jail the path of JAIL itself is a link to "/",
   * so JAIL/opt/... names the same files before chroot and after it.
   */
  private static void sameAbsolutePathInside(Path jail) throws IOException {
    Path self = jail.resolve(jail.toString().substring(1));
    Files.createDirectories(self.getParent());
    Files.createSymbolicLink(self, Path.of("/"));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (java.util.stream.Stream<Path> walk = Files.walk(from)) {
      for (Path source : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  static void readableByAll(Path tree) throws IOException {
    try (java.util.stream.Stream<Path> walk = Files.walk(tree)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (!Files.isSymbolicLink(p)) {
          java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(p);
          perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
          perms.add(java.nio.file.attribute.PosixFilePermission.GROUP_READ);
          if (Files.isDirectory(p)) {
            perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
            perms.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE);
          }
          Files.setPosixFilePermissions(p, perms);
        }
      }
    }
  }

  static void ownedByNobody(Path directory) throws IOException {
    Files.createDirectories(directory);
    Files.setAttribute(directory, "unix:uid", 65534);
    Files.setAttribute(directory, "unix:gid", 65534);
  }

  private List<String> java(String agentOptions) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(ChildJvm.javaHome(), "bin", "java").toString());
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.add("-javaagent:" + System.getProperty("confine.it.agentJar") + "=" + agentOptions);
    return command;
  }

  private void assertConfinedFromOutside(ChildJvm child) throws IOException {
    String out = child.output();
    // The agent's line says how long after the JVM's start it confined: the figures behind its
    // default timeout (docs/agent.md), printed so that a run's log keeps them.
    String command = ProcessHandle.of(child.pid()).flatMap(p -> p.info().commandLine()).orElse("");
    String server = command.contains("org.apache.catalina") ? "Tomcat" : command.contains("org.h2.tools") ? "H2" : "PlainServer";
    out.lines().filter(l -> l.startsWith("confine-agent: confined"))
        .forEach(l -> System.out.println("AgentIT: " + server + ": " + l.substring(0, Math.min(130, l.length()))));
    for (Map<String, String> status : ProcView.threads(child.pid()).values()) {
      assertTrue(status.get("Uid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
      assertTrue(status.get("Gid").matches("65534\\s+65534\\s+65534\\s+65534"), status + "\n" + out);
      assertEquals("", status.get("Groups"), out);
    }
    assertEquals(jail, ProcView.root(child.pid()), out);
  }

  /**
   * Apache Tomcat's distribution laid out in the jail at HOME, at the same absolute path inside
   * (see sameAbsolutePathInside), readable by the server's user, its scratch directories its own;
   * conf/server.xml kept as server.xml.orig for {@link #tomcatPort}.
   */
  static void layOutTomcat(Path jail, Path home) throws IOException {
    copyTree(Path.of(System.getProperty("confine.it.tomcatHome")), home);
    // Tomcat's tarball keeps conf/ to its owner (0700, files 0600). The confined server reads
    // conf/ and deploys webapps/ after it listens, as uid 65534: what an operator who runs Tomcat
    // as a user of its own does, make it readable (root keeps it: still not writable).
    readableByAll(home);
    for (String writable : List.of("logs", "work", "temp")) {
      ownedByNobody(home.resolve(writable));
    }
    // Tomcat binds its port before it deploys, so the agent confines it while it deploys: what it
    // creates before that moment belongs to root. Its scratch directories are made here, owned
    // by the server's user, so whichever side of the moment each falls on, the user can write it.
    for (String app : List.of("ROOT", "docs", "examples", "manager", "host-manager")) {
      Path scratch = home.resolve("work/Catalina/localhost/" + app);
      Files.createDirectories(scratch);
      for (Path p = scratch; !p.equals(home.resolve("work")); p = p.getParent()) {
        ownedByNobody(p);
      }
    }
    sameAbsolutePathInside(jail);
    Files.copy(home.resolve("conf/server.xml"), home.resolve("conf/server.xml.orig"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** conf/server.xml from the original: no shutdown port, the HTTP connector on 127.0.0.1:PORT. */
  static void tomcatPort(Path home, int port, boolean bindOnInit) throws IOException {
    String xml = Files.readString(home.resolve("conf/server.xml.orig"));
    xml = xml.replace("<Server port=\"8005\"", "<Server port=\"-1\"")
        .replaceFirst("<Connector port=\"8080\"", "<Connector address=\"127.0.0.1\" port=\"" + port + "\"" + (bindOnInit ? "" : " bindOnInit=\"false\""));
    Files.writeString(home.resolve("conf/server.xml"), xml);
  }

  /** The JVM options and main class that start Tomcat from HOME, as its scripts would. */
  static List<String> tomcatArguments(Path home) {
    return List.of(
        "-Dcatalina.home=" + home, "-Dcatalina.base=" + home, "-Djava.io.tmpdir=" + home.resolve("temp"),
        "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
        "-Djava.util.logging.config.file=" + home.resolve("conf/logging.properties"),
        "-cp", home.resolve("bin/bootstrap.jar") + ":" + home.resolve("bin/tomcat-juli.jar"),
        "org.apache.catalina.startup.Bootstrap", "start");
  }

  @Test
  void theApacheTomcatDistributionCompilesAndServesAJspAfterConfinement() throws Exception {
    Path home = jail.resolve("opt/tomcat");
    layOutTomcat(jail, home);
    int port = Examples.freePort();
    tomcatPort(home, port, true);
    // What the doctor says of this layout: Tomcat's home names the same files inside the jail.
    assertEquals(java.util.Optional.empty(), dev.confine.tools.Doctor.samePathProblem(jail, home.toString()));
    assertEquals(java.util.Optional.empty(), dev.confine.tools.Doctor.samePathProblem(jail, home.resolve("webapps/ROOT/index.jsp").toString()));

    List<String> command =
        java("root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port
            + ",allow-writable=opt/tomcat/logs,allow-writable=opt/tomcat/work,allow-writable=opt/tomcat/temp,timeout=120");
    command.addAll(tomcatArguments(home));
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      child.await("confine-agent: confined", Duration.ofSeconds(120));
      assertConfinedFromOutside(child);
      // Tomcat listens before it deploys its applications: on a loaded machine the first request
      // came before ROOT was deployed and got 404. Its own "Server startup in" line says when.
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!child.output().contains("Server startup in")) {
        assertTrue(System.nanoTime() < deadline && ProcessHandle.of(child.pid()).map(ProcessHandle::isAlive).orElse(false),
            "Tomcat did not finish starting\n" + child.output());
        Thread.sleep(50);
      }
      Curl.Answer page = Curl.get("http://127.0.0.1:" + port + "/");
      assertEquals(200, page.status, page + "\n" + child.output());
      assertTrue(page.body.contains("Apache Tomcat/" + System.getProperty("confine.it.tomcatVersion", "11")), page.body);
      // index.jsp was compiled after confinement, by the confined process, into work/.
      Path compiled = home.resolve("work/Catalina/localhost/ROOT/org/apache/jsp/index_jsp.class");
      assertTrue(Files.exists(compiled), "the JSP was compiled in the jail\n" + child.output());
      assertEquals(65534, Files.getAttribute(compiled, "unix:uid"), "by the confined uid");
      Curl.Answer logo = Curl.get("http://127.0.0.1:" + port + "/tomcat.svg");
      assertEquals(200, logo.status, logo.toString());
      assertTrue(logo.body.contains("<svg"), "a static file, served from the jail");
    }
  }

  @Test
  void anH2DatabaseServerWritesOnlyInsideItsWritableDirectory() throws Exception {
    Path data = jail.resolve("var/db");
    ownedByNobody(data);
    Path lib = jail.resolve("opt/h2");
    Files.createDirectories(lib);
    Path jar = Files.copy(Path.of(System.getProperty("confine.it.h2Jar")), lib.resolve("h2.jar"));
    sameAbsolutePathInside(jail);
    int port = Examples.freePort();
    List<String> command = java("root=" + jail + ",user=65534,group=65534,listen=127.0.0.1:" + port + ",allow-writable=var/db");
    // h2.bindAddress: H2 names its URL by the host name otherwise, a DNS lookup this sandbox may not answer.
    command.add("-Dh2.bindAddress=127.0.0.1");
    command.addAll(List.of("-cp", jar.toString(), "org.h2.tools.Server", "-tcp", "-tcpPort", String.valueOf(port), "-baseDir", data.toString(),
        "-ifNotExists"));
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      child.await("confine-agent: confined", START);
      assertConfinedFromOutside(child);
      try (java.sql.Connection db =
          java.sql.DriverManager.getConnection("jdbc:h2:tcp://127.0.0.1:" + port + "/confined", "sa", "")) {
        try (java.sql.Statement s = db.createStatement()) {
          s.execute("CREATE TABLE t(id INT PRIMARY KEY, v VARCHAR(40))");
          s.execute("INSERT INTO t VALUES (1, 'written by uid 65534')");
          try (java.sql.ResultSet r = s.executeQuery("SELECT v FROM t WHERE id = 1")) {
            assertTrue(r.next());
            assertEquals("written by uid 65534", r.getString(1));
          }
        }
      }
      Path file = data.resolve("confined.mv.db");
      assertTrue(Files.exists(file), "the database file is in the jail's writable directory\n" + child.output());
      assertEquals(65534, Files.getAttribute(file, "unix:uid"), "written by the confined uid");
    }
  }
}
