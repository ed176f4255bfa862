package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The doctor run as a real program: check against a clean and a bad jail, its fixes in its own
 * flags, its JSON, its own process's findings kept apart from the daemon's, and init laying out a
 * jail that check passes and the HttpServer example confines itself into.
 */
class DoctorIT {
  private static final Duration CHILD = Duration.ofSeconds(60);
  /** A JSON string as the doctor writes it: escapes allowed, no raw quote or backslash. */
  private static final String STRING = "\"((?:[^\"\\\\]|\\\\.)*)\"";
  private static final Pattern OBJECT =
      Pattern.compile("\\{\"code\":" + STRING + ",\"severity\":\"(ERROR|WARNING|INFO)\",\"what\":" + STRING + ",\"why\":" + STRING
          + ",\"fix\":" + STRING + "\\}");
  private Path jail;
  private final List<Path> more = new ArrayList<>();

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("doctor");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
    more.forEach(Jails::remove);
  }

  private static ChildJvm doctor(String... args) throws Exception {
    return ChildJvm.start(List.of(), "dev.confine.tools.Doctor", args);
  }

  /** What the doctor printed on each stream, and its exit status. */
  static final class Ran {
    final int status;
    final String out;
    final String err;

    Ran(int status, String out, String err) {
      this.status = status;
      this.out = out;
      this.err = err;
    }

    @Override
    public String toString() {
      return "exit " + status + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  /** The doctor with stdout and stderr apart (the JSON is stdout alone). */
  static Ran doctorApart(String... args) throws Exception {
    Process p = new ProcessBuilder(ChildJvm.javaCommand(ChildJvm.javaHome(), List.of(), ChildJvm.classpath(), "dev.confine.tools.Doctor", args)).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    if (!p.waitFor(CHILD.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the doctor did not end: " + Arrays.toString(args) + "\n" + out);
    }
    return new Ran(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
  }

  private static String read(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A jail with a setuid program and /dev/null in it: two errors, each of which a flag accepts. */
  private void badJail() throws Exception {
    Path su = Files.createDirectories(jail.resolve("bin")).resolve("su");
    Files.writeString(su, "#!/bin/sh\n");
    PreflightIT.run("chmod", "4755", su.toString());
    PreflightIT.run("mknod", "-m", "0666", Files.createDirectories(jail.resolve("dev")).resolve("null").toString(), "c", "1", "3");
  }

  /** A fresh root-owned 0755 directory for init to make a jail in. */
  private Path base(String name) {
    Path base = Jails.fresh(name);
    more.add(base);
    return base;
  }

  /** Kind, mode, owner and group of everything under dir, to compare before and after. */
  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> all = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.collect(Collectors.toList())) {
        all.put(p.toString(), attributes(p));
      }
    }
    return all;
  }

  /** "mode uid:gid" as octal and numbers, the file type bits included. */
  private static String attributes(Path p) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
    return Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid") + ":" + a.get("gid");
  }

  @Test
  void aCleanJailExits0() throws Exception {
    Files.writeString(jail.resolve("index.html"), "hello\n");
    try (ChildJvm child = doctor("check", "--root", jail.toString(), "--user", "64999", "--group", "64999")) {
      assertEquals(0, child.waitFor(CHILD), child.output());
      assertTrue(child.output().startsWith("confine doctor: " + jail + " for user 64999 (nothing was changed)"), child.output());
      assertTrue(child.output().contains("0 error(s)"), child.output());
    }
  }

  @Test
  void aBadJailExits1AndNamesTheFinding() throws Exception {
    Path dev = Files.createDirectories(jail.resolve("dev"));
    PreflightIT.run("mknod", "-m", "0600", dev.resolve("sda").toString(), "b", "8", "0");
    PreflightIT.run("chmod", "0777", jail.toString());
    try (ChildJvm child = doctor("check", "--root", jail.toString(), "--user", "64999", "--group", "64999")) {
      assertEquals(1, child.waitFor(CHILD), child.output());
      assertTrue(child.output().contains("device-node"), child.output());
      assertTrue(child.output().contains(dev.resolve("sda") + " is a block device node"), child.output());
      assertTrue(child.output().contains("component-writable"), child.output());
      assertTrue(child.output().contains("fix: chmod go-w " + jail), child.output());
    }
  }

  @Test
  void badArgumentsExit2WithUsageAndNoStackTrace() throws Exception {
    try (ChildJvm child = doctor("check", "--root", "relative/jail", "--user", "64999")) {
      assertEquals(2, child.waitFor(CHILD), child.output());
      assertTrue(child.output().contains("confine-doctor: --root [relative/jail]: root must be an absolute path: relative/jail"), child.output());
      assertTrue(child.output().contains("run bin/confine-doctor --help for every command and flag"), child.output());
      assertFalse(child.output().contains("usage: confine-doctor check"), "one line, not the whole usage\n" + child.output());
      assertFalse(child.output().contains("\tat "), child.output());
    }
  }

  @Test
  void helpListsTheCommandsAndTheirFlagsAndExits0() throws Exception {
    for (String help : List.of("--help", "-h")) {
      Ran ran = doctorApart(help);
      assertEquals(0, ran.status, ran.toString());
      for (String text : List.of("confine-doctor check --root DIR", "confine-doctor init --root DIR", "  --json ", "  --allow-setuid PATH ",
          "  --dev-null ", "  --writable SUBDIR ", "  --force ")) {
        assertTrue(ran.out.contains(text), text + " in\n" + ran);
      }
    }
  }

  @Test
  void fixesNameTheDoctorsFlagsNotTheLibrarysMethods() throws Exception {
    badJail();
    Ran bad = doctorApart("check", "--root", jail.toString(), "--user", "64999", "--group", "64999");
    assertEquals(1, bad.status, bad.toString());
    assertTrue(bad.out.contains("fix: chmod u-s " + jail.resolve("bin/su") + " (or remove it from the jail), or accept it knowingly with --allow-setuid bin/su"),
        bad.toString());
    assertTrue(bad.out.contains("fix: Remove it, or accept it knowingly with --allow-device dev/null"), bad.toString());
    for (String method : List.of("allowSetuidFiles(", "allowDeviceNodes(", "group(gid)")) {
      assertFalse(bad.out.contains(method), method + " in\n" + bad);
    }
    // The flags the fixes name are the doctor's, and do what they say.
    Ran accepted = doctorApart("check", "--root", jail.toString(), "--user", "64999", "--group", "64999", "--allow-setuid", "bin/su", "--allow-device", "dev/null");
    assertEquals(0, accepted.status, accepted.toString());
    assertTrue(accepted.out.contains("(allowed by --allow-setuid bin/su)"), accepted.toString());
    assertTrue(accepted.out.contains("(allowed by --allow-device dev/null)"), accepted.toString());

    Ran noGroup = doctorApart("check", "--root", jail.resolve("none").toString(), "--user", "64999");
    assertEquals(1, noGroup.status, noGroup.toString());
    assertTrue(noGroup.out.contains("give --group GID"), noGroup.toString());
    assertTrue(noGroup.out.contains("fix: Create it: confine-doctor init --root " + jail.resolve("none") + " --user 64999"), noGroup.toString());
    assertFalse(noGroup.out.contains("group(gid)"), noGroup.toString());
  }

  @Test
  void jsonIsOneArrayOfObjectsWithTheFiveFields() throws Exception {
    badJail();
    Ran ran = doctorApart("check", "--root", jail.toString(), "--user", "64999", "--group", "64999", "--allow-setuid", "bin/su", "--json");
    assertEquals(1, ran.status, "an ERROR finding: the status is check's, with --json too\n" + ran);
    List<String> lines = List.of(ran.out.strip().split("\n"));
    assertEquals("[", lines.get(0), ran.toString());
    assertEquals("]", lines.get(lines.size() - 1), ran.toString());
    Map<String, String> severities = new LinkedHashMap<>();
    Map<String, String> fixes = new LinkedHashMap<>();
    for (int i = 1; i < lines.size() - 1; i++) {
      String line = lines.get(i).strip();
      if (i < lines.size() - 2) {
        assertTrue(line.endsWith(","), "objects are separated by commas: " + line);
        line = line.substring(0, line.length() - 1);
      }
      Matcher m = OBJECT.matcher(line);
      assertTrue(m.matches(), "an object with code, severity, what, why, fix: " + line);
      severities.put(m.group(1), m.group(2));
      fixes.put(m.group(1), m.group(5));
      assertFalse(m.group(3).isEmpty() || m.group(4).isEmpty() || m.group(5).isEmpty(), line);
    }
    assertEquals("ERROR", severities.get("device-node"), ran.toString());
    assertEquals("INFO", severities.get("setuid-file"), ran.toString());
    assertEquals("Remove it, or accept it knowingly with --allow-device dev/null", fixes.get("device-node"));
    assertFalse(ran.out.contains("not shown"), "notes go to stderr, not into the JSON: " + ran);

    Ran clean = doctorApart("check", "--root", jail.toString(), "--user", "64999", "--group", "64999", "--allow-setuid", "bin/su",
        "--allow-device", "dev/null", "--json");
    assertEquals(0, clean.status, clean.toString());
  }

  @Test
  void findingsAboutTheDoctorsOwnProcessAreNotReportedAsTheDaemons() throws Exception {
    // Started with an inheritable capability and in "/": an ERROR and an INFO about the process that checks.
    List<String> launch = List.of("setpriv", "--inh-caps", "+net_raw");
    try (ChildJvm control =
        ChildJvm.start(launch, Path.of("/"), ChildJvm.classpath(), ChildJvm.javaHome(), List.of(), "dev.confine.it.PreflightChild", jail.toString(), "64999", "64999")) {
      control.await("ERRORS", CHILD);
      assertEquals(0, control.waitFor(CHILD), control.output());
      assertTrue(control.output().contains("FINDING ERROR inheritable-capabilities "), "control: the library sees them in its own process\n" + control.output());
      assertTrue(control.output().contains("FINDING INFO cwd-outside-root the working directory / is outside"), control.output());
    }
    try (ChildJvm child =
        ChildJvm.start(launch, Path.of("/"), ChildJvm.classpath(), ChildJvm.javaHome(), List.of(), "dev.confine.tools.Doctor",
            "check", "--root", jail.toString(), "--user", "64999", "--group", "64999")) {
      assertEquals(0, child.waitFor(CHILD), "the doctor's own launch state is not the daemon's error\n" + child.output());
      String output = child.output();
      assertTrue(output.contains("not shown: 2 kinds of finding about this doctor process, not the daemon (cwd-outside-root,"
          + " inheritable-capabilities)"), output);
      assertFalse(output.contains("CapInh"), output);
      assertFalse(output.contains("the working directory /"), output);
      assertTrue(output.contains("0 error(s)"), output);
    }
  }

  @Test
  void initLaysOutAJailThatCheckPassesAndTheHttpServerExampleConfinesItselfIntoIt() throws Exception {
    Path root = base("doctor-init").resolve("jail");
    Ran init = doctorApart("init", "--root", root.toString(), "--user", "65534", "--group", "65534", "--name-lookups");
    assertEquals(0, init.status, init.toString());
    for (String made : List.of("", "/etc", "/etc/nsswitch.conf", "/etc/hosts", "/etc/resolv.conf")) {
      assertTrue(init.out.contains("made   " + root + made + " "), made + " in\n" + init);
    }
    assertEquals("40755 0:0", attributes(root));
    assertEquals("40755 0:0", attributes(root.resolve("etc")));
    assertEquals("100644 0:0", attributes(root.resolve("etc/hosts")));
    assertEquals(Files.readString(Path.of("/etc/hosts")), Files.readString(root.resolve("etc/hosts")));
    assertTrue(init.out.contains("next: bin/confine-doctor check --root " + root + " --user 65534 --group 65534 --name-lookups"), init.toString());

    Ran check = doctorApart("check", "--root", root.toString(), "--user", "65534", "--group", "65534", "--name-lookups");
    assertEquals(0, check.status, check.toString());
    // "0 error(s)" only: another process of uid 65534 on the machine (shared-uid) is a WARNING, which passes.
    assertTrue(check.out.contains("0 error(s), "), check.toString());

    int port = Examples.freePrivilegedPort();
    try (ChildJvm server =
        ChildJvm.start(List.of(), "dev.confine.examples.HttpServerExample", "--port", String.valueOf(port), "--root", root.toString(), "--seconds", "120")) {
      try {
        server.await("LISTENING", CHILD);
        Examples.assertConfinedFromOutside(server.pid(), root);
        Curl.Answer page = Curl.get("http://127.0.0.1:" + port + "/whoami");
        Examples.assertIdentityPage(page, root);
        assertTrue(page.body.contains("\"/\" holds: etc,hello.txt,www)"), page.body);
        Examples.assertNoJvmTrouble(server);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nthe example said:\n" + server.output(), e);
      }
    }
  }

  @Test
  void initJvmFilesCopiesTheJdksFilesReadOnlyAndCheckSaysWhenACopyNoLongerMatches() throws Exception {
    Path root = base("doctor-init").resolve("jail");
    String home = ChildJvm.javaHome();
    Ran init = doctorApart("init", "--root", root.toString(), "--user", "65534", "--group", "65534", "--jvm-files", "--java-home", home);
    assertEquals(0, init.status, init.toString());
    Path cacerts = root.resolve(home.substring(1)).resolve("lib/security/cacerts");
    assertEquals("100444 0:0", attributes(cacerts));
    assertEquals("40755 0:0", attributes(cacerts.getParent()));
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(Path.of(home, "lib/security/cacerts")), Files.readAllBytes(cacerts)));
    assertEquals("100444 0:0", attributes(root.resolve("etc/confine/jvm-files.sha256")));

    Ran check = doctorApart("check", "--root", root.toString(), "--user", "65534", "--group", "65534");
    assertEquals(0, check.status, check.toString());
    assertTrue(check.out.contains("jvm-files-current"), check.toString());
    assertTrue(!check.out.contains("jvm-file-"), check.toString());

    // The control: a copy that no longer holds what was copied is reported (a WARNING: apply() prepares as before).
    Path logging = root.resolve(home.substring(1)).resolve("conf/logging.properties");
    Files.setPosixFilePermissions(logging, PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(logging, "# edited\n", java.nio.file.StandardOpenOption.APPEND);
    Files.setPosixFilePermissions(logging, PosixFilePermissions.fromString("r--r--r--"));
    Ran differs = doctorApart("check", "--root", root.toString(), "--user", "65534", "--group", "65534");
    assertEquals(0, differs.status, differs.toString());
    assertTrue(differs.out.contains("jvm-file-copy-differs") && differs.out.contains(logging + " no longer holds what init copied"),
        differs.toString());
  }

  @Test
  void initsDevicesAndWritableDirectoryPassTheCheckItPrints() throws Exception {
    Path root = base("doctor-init").resolve("jail");
    Ran init = doctorApart("init", "--root", root.toString(), "--user", "65534", "--group", "65534", "--dev-null", "--dev-urandom",
        "--writable", "var/data");
    assertEquals(0, init.status, init.toString());
    assertEquals("20666 0:0", attributes(root.resolve("dev/null")));
    assertEquals(0x103L, Files.getAttribute(root.resolve("dev/null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS));
    assertEquals("20666 0:0", attributes(root.resolve("dev/urandom")));
    assertEquals(0x109L, Files.getAttribute(root.resolve("dev/urandom"), "unix:rdev", LinkOption.NOFOLLOW_LINKS));
    assertEquals("40755 0:0", attributes(root.resolve("var")));
    assertEquals("40700 65534:65534", attributes(root.resolve("var/data")));
    assertTrue(init.out.contains("note: dev/null and dev/urandom are device nodes, which check reports as an ERROR (device-node) unless accepted"),
        init.toString());

    String next = init.out.lines().filter(l -> l.startsWith("next: bin/confine-doctor check ")).findFirst().orElseThrow(() -> new AssertionError(init.toString()));
    String[] args = next.substring("next: bin/confine-doctor ".length()).split(" ");
    Ran passes = doctorApart(args);
    assertEquals(0, passes.status, next + "\n" + passes);

    // What the note says: without the flags check refuses the nodes and the writable directory.
    Ran strict = doctorApart("check", "--root", root.toString(), "--user", "65534", "--group", "65534");
    assertEquals(1, strict.status, strict.toString());
    assertTrue(strict.out.contains("fix: Remove it, or accept it knowingly with --allow-device dev/null"), strict.toString());
    assertTrue(strict.out.contains("or accept it knowingly with --allow-writable var/data"), strict.toString());
  }

  @Test
  void initChangesNothingThatExistsWithoutForceThenForceFixesOwnersAndModes() throws Exception {
    Path base = base("doctor-init");
    Path root = base.resolve("jail");
    Path data = Files.createDirectories(root.resolve("var/data"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(root.resolve("var"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-x---"));
    Path etc = Files.createDirectory(root.resolve("etc"));
    Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(etc.resolve("hosts"), "192.0.2.9 edited-by-hand\n");
    Files.setPosixFilePermissions(etc.resolve("hosts"), PosixFilePermissions.fromString("rw-------"));
    Map<String, String> before = snapshot(base);
    String[] args = {"init", "--root", root.toString(), "--user", "65534", "--group", "65534", "--name-lookups", "--writable", "var/data"};

    Ran refused = doctorApart(args);
    assertEquals(1, refused.status, refused.toString());
    assertEquals(before, snapshot(base), "nothing changed and nothing made\n" + refused);
    assertTrue(refused.out.contains("changed nothing: 3 existing paths are not as the jail needs it:"), refused.toString());
    assertTrue(refused.out.contains("  differs     " + etc + ": it is 0:0 0700, wanted directory 0:0 0755"), refused.toString());
    assertTrue(refused.out.contains("  differs     " + etc.resolve("hosts") + ": it is 0:0 0600, wanted file 0:0 0644"), refused.toString());
    assertTrue(refused.out.contains("  differs     " + data + ": it is 0:0 0750, wanted directory 65534:65534 0700"), refused.toString());
    assertTrue(refused.out.contains("--force fixes the owner and mode of what differs."), refused.toString());

    String[] forced = Arrays.copyOf(args, args.length + 1);
    forced[args.length] = "--force";
    Ran fixed = doctorApart(forced);
    assertEquals(0, fixed.status, fixed.toString());
    assertTrue(fixed.out.contains("fixed  " + data + " "), fixed.toString());
    assertTrue(fixed.out.contains("made   " + etc.resolve("nsswitch.conf") + " "), fixed.toString());
    assertEquals("40700 65534:65534", attributes(data));
    assertEquals("40755 0:0", attributes(etc));
    assertEquals("100644 0:0", attributes(etc.resolve("hosts")));
    assertEquals("192.0.2.9 edited-by-hand\n", Files.readString(etc.resolve("hosts")), "--force never rewrites a file");

    Ran check = doctorApart("check", "--root", root.toString(), "--user", "65534", "--group", "65534", "--name-lookups", "--allow-writable", "var/data");
    assertEquals(0, check.status, check.toString());

    // The jail as it now is: init has nothing to do, and says so without --force.
    Ran again = doctorApart(args);
    assertEquals(0, again.status, again.toString());
    assertFalse(again.out.contains("made ") || again.out.contains("fixed "), again.toString());
  }

  @Test
  void initRefusesARootWhoseParentIsNotRootsAlone() throws Exception {
    Path open = Files.createDirectory(base("doctor-init").resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    Ran ran = doctorApart("init", "--root", open.resolve("jail").toString(), "--user", "65534", "--group", "65534");
    assertEquals(2, ran.status, ran.toString());
    assertTrue(ran.err.startsWith("confine-doctor: --root " + open.resolve("jail") + ": every directory above the jail must be root-owned"
        + " and writable by no one else, as check demands: " + open + " is writable by group and others (mode 0777; chmod go-w " + open + ")"),
        ran.toString());
    assertFalse(Files.exists(open.resolve("jail")));
  }
}
