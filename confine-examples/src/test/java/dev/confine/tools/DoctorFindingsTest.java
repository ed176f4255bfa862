package dev.confine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.JvmFacility;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.testing.FakeKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DoctorFindingsTest {
  /** Where confine-core's sources lie, seen from this module (surefire runs in the module's directory). */
  private static final Path CORE = Path.of("..", "confine-core", "src", "main", "java");
  /** A finding made with a new code: a literal, or a constant of the same file (a copy of another finding's code is neither). */
  private static final Pattern CODE = Pattern.compile("new (?:dev\\.confine\\.)?Finding\\(\\s*[^,]+,\\s*(?:\"([a-z0-9-]+)\"|([A-Z][A-Z0-9_]*)\\s*,)");
  /** A builder call in a text: allowSetuidFiles("x"), allowSharedUid(), group(gid), apply(). */
  private static final Pattern JAVA_CALL = Pattern.compile("\\b[a-z]+[A-Z][A-Za-z]*\\(|\\bgroup\\(gid\\)|\\(\\)");
  private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*");
  private static final DoctorFindings.Invocation SRV = new DoctorFindings.Invocation(Path.of("/srv/jail"), "www-data", OptionalLong.empty());

  /** Every finding code confine-core's sources create. */
  static Set<String> coreCodes() throws IOException {
    Set<String> codes = new TreeSet<>();
    try (Stream<Path> files = Files.walk(CORE)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).collect(Collectors.toList())) {
        String source = Files.readString(file);
        Matcher m = CODE.matcher(source);
        while (m.find()) {
          if (m.group(1) != null) {
            codes.add(m.group(1));
            continue;
          }
          Matcher constant = Pattern.compile("\\b" + m.group(2) + "\\s*=\\s*\"([a-z0-9-]+)\"").matcher(source);
          assertTrue(constant.find(), file + " makes a finding whose code is " + m.group(2) + ", a constant this test cannot read");
          codes.add(constant.group(1));
        }
      }
    }
    return codes;
  }

  @Test
  void everyCodeOfConfineCoreHasTheDoctorsFixOrIsAboutTheDoctorsOwnProcess() throws IOException {
    Set<String> codes = coreCodes();
    // The scan itself must work: confine-core creates well over 20 codes.
    assertTrue(codes.size() >= 25, "codes found in " + CORE.toAbsolutePath() + ": " + codes);
    assertTrue(codes.containsAll(List.of("root-missing", "setuid-file", "cwd-outside-root", "classpath-jar-unopened", "unknown-identity")), codes.toString());
    for (String code : codes) {
      boolean fixed = DoctorFindings.FIXES.containsKey(code);
      boolean skipped = DoctorFindings.ABOUT_THIS_PROCESS.contains(code);
      assertTrue(fixed != skipped, code + ": a new finding code needs a fix in the doctor's terms (DoctorFindings.FIXES) or, if it is"
          + " about the calling process, a place in ABOUT_THIS_PROCESS; it is in " + (fixed ? "both" : "neither"));
    }
    Set<String> stale = new TreeSet<>(DoctorFindings.FIXES.keySet());
    stale.addAll(DoctorFindings.ABOUT_THIS_PROCESS);
    stale.removeAll(codes);
    assertEquals(Set.of(), stale, "codes the doctor knows that confine-core no longer creates");
  }

  @Test
  void noFixTheDoctorShowsNamesABuilderCallAndEachFlagItNamesExists() {
    // Whatever builder calls a library fix may name, the doctor's fix names flags.
    String everyCall =
        "accept it with allowSetuidFiles(\"bin/su\"), allowDeviceNodes(\"dev/null\"), allowWritable(\"var/x\"), allowMounts(\"data\"),"
            + " allowSharedUid(), or give group(gid) before apply().";
    for (String code : DoctorFindings.FIXES.keySet()) {
      Finding library = new Finding(Severity.ERROR, code, "/srv/jail/x is something", "Why.", everyCall);
      Finding shown = DoctorFindings.translate(library, SRV);
      assertNoCallAndKnownFlags(shown);
    }
  }

  /** Real findings of the library (the fake kernel runs the same checks), in the doctor's terms. */
  @Test
  void realFindingsReadInTheDoctorsTerms() {
    FakeKernel kernel =
        new FakeKernel()
            .directory("/srv/jail")
            .file("/srv/jail/bin/su", 0, 04755)
            .file("/srv/jail/bin/wall", 0, 02755)
            .deviceNode("/srv/jail/dev/null")
            .directory("/srv/jail/var/cache", 33, 0755)
            .directory("/srv/jail/data")
            .mount("/srv/jail/data", "ext4")
            .otherProcess(4242, 33)
            .user("www-data", 33, 33);
    ConfinementPolicy.Builder builder = Confinement.builder().root("/srv/jail").user("www-data")
        .prepare(JvmFacility.NAME_LOOKUPS);
    List<Finding> findings = new ArrayList<>(kernel.check(builder.build()).findings());
    findings.addAll(kernel.check(builder.allowSetuidFiles("bin/su", "bin/wall").allowDeviceNodes("dev/null").allowWritable("var/cache")
        .allowMounts("data").allowSharedUid().build()).findings());
    findings.addAll(new FakeKernel().check(Confinement.builder().root("/srv/none").user(64999).build()).findings());
    findings.addAll(new FakeKernel().symlink("/srv/link", "/srv/jail").directory("/srv/jail")
        .check(Confinement.builder().root("/srv/link/x").user(64999).group(64999).build()).findings());
    Set<String> seen = new HashSet<>();
    for (Finding finding : findings) {
      if (DoctorFindings.aboutTheDaemon(finding)) {
        seen.add(finding.code());
        assertNoCallAndKnownFlags(DoctorFindings.translate(finding, SRV));
      }
    }
    assertTrue(seen.containsAll(List.of("setuid-file", "setgid-file", "device-node", "jail-writable", "mount-inside-jail", "shared-uid",
        "name-lookup-file-missing", "root-missing", "unknown-identity", "symlink-in-path")), "scenarios cover: " + seen);
  }

  private static void assertNoCallAndKnownFlags(Finding shown) {
    for (String text : List.of(shown.fix(), shown.message())) {
      assertFalse(JAVA_CALL.matcher(text).find(), shown.code() + " names a builder call: " + text);
    }
    Matcher flags = FLAG.matcher(shown.fix() + " " + shown.message());
    while (flags.find()) {
      assertTrue(Doctor.USAGE_TEXT.contains("  " + flags.group() + " "), shown.code() + " names " + flags.group() + ", which the doctor lacks: " + shown.fix());
    }
  }

  @Test
  void theFixesTheIssueNamedReadAsFlags() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").file("/srv/jail/bin/su", 0, 04755).user("www-data", 33, 33);
    Finding setuid = only(kernel.check(Confinement.builder().root("/srv/jail").user("www-data").build()), "setuid-file");
    assertEquals("chmod u-s /srv/jail/bin/su (or remove it from the jail), or accept it knowingly with --allow-setuid bin/su",
        DoctorFindings.translate(setuid, SRV).fix());
    Finding unknown = only(new FakeKernel().directory("/srv/jail").check(Confinement.builder().root("/srv/jail").user(64999).build()), "unknown-identity");
    assertEquals("uid 64999 has no passwd entry, so it has no primary group: give --group GID explicitly",
        DoctorFindings.translate(unknown, SRV).message());
    assertEquals("Give --user an existing user (NAME or UID); for a uid without a passwd entry give --group GID too.",
        DoctorFindings.translate(unknown, SRV).fix());
  }

  @Test
  void anAcceptedFindingSaysWhichFlagAcceptedIt() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").file("/srv/jail/bin/su", 0, 04755).user("www-data", 33, 33);
    Finding allowed =
        only(kernel.check(Confinement.builder().root("/srv/jail").user("www-data").allowSetuidFiles("bin/su").build()), "setuid-file");
    Finding shown = DoctorFindings.translate(allowed, SRV);
    assertEquals(Severity.INFO, shown.severity());
    assertTrue(shown.message().endsWith("(allowed by --allow-setuid bin/su)"), shown.message());
    assertEquals("Accepted knowingly with --allow-setuid bin/su; remove that option to make this ERROR again.", shown.fix());
  }

  @Test
  void aMissingRootIsFixedByInitWithTheSameIdentity() {
    Finding missing = only(new FakeKernel().user("www-data", 33, 33).check(Confinement.builder().root("/srv/new jail").user("www-data").build()), "root-missing");
    assertEquals("Create it: confine-doctor init --root '/srv/new jail' --user www-data (root-owned, mode 0755; see docs/doctor.md).",
        DoctorFindings.translate(missing, new DoctorFindings.Invocation(Path.of("/srv/new jail"), "www-data", OptionalLong.empty())).fix());
    assertEquals("Create it: confine-doctor init --root /srv/jail --user 64999 --group 64999 (root-owned, mode 0755; see docs/doctor.md).",
        DoctorFindings.FIXES.get("root-missing").text(missing, new DoctorFindings.Invocation(Path.of("/srv/jail"), "64999", OptionalLong.of(64999))));
  }

  @Test
  void theProcessesOwnFindingsAreSetApartTheJailsNot() {
    for (String code : DoctorFindings.ABOUT_THIS_PROCESS) {
      assertFalse(DoctorFindings.aboutTheDaemon(new Finding(Severity.ERROR, code, "m", "w", "f")), code);
    }
    for (String code : DoctorFindings.FIXES.keySet()) {
      assertTrue(DoctorFindings.aboutTheDaemon(new Finding(Severity.ERROR, code, "m", "w", "f")), code);
    }
  }

  @Test
  void valuesAreQuotedForAShellOnlyWhenTheyNeedIt() {
    assertEquals("bin/su", DoctorFindings.shell("bin/su"));
    assertEquals("'my file'", DoctorFindings.shell("my file"));
    assertEquals("'it'\\''s'", DoctorFindings.shell("it's"));
    assertEquals("'$HOME'", DoctorFindings.shell("$HOME"));
    assertEquals("--allow-setuid 'bin/my su'", DoctorFindings.flags("allowSetuidFiles(\"bin/my su\")"));
  }

  private static Finding only(PreflightReport report, String code) {
    List<Finding> found = report.findings().stream().filter(f -> f.code().equals(code)).collect(Collectors.toList());
    assertEquals(1, found.size(), code + " in\n" + report);
    return found.get(0);
  }
}
