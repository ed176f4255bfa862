package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVM readiness: a cold child JVM confines itself into an EMPTY jail and then uses the JDK's
 * facilities, one probe line each. With confine's default preparation every line passes; with
 * prepareNothing() the lines that depend on preparation fail, which proves the preparation is
 * what makes them pass. Runs with children on Java 17 and, in the children-on-jdk25 profile, 25.
 */
class JvmReadinessIT {
  private static final String DIRECTORY_CLASS = "dev.confine.it.dirfixture.OnlyInDirectory";
  private static final String PASSWORD = "changeit";

  /** Every probe line of JvmReadinessChild, in its order, plus the HTTP request from here. */
  private static final List<String> MATRIX =
      List.of("serversocket", "socketchannel-selector", "httpserver", "tls-default-context", "timezone-default", "zoneid",
          "datetimeformatter-locale", "charsets", "securerandom", "messagedigest", "gzip", "jul-logging", "dns-localhost",
          "class-from-jar", "class-from-directory", "management");

  /**
   * What fails unprepared, cold, on Java 17 and Temurin 25 alike (measured). The rest pass
   * without help: locale and charset data and libzip come from lib/modules and the JVM's own
   * start; every jar is already open (slf4j looks up its provider through all of them); and jffi,
   * binding confine's libc calls, extracts its stub with File.createTempFile, whose SecureRandom
   * builds the provider list and opens /dev/urandom, so SecureRandom, MessageDigest and the
   * localhost lookup work too. The JCE policy is still unread: TLS fails.
   */
  private static final Set<String> FAIL_UNPREPARED =
      Set.of("serversocket", "socketchannel-selector", "httpserver", "tls-default-context", "timezone-default", "zoneid",
          "jul-logging", "class-from-directory", "management");

  @TempDir static Path work;
  private static Path classes;
  private static List<String> tlsOptions;
  private Path jail;

  @BeforeAll
  static void buildFixtures() throws Exception {
    if (!Root.isRoot()) {
      return; // each test then reports itself skipped (an assumption here would report none run)
    }
    classes = compileDirectoryClass(work.resolve("classes"));
    tlsOptions = makeKeyAndTrustStores(work.resolve("tls"));
  }

  @BeforeEach
  void makeJail() {
    Root.require();
    jail = Jails.fresh("readiness");
  }

  @AfterEach
  void removeJail() {
    Jails.remove(jail);
  }

  @Test
  void withTheDefaultPreparationEveryProbePasses() throws Exception {
    Map<String, String> probes = run("default");
    assertEveryProbeOk(probes, "probes failed after the default preparation");
  }

  @Test
  void withoutPreparationThePreparedProbesFail() throws Exception {
    Map<String, String> probes = run("none");
    Set<String> failing = new TreeSet<>();
    for (String name : MATRIX) {
      String outcome = probes.get(name);
      assertTrue(outcome != null, "no line for probe " + name + ": " + probes);
      if (!outcome.startsWith("OK ")) {
        failing.add(name);
      }
    }
    Set<String> expected = new TreeSet<>(FAIL_UNPREPARED);
    if (System.getProperty("confine.it.binding", "").equals("ffm")) {
      // jffi's own start reads java.security (through the JDK's security classes), which then
      // serves SecureRandom, MessageDigest and a name lookup in the jail even unprepared; the FFM
      // binding loads nothing of the kind, so there they fail too, and only SECURITY readies them.
      expected.addAll(Set.of("securerandom", "messagedigest", "dns-localhost"));
    }
    assertEquals(expected, failing, "which probes fail unprepared: " + probes);
  }

  /** The preparations whose files init --jvm-files copies and no property of the child points elsewhere. */
  private static final Set<String> SKIPPED_WITH_STORES_GIVEN = Set.of("security", "net", "zip", "logging", "management");

  @Test
  void inAJailLaidOutByInitEveryProbePassesWithThePreparationsItHoldsSkipped() throws Exception {
    layOut();
    Map<String, String> probes = run("laid-out");
    assertAllPass(probes);
    // The child names its own key and trust stores (javax.net.ssl.*), which lie outside the jail:
    // TLS is prepared; the zone is resolved from the host's /etc unless user.timezone is given.
    assertTrue(skipped.keySet().containsAll(SKIPPED_WITH_STORES_GIVEN), "skipped: " + skipped + "; kept: " + kept);
    assertTrue(kept.containsKey("tls") && kept.get("tls").contains("javax.net.ssl."), "kept: " + kept);
    assertTrue(kept.containsKey("securerandom"), "kept: " + kept);
    for (String name : skipped.keySet()) {
      assertTrue(!prepared.contains(name), name + " was skipped and still prepared: " + prepared);
    }
  }

  @Test
  void withTheJdksTrustStoreAndAZoneGivenTlsAndTimeZonesAreSkippedToo() throws Exception {
    layOut();
    Map<String, String> probes = run("laid-out", List.of("-Duser.timezone=" + TimeZone.getDefault().getID()));
    assertAllPass(probes);
    Set<String> expected = new TreeSet<>(SKIPPED_WITH_STORES_GIVEN);
    expected.addAll(Set.of("tls", "timezones"));
    assertEquals(expected, new TreeSet<>(skipped.keySet()), "skipped; kept: " + kept);
    Set<String> stillPrepared = new TreeSet<>(prepared);
    stillPrepared.removeIf(name -> name.startsWith("classpath-")); // the policy's preloadDirectoryClasses()
    assertEquals(Set.of("securerandom"), stillPrepared, "what was still prepared");
  }

  /** The control: a copy that is not the host's file keeps its preparation, and the facility still works. */
  @Test
  void aCopyThatDiffersFromTheHostsKeepsItsPreparation() throws Exception {
    layOut();
    Path copy = jail.resolve(ChildJvm.javaHome().substring(1)).resolve("conf/logging.properties");
    Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(copy, "# changed in the jail\n", java.nio.file.StandardOpenOption.APPEND);
    Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
    Map<String, String> probes = run("laid-out");
    assertAllPass(probes);
    assertTrue(!skipped.containsKey("logging") && kept.getOrDefault("logging", "").contains("differs"), "kept: " + kept);
    assertTrue(prepared.contains("logging"), "prepared: " + prepared);
    assertTrue(skipped.containsKey("net"), "the others are still skipped: " + skipped);
  }

  /** confine-doctor init --jvm-files for the children's JDK, into the fresh jail. */
  private void layOut() throws Exception {
    try (ChildJvm init = ChildJvm.start(List.of(), "dev.confine.tools.Doctor", "init", "--root", jail.toString(), "--user", "65534",
        "--group", "65534", "--jvm-files", "--java-home", ChildJvm.javaHome())) {
      assertEquals(0, init.waitFor(Duration.ofSeconds(120)), init.output());
      // The file, not the output: the output may still be on its way when the process has ended.
      assertTrue(Files.isRegularFile(jail.resolve(ChildJvm.javaHome().substring(1)).resolve("lib/security/cacerts")), init.output());
    }
  }

  private static void assertAllPass(Map<String, String> probes) {
    assertEveryProbeOk(probes, "probes failed");
  }

  /** The last run's SKIPPED and KEPT lines, and the names of its PREPARED lines. */
  private Map<String, String> skipped = Map.of();
  private Map<String, String> kept = Map.of();
  private List<String> prepared = List.of();

  private Map<String, String> run(String mode) throws Exception {
    return run(mode, tlsOptions);
  }

  /** Runs the child in one mode; returns its probe lines by name, the HTTP request's included. */
  private Map<String, String> run(String mode, List<String> jvmOptions) throws Exception {
    List<String> options = new ArrayList<>(jvmOptions);
    try (ChildJvm child =
        ChildJvm.start(List.of(), null, ChildJvm.classpath() + File.pathSeparator + classes, ChildJvm.javaHome(), options,
            "dev.confine.it.JvmReadinessChild",
            jail.toString(), "65534", "65534", mode, TimeZone.getDefault().getID(), DIRECTORY_CLASS)) {
      String http = child.await("HTTP ", Duration.ofSeconds(240));
      child.await("READY", Duration.ofSeconds(30));
      Map<String, String> probes = new java.util.LinkedHashMap<>(child.probes());
      skipped = lines(child.output(), "SKIPPED ");
      kept = lines(child.output(), "KEPT ");
      prepared = new ArrayList<>(lines(child.output(), "PREPARED ").keySet());
      probes.put("httpserver", askHttpServer(http));
      System.out.println("[" + mode + ", children on Java " + ChildJvm.featureVersion(ChildJvm.javaHome())
          + (mode.equals("none") ? "; the negative control: FAIL is expected for " + FAIL_UNPREPARED : "") + "]\n"
          + child.output().lines()
              .filter(l -> l.startsWith("PROBE") || l.startsWith("PREPARED") || l.startsWith("SKIPPED") || l.startsWith("KEPT")
                  || l.startsWith("HTTP"))
              .reduce((x, y) -> x + "\n" + y).orElse("")
          + "\nPROBE httpserver " + probes.get("httpserver"));
      assertTrue(child.output().lines().noneMatch(l -> l.contains("WARNING: ") && !l.startsWith("FINDING ")),
          "the JVM printed warnings: " + child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
      return probes;
    }
  }

  /** "PREFIX name rest" lines, by name. */
  private static Map<String, String> lines(String output, String prefix) {
    Map<String, String> found = new java.util.LinkedHashMap<>();
    output.lines().filter(l -> l.startsWith(prefix)).forEach(l -> {
      String rest = l.substring(prefix.length());
      int space = rest.indexOf(' ');
      found.put(space < 0 ? rest : rest.substring(0, space), space < 0 ? "" : rest.substring(space + 1));
    });
    return found;
  }

  /** A real HTTP request from this (unconfined) JVM to the confined child's JDK HttpServer. */
  private static String askHttpServer(String httpLine) throws IOException, InterruptedException {
    if (httpLine.startsWith("HTTP FAIL")) {
      return "FAIL " + httpLine.substring("HTTP FAIL ".length());
    }
    Curl.Answer answer = Curl.get("http://127.0.0.1:" + httpLine.substring("HTTP ".length()).trim() + "/");
    return answer.status == 200 && answer.body.startsWith("hello from the jail")
        ? "OK " + answer.status + " " + answer.body
        : "FAIL " + answer;
  }

  /** A class that exists only in a directory entry of the child's class path. */
  private static Path compileDirectoryClass(Path out) throws IOException {
    Path source = work.resolve("src/dev/confine/it/dirfixture/OnlyInDirectory.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source,
        "package dev.confine.it.dirfixture;\n"
            + "public final class OnlyInDirectory {\n"
            + "  private OnlyInDirectory() {}\n"
            + "  public static String hello() { return \"hello from a directory\"; }\n"
            + "}\n");
    Files.createDirectories(out);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertTrue(javac != null, "the ITs need a JDK (javax.tools) to compile the directory fixture");
    int status = javac.run(null, null, null, "--release", "17", "-d", out.toString(), source.toString());
    assertEquals(0, status, "javac of the directory fixture");
    return out;
  }

  /**
   * A self-signed server key for 127.0.0.1 and a trust store holding its certificate, made with
   * keytool before the child starts; the child's default SSLContext uses both.
   */
  private static List<String> makeKeyAndTrustStores(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    String keytool = Path.of(ChildJvm.javaHome(), "bin", "keytool").toString();
    Path keyStore = dir.resolve("server.p12");
    Path cert = dir.resolve("server.crt");
    Path trustStore = dir.resolve("trust.p12");
    keytool(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool(keytool, "-exportcert", "-alias", "server", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-rfc",
        "-file", cert.toString());
    keytool(keytool, "-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-storetype", "PKCS12",
        "-keystore", trustStore.toString(), "-storepass", PASSWORD);
    return List.of(
        "-Djavax.net.ssl.keyStore=" + keyStore, "-Djavax.net.ssl.keyStorePassword=" + PASSWORD,
        "-Djavax.net.ssl.keyStoreType=PKCS12",
        "-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=" + PASSWORD,
        "-Djavax.net.ssl.trustStoreType=PKCS12");
  }

  private static void keytool(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("keytool did not end: " + List.of(command));
    }
    assertEquals(0, p.exitValue(), "keytool " + List.of(command) + ": " + out);
  }

  /** Every probe of the matrix reported, and each said OK. */
  private static void assertEveryProbeOk(Map<String, String> probes, String message) {
    List<String> failed = new ArrayList<>();
    for (String name : MATRIX) {
      String outcome = probes.get(name);
      assertTrue(outcome != null, "no line for probe " + name + ": " + probes);
      if (!outcome.startsWith("OK ")) {
        failed.add(name + ": " + outcome);
      }
    }
    assertEquals(List.of(), failed, message);
  }
}
