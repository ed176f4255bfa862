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
            "--allow-shared-uid", "--allow-open-directory", "5", "--allow-setuid", "bin/ping"});
    assertEquals(Path.of("/srv/jail"), policy.root());
    assertEquals("www-data", policy.userName().orElseThrow());
    assertEquals(33, policy.gid().getAsLong());
    assertEquals(List.of(44L, 45L), policy.supplementaryGroups());
    assertEquals(List.of("var/cache"), policy.allowedWritable());
    assertEquals(List.of("dev/null", "dev/urandom"), policy.allowedDeviceNodes());
    assertTrue(policy.sharedUidAllowed());
    assertEquals(List.of(5), policy.allowedOpenDirectories());
    assertEquals(List.of("bin/ping"), policy.allowedSetuidFiles());
  }

  @Test
  void aNumericUserIsAUid() throws Exception {
    assertEquals(65534, Doctor.parse(new String[] {"check", "--root", "/srv/jail", "--user", "65534"}).uid().getAsLong());
  }

  @Test
  void badArgumentsSayWhatIsWrong() {
    assertUsage("no command given");
    assertUsage("unknown command \"audit\" (the only one is \"check\")", "audit");
    assertUsage("--root DIR is required", "check", "--user", "x");
    assertUsage("--user NAME|UID is required", "check", "--root", "/srv/jail");
    assertUsage("--root needs a value", "check", "--root");
    assertUsage("--root needs a value", "check", "--root", "--user", "x");
    assertUsage("root must be an absolute path: srv/jail", "check", "--root", "srv/jail", "--user", "x");
    assertUsage("uid must not be 0: confining to root keeps root", "check", "--root", "/srv/jail", "--user", "0");
    assertUsage("user must not be root: confining to root keeps root", "check", "--root", "/srv/jail", "--user", "root");
    assertUsage("--group takes a number, not \"staff\"", "check", "--root", "/j", "--user", "x", "--group", "staff");
    assertUsage("unknown option \"--force\"", "check", "--root", "/j", "--user", "x", "--force");
    assertUsage("writable subdirectory must not contain '.' or '..' components: \"../etc\"",
        "check", "--root", "/j", "--user", "x", "--allow-writable", "../etc");
  }

  private static void assertUsage(String message, String... args) {
    assertEquals(message, assertThrows(Doctor.UsageException.class, () -> Doctor.parse(args)).getMessage());
  }

  @Test
  void badArgumentsExit2WithUsageAndNoStackTrace() {
    int status = run(new FakeKernel(), "check", "--root", "relative", "--user", "x");
    assertEquals(Doctor.USAGE, status);
    assertTrue(err().startsWith("confine-doctor: root must be an absolute path: relative"), err());
    assertTrue(err().contains("usage: confine-doctor check --root DIR --user NAME|UID"), err());
    assertFalse(err().contains("\tat "), "no stack trace: " + err());
    assertEquals("", out());
  }

  @Test
  void helpPrintsUsageAndExits0() {
    assertEquals(Doctor.OK, run(new FakeKernel(), "--help"));
    assertTrue(out().startsWith("usage:"), out());
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
    assertTrue(out().contains("fix: chmod u-s /srv/jail/bin/su"), out());
    out.reset();
    assertEquals(Doctor.OK, run(kernel, "check", "--root", "/srv/jail", "--user", "www-data", "--allow-setuid", "bin/su"));
    assertTrue(out().contains("allowSetuidFiles"), out());
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
    assertTrue(out().contains("(allowed by allowDeviceNodes(\"dev/null\"))"), out());
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
}
