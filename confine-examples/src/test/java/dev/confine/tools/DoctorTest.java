package dev.confine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.ConfinementPolicy;
import dev.confine.testing.FakeKernel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoctorTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(FakeKernel kernel, String... args) {
    return Doctor.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), kernel::check);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void parsesEveryOption() throws Exception {
    ConfinementPolicy policy =
        Doctor.parse(new String[] {"check", "--root", "/srv/jail", "--user", "www-data", "--group", "33", "--groups", "44,45",
            "--allow-writable", "var/cache", "--allow-device", "dev/null", "--allow-device", "dev/urandom",
            "--allow-shared-uid", "--allow-setuid", "bin/ping"});
    assertEquals(Path.of("/srv/jail"), policy.root());
    assertEquals("www-data", policy.userName().orElseThrow());
    assertEquals(33, policy.gid().getAsLong());
    assertEquals(List.of(44L, 45L), policy.supplementaryGroups());
    assertEquals(List.of("var/cache"), policy.allowedWritable());
    assertEquals(List.of("dev/null", "dev/urandom"), policy.allowedDeviceNodes());
    assertTrue(policy.sharedUidAllowed());
    assertEquals(List.of("bin/ping"), policy.allowedSetuidFiles());
  }

  @Test
  void aNumericUserIsAUid() throws Exception {
    assertEquals(65534, Doctor.parse(new String[] {"check", "--root", "/srv/jail", "--user", "65534"}).uid().getAsLong());
  }

  @Test
  void badArgumentsSayWhatIsWrong() {
    assertUsage("no command given");
    assertUsage("unknown command \"audit\" (the commands are \"check\", \"init\" and \"inspect\")", "audit");
    assertUsage("--root is missing: the directory to chroot into: absolute, root-owned", "check", "--user", "x");
    assertUsage("--user is missing: the user to become; digits are a uid", "check", "--root", "/srv/jail");
    assertUsage("--root needs a value", "check", "--root");
    assertUsage("--root needs a value", "check", "--root", "--user", "x");
    assertUsage("--root [srv/jail]: root must be an absolute path: srv/jail", "check", "--root", "srv/jail", "--user", "x");
    assertUsage("--user [0]: uid must not be 0: confining to root keeps root", "check", "--root", "/srv/jail", "--user", "0");
    assertUsage("--user [root]: user must not be root: confining to root keeps root", "check", "--root", "/srv/jail", "--user", "root");
    assertUsage("--group [staff]: \"staff\" is not a number", "check", "--root", "/j", "--user", "x", "--group", "staff");
    assertUsage("unknown flag --force", "check", "--root", "/j", "--user", "x", "--force");
    // The doctor's own descriptors say nothing of the daemon's: the flag that accepted one is gone.
    assertUsage("unknown flag --allow-open-directory (value \"5\")", "check", "--root", "/j", "--user", "x", "--allow-open-directory", "5");
    assertUsage("--allow-writable [../etc]: writable subdirectory must not contain '.' or '..' components: \"../etc\"",
        "check", "--root", "/j", "--user", "x", "--allow-writable", "../etc");
    // A misspelt flag gets the nearest one; the doctor checks what apply() warns about with syslog too.
    assertUsage("unknown flag --alow-writable (value \"var\"); did you mean --allow-writable?", "check", "--root", "/j", "--user", "x",
        "--alow-writable", "var");
  }

  private static void assertUsage(String message, String... args) {
    assertEquals(message, assertThrows(Doctor.UsageException.class, () -> Doctor.parse(args)).getMessage());
  }

  @Test
  void badArgumentsExit2WithUsageAndNoStackTrace() {
    int status = run(new FakeKernel(), "check", "--root", "relative", "--user", "x");
    assertEquals(Doctor.USAGE, status);
    assertEquals("confine-doctor: --root [relative]: root must be an absolute path: relative" + System.lineSeparator()
        + "run bin/confine-doctor --help for every command and flag" + System.lineSeparator(), err(), "the one line that matters, and where the rest is");
    assertFalse(err().contains("\tat "), "no stack trace: " + err());
    assertEquals("", out());
  }

  @Test
  void helpPrintsUsageAndExits0() {
    for (String[] args : new String[][] {{"--help"}, {"-h"}, {"help"}, {"init", "--help"}, {"check", "--root", "/j", "-h"}}) {
      out.reset();
      assertEquals(Doctor.OK, run(new FakeKernel(), args), String.join(" ", args));
      assertEquals(Doctor.USAGE_TEXT + System.lineSeparator(), out());
    }
    assertEquals("", err());
  }

  /** Every flag either command reads (their parsers' case labels) is explained in the help, and the help names no other. */
  @Test
  void theHelpListsBothCommandsAndEveryFlag() throws Exception {
    java.util.Set<String> parsed = new java.util.TreeSet<>();
    java.util.regex.Pattern label = java.util.regex.Pattern.compile("case \"(--[a-z-]+)\":");
    for (dev.confine.PolicyOptions.Option option : dev.confine.PolicyOptions.all()) {
      parsed.add("--" + option.key()); // check's policy flags: confine's one declaration
    }
    parsed.addAll(List.of("--same-path", "--name-lookups", "--json")); // check's own
    for (String source : List.of("JailInit.java", "Inspect.java")) {
      java.util.regex.Matcher m = label.matcher(java.nio.file.Files.readString(Path.of("src/main/java/dev/confine/tools", source)));
      while (m.find()) {
        parsed.add(m.group(1));
      }
    }
    assertTrue(parsed.containsAll(List.of("--root", "--json", "--writable", "--force", "--dev-null")), parsed.toString());
    java.util.Set<String> explained = new java.util.TreeSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\n  (?:-h, )?(--[a-z-]+)").matcher(Doctor.USAGE_TEXT);
    while (m.find()) {
      explained.add(m.group(1));
    }
    explained.remove("--help");
    assertEquals(parsed, explained);
    assertTrue(Doctor.USAGE_TEXT.contains("usage: confine-doctor check --root DIR --user NAME|UID"), Doctor.USAGE_TEXT);
    assertTrue(Doctor.USAGE_TEXT.contains("       confine-doctor init --root DIR --user NAME|UID [--group GID] [--name-lookups] [--dev-null]"),
        Doctor.USAGE_TEXT);
  }

  @Test
  void findingsAboutTheDoctorsOwnProcessAreNotShownAsTheDaemons() {
    // The doctor runs as uid 1000, with a directory open, in "/", on a terminal: all true of it, none of the daemon.
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").user("www-data", 33, 33);
    kernel.leakDirectoryDescriptor("/srv");
    kernel.runningAs(1000, 1000);
    ConfinementPolicy policy = dev.confine.Confinement.builder().root("/srv/jail").user("www-data").build();
    dev.confine.PreflightReport library = kernel.check(policy);
    for (String code : List.of("not-root", "open-directory-fd", "cwd-outside-root")) {
      assertTrue(library.has(code), "control: the library reports " + code + " of the calling process\n" + library);
    }
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data"));
    for (String text : List.of("not-root", "open-directory-fd", "cwd-outside-root")) {
      assertEquals(1, out().split(text, -1).length - 1, text + " is named once, in the note: " + out());
    }
    assertFalse(out().contains("runs as uid 1000"), out());
    assertFalse(out().contains("the working directory"), out());
    assertTrue(out().contains("not shown: 4 kinds of finding about this doctor process, not the daemon (cwd-outside-root, not-root,"
        + " open-directory-fd, terminal); the daemon's own apply() checks its own process."), out());
    assertTrue(out().contains("0 error(s), 0 warning(s)"), out());
  }

  @Test
  void jsonIsOneArrayOfObjectsWithTheFiveFieldsAndTheStatusIsUnchanged() {
    FakeKernel kernel =
        new FakeKernel().directory("/srv/jail").file("/srv/jail/bin/su", 0, 04755).deviceNode("/srv/jail/dev/null").user("www-data", 33, 33);
    assertEquals(Doctor.ERRORS_FOUND, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data", "--allow-device", "dev/null", "--json"));
    @SuppressWarnings("unchecked")
    List<java.util.Map<String, Object>> findings = (List<java.util.Map<String, Object>>) MiniJson.parse(out());
    assertEquals(2, findings.size(), out());
    for (java.util.Map<String, Object> f : findings) {
      assertEquals(List.of("code", "severity", "what", "why", "fix"), List.copyOf(f.keySet()), out());
    }
    assertEquals("setuid-file", findings.get(0).get("code"));
    assertEquals("ERROR", findings.get(0).get("severity"));
    assertEquals("/srv/jail/bin/su is setuid (mode 4755, owner uid 0)", findings.get(0).get("what"));
    assertEquals("chmod u-s /srv/jail/bin/su (or remove it from the jail), or accept it knowingly with --allow-setuid bin/su",
        findings.get(0).get("fix"));
    assertEquals("device-node", findings.get(1).get("code"));
    assertEquals("INFO", findings.get(1).get("severity"));
    assertTrue(err().startsWith("confine-doctor: not shown: 2 kinds of finding about this doctor process"), "the note goes to stderr: " + err());

    out.reset();
    FakeKernel clean = new FakeKernel().directory("/srv/jail").user("www-data", 33, 33);
    assertEquals(Doctor.OK, run(clean, "check", "--root", "/srv/jail", "--user", "www-data", "--json"));
    assertEquals(List.of(), MiniJson.parse(out()));
  }

  @Test
  void samePathResultsAreFindingsToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path jail = java.nio.file.Files.createDirectories(dir.resolve("jail"));
    FakeKernel kernel = new FakeKernel().directory(jail.toString()).user("www-data", 33, 33);
    assertEquals(Doctor.ERRORS_FOUND, run(kernel, "check", "--root", jail.toString(), "--user", "www-data", "--same-path", dir.toString(), "--json"));
    @SuppressWarnings("unchecked")
    List<java.util.Map<String, Object>> findings = (List<java.util.Map<String, Object>>) MiniJson.parse(out());
    assertEquals("same-path", findings.get(0).get("code"));
    assertEquals("ERROR", findings.get(0).get("severity"));
    assertTrue(((String) findings.get(0).get("what")).startsWith(dir + ": inside the jail it is "), out());
  }

  @Test
  void initIsACommandOfItsOwn() {
    assertEquals(Doctor.USAGE, run(new FakeKernel(), "init", "--root", "relative", "--user", "x"));
    assertTrue(err().startsWith("confine-doctor: --root must be an absolute path: relative"), err());
    assertTrue(err().contains("run bin/confine-doctor --help for every command and flag"), err());
  }

  @Test
  void aCleanJailExits0AndPrintsTheTable() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").user("www-data", 33, 33);
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data"));
    assertTrue(out().startsWith("confine doctor: /srv/jail for user www-data (nothing was changed)"), out());
    assertTrue(out().contains("0 error(s), 0 warning(s)"), out());
    assertEquals("/", kernel.root());
  }

  @Test
  void anErrorExits1AndIsInTheTable() {
    FakeKernel kernel =
        new FakeKernel().directory("/srv/jail").file("/srv/jail/bin/su", 0, 04755).user("www-data", 33, 33);
    assertEquals(Doctor.ERRORS_FOUND, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data"));
    assertTrue(out().contains("setuid-file"), out());
    assertTrue(out().contains("/srv/jail/bin/su is setuid (mode 4755, owner uid 0)"), out());
    assertTrue(out().contains("fix: chmod u-s /srv/jail/bin/su (or remove it from the jail), or accept it knowingly with --allow-setuid bin/su"), out());
    assertFalse(out().contains("allowSetuidFiles"), "the fix names the doctor's flag, not the builder's method: " + out());
    out.reset();
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data", "--allow-setuid", "bin/su"));
    assertTrue(out().contains("(allowed by --allow-setuid bin/su)"), out());
    assertTrue(out().contains("fix: Accepted knowingly with --allow-setuid bin/su; remove that option to make this ERROR again."), out());
    assertFalse(out().contains("allowSetuidFiles"), out());
  }

  @Test
  void aMountBelowTheRootWithoutNodevNosuidIsAnErrorUnlessAllowedByItsFlag() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail/data").mount("/srv/jail/data", "ext4").user("www-data", 33, 33);
    assertEquals(Doctor.ERRORS_FOUND, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data"));
    assertTrue(out().contains("mount-inside-jail"), out());
    out.reset();
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data", "--allow-mount", "data"));
    out.reset();
    FakeKernel hardened = new FakeKernel().directory("/srv/jail/data").mount("/srv/jail/data", "ext4", "rw", "nodev", "nosuid").user("www-data", 33, 33);
    assertEquals(Doctor.OK, run(hardened, "check", "--root", "/srv/jail", "--user", "www-data"));
  }

  @Test
  void withNameLookupsTheResolverFilesTheJailLacksAreWarnings() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail/etc").file("/srv/jail/etc/hosts", 0, 0644).user("www-data", 33, 33);
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data"));
    assertFalse(out().contains("name-lookup-file-missing"), out());
    out.reset();
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data", "--name-lookups"));
    assertTrue(out().contains("/srv/jail/etc/nsswitch.conf is not a regular file of the jail"), out());
    assertTrue(out().contains("/srv/jail/etc/resolv.conf is not a regular file of the jail"), out());
    assertFalse(out().contains("/srv/jail/etc/hosts is not"), out());
    assertTrue(out().contains("0 error(s), 2 warning(s)"), out());
  }

  @Test
  void anAllowedFindingDoesNotFail() {
    FakeKernel kernel =
        new FakeKernel().directory("/srv/jail").deviceNode("/srv/jail/dev/null").user("www-data", 33, 33);
    assertEquals(Doctor.ERRORS_FOUND, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data"));
    out.reset();
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data", "--allow-device", "dev/null"));
    assertTrue(out().contains("(allowed by --allow-device dev/null)"), out());
  }

  @Test
  void aCheckThatCannotRunExits3WithoutStackTrace() {
    int status =
        Doctor.run(new String[] {"check", "--root", "/srv/jail", "--user", "x"}, new PrintStream(out), new PrintStream(err),
            p -> { throw new IllegalStateException("cannot list /proc: is /proc mounted?"); });
    assertEquals(Doctor.CHECK_FAILED, status);
    assertEquals("confine-doctor: the check could not run: cannot list /proc: is /proc mounted?", err().trim());
  }

  @Test
  void aPathTheServerNamesMustNameTheSameFileInsideTheJail(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path jail = java.nio.file.Files.createDirectories(dir.resolve("jail"));
    java.nio.file.Path conf = java.nio.file.Files.createDirectories(jail.resolve("opt/app/conf"));
    String named = conf.toString(); // the server is started with its absolute path
    assertTrue(Doctor.samePathProblem(jail, named).orElseThrow().contains("which does not exist"), "no layout yet");
    java.nio.file.Path self = jail.resolve(jail.toString().substring(1));
    java.nio.file.Files.createDirectories(self.getParent());
    java.nio.file.Files.createSymbolicLink(self, java.nio.file.Path.of("/"));
    assertEquals(java.util.Optional.empty(), Doctor.samePathProblem(jail, named), "the jail's own path is a link to its /");
    assertTrue(Doctor.samePathProblem(jail, dir.resolve("elsewhere").toString()).orElseThrow().contains("does not exist outside"));
    assertTrue(Doctor.samePathProblem(jail, "relative").orElseThrow().contains("not an absolute path"));
  }

  /** The same policy as the builder's, the agent's keys' (AgentOptionsTest) and the starter's properties' (ConfineOnListenTest). */
  @Test
  void theDoctorsFlagsMakeThePolicyTheBuilderMakes() throws Exception {
    dev.confine.ConfinementPolicy built = dev.confine.Confinement.builder().root("/srv/app/jail").user("app").group(990).supplementaryGroups(44)
        .allowWritable("var/spool").allowDeviceNodes("dev/null").keepCapabilities(dev.confine.Capability.NET_BIND_SERVICE).denySyscalls()
        .denyExec().openSyslogFirst("app", dev.confine.SyslogFacility.DAEMON).build();
    assertEquals(built, Doctor.parse(new String[] {"check", "--root", "/srv/app/jail", "--user", "app", "--group", "990", "--groups", "44",
        "--allow-writable", "var/spool", "--allow-device", "dev/null", "--keep-capabilities", "cap_net_bind_service", "--deny-syscalls", "default",
        "--deny-exec", "--syslog", "app"}));
  }

  @Test
  void jvmFilesFindingsSayWhenTheHostsJdkFilesChangedSinceInit(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path host = java.nio.file.Files.createDirectories(dir.resolve("host/jdk/lib")).resolve("tzdb.dat");
    java.nio.file.Files.writeString(host, "zones 2025a");
    Path jail = dir.resolve("jail");
    String relative = host.toString().substring(1);
    Path copy = java.nio.file.Files.createDirectories(jail.resolve(relative).getParent()).resolve("tzdb.dat");
    java.nio.file.Files.writeString(copy, "zones 2025a");
    java.nio.file.Files.createDirectories(jail.resolve("etc/confine"));
    assertEquals(List.of(), Doctor.jvmFilesFindings(jail), "no record, nothing to say");
    java.nio.file.Files.writeString(jail.resolve(JailInit.JVM_FILES_MANIFEST),
        JailInit.sha256("zones 2025a".getBytes(StandardCharsets.UTF_8)) + "  " + relative + "\n");
    assertEquals(List.of("jvm-files-current"), codes(Doctor.jvmFilesFindings(jail)));
    java.nio.file.Files.writeString(copy, "zones edited");
    assertEquals(List.of("jvm-file-copy-differs"), codes(Doctor.jvmFilesFindings(jail)));
    java.nio.file.Files.writeString(host, "zones 2025b");
    List<dev.confine.Finding> changed = Doctor.jvmFilesFindings(jail);
    assertEquals(List.of("jvm-file-changed"), codes(changed));
    assertEquals(dev.confine.Severity.WARNING, changed.get(0).severity());
    assertTrue(changed.get(0).message().contains(host + " changed since init copied it"), changed.toString());
  }

  private static List<String> codes(List<dev.confine.Finding> findings) {
    return findings.stream().map(dev.confine.Finding::code).collect(java.util.stream.Collectors.toList());
  }
}
