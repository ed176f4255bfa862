package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.PolicyOptions.FrontEnd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyOptionsTest {
  private static final ConfinementPolicy BUILT = Confinement.builder()
      .root("/srv/myd/jail").user("myd").group(990).supplementaryGroups(44, 45)
      .allowWritable("var/spool").allowWritable("var/log").allowDeviceNodes("dev/null")
      .keepCapabilities(Capability.NET_BIND_SERVICE).denySyscalls().denyExec()
      .allowSyscalls("ioctl:TIOCSTI").openSyslogFirst("myd", SyslogFacility.DAEMON).umask(027)
      .prepare(JvmFacility.NETWORK, JvmFacility.TLS).build();

  private static List<Map.Entry<String, String>> entries(String... keyValues) {
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      entries.add(Map.entry(keyValues[i], keyValues[i + 1]));
    }
    return entries;
  }

  private static final List<Map.Entry<String, String>> SAME_AS_BUILT = entries(
      "root", "/srv/myd/jail", "user", "myd", "group", "990", "groups", "44", "groups", "45", "allow-writable", "var/spool",
      "allow-writable", "var/log", "allow-device", "dev/null", "keep-capabilities", "cap_net_bind_service", "deny-syscalls", "default",
      "deny-exec", "", "allow-syscalls", "ioctl:TIOCSTI", "syslog", "myd", "umask", "027", "prepare", "network", "prepare", "tls");

  @Test
  void theSameOptionsWrittenAnyWayMakeThePolicyTheBuilderMakes() throws Exception {
    for (FrontEnd frontEnd : List.of(FrontEnd.AGENT, FrontEnd.STARTER, FrontEnd.DOCTOR)) {
      assertEquals(BUILT, PolicyOptions.bind(SAME_AS_BUILT, frontEnd, Set.of()).build(), frontEnd.toString());
    }
  }

  /**
   * Each option's builder call is a case of PolicyOptions.apply's switch, beside the table (no
   * lambda per option: they cost confine-agent's premain): every declared key reaches its call.
   * "1" is no valid value for most keys: the builder refusing it is the builder reached.
   */
  @Test
  void everyDeclaredOptionReachesItsBuilderCall() {
    for (PolicyOptions.Option option : PolicyOptions.all()) {
      List<Map.Entry<String, String>> given = new ArrayList<>(entries("root", "/srv/myd/jail", "user", "myd"));
      given.removeIf(e -> e.getKey().equals(option.key()));
      given.add(Map.entry(option.key(), option.isFlag() ? "" : "1"));
      try {
        PolicyOptions.bind(given, FrontEnd.AGENT, Set.of());
      } catch (IllegalArgumentException e) {
        assertFalse(e.getMessage().contains("no builder call"), option.key() + ": " + e.getMessage());
      }
    }
  }

  @Test
  void aPolicyFileTakesAListOnOneLine(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("confine.properties"), String.join("\n",
        "# the daemon's jail", "root=/srv/myd/jail", "user=myd", "group=990", "groups=44, 45", "allow-writable=var/spool,var/log",
        "allow-device=dev/null", "keep-capabilities=NET_BIND_SERVICE", "deny-syscalls=default", "deny-exec=true",
        "allow-syscalls=ioctl:TIOCSTI", "syslog=myd", "umask=027", "prepare=network,tls", ""));
    assertEquals(BUILT, PolicyOptions.bind(PolicyOptions.read(file), FrontEnd.FILE, Set.of()).build());
  }

  @Test
  void aKeyTwiceInAFileIsRefusedRatherThanTheLastOneWinning(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("confine.properties"), "root=/srv/a\nuser=myd\nroot=/srv/b\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyOptions.read(file));
    assertTrue(e.getMessage().contains("root is given twice (\"/srv/a\" and \"/srv/b\")"), e.getMessage());
  }

  @Test
  void aPolicyFileSomeoneElseCouldRewriteIsRefused(@TempDir Path dir) throws Exception {
    // The temporary directory sits under /tmp, writable by others (or is not root's): refused either way.
    Path file = Files.writeString(dir.resolve("confine.properties"), "root=/srv/myd/jail\nuser=myd\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfinementPolicy.fromFile(file));
    assertTrue(e.getMessage().contains("whoever can rewrite the policy can keep the process root"), e.getMessage());
    assertTrue(e.getMessage().contains("/tmp is writable by its group and others (mode 1777)") || e.getMessage().contains("is owned by uid"), e.getMessage());
  }

  @Test
  void aMisspeltKeyIsRefusedWithTheNearestOneAsEachFrontEndSpellsIt() {
    Map<FrontEnd, String> expected = Map.of(
        FrontEnd.AGENT, "unknown key allow-writeable (value \"var/x\"); did you mean allow-writable?",
        FrontEnd.STARTER, "unknown property confine.allow-writeable (value \"var/x\"); did you mean confine.allow-writable?",
        FrontEnd.DOCTOR, "unknown flag --allow-writeable (value \"var/x\"); did you mean --allow-writable?",
        FrontEnd.FILE, "unknown key allow-writeable (value \"var/x\"); did you mean allow-writable?");
    for (Map.Entry<FrontEnd, String> e : expected.entrySet()) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> PolicyOptions.bind(entries("root", "/srv/j", "user", "u", "allow-writeable", "var/x"), e.getKey(), Set.of()));
      assertEquals(e.getValue(), refused.getMessage());
    }
    // A front end's own keys count as known, for the suggestion too.
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> PolicyOptions.bind(entries("root", "/srv/j", "user", "u", "listn", "80"), FrontEnd.AGENT, Set.of("listen")));
    assertTrue(refused.getMessage().endsWith("did you mean listen?"), refused.getMessage());
    // Nothing near: no guess.
    refused = assertThrows(IllegalArgumentException.class,
        () -> PolicyOptions.bind(entries("root", "/srv/j", "user", "u", "frobnicate", "1"), FrontEnd.AGENT, Set.of()));
    assertFalse(refused.getMessage().contains("did you mean"), refused.getMessage());
  }

  @Test
  void badValuesAreRefusedNamingTheKeyAndTheValue() {
    Map<List<Map.Entry<String, String>>, String> cases = Map.of(
        entries("root", "/srv/j", "user", "0"), "user [0]: ",
        entries("root", "relative", "user", "u"), "root [relative]: ",
        entries("root", "/srv/j", "user", "u", "group", "wheel"), "group [wheel]: \"wheel\" is not a number",
        entries("root", "/srv/j", "user", "u", "keep-capabilities", "SYS_ADMIN"), "keep-capabilities [SYS_ADMIN]: \"SYS_ADMIN\" is not a capability",
        entries("root", "/srv/j", "user", "u", "umask", "999"), "umask [999]: \"999\" is not an octal number",
        entries("root", "/srv/j", "user", "u", "prepare", "telepathy"), "prepare [telepathy]: \"telepathy\" is not a JDK facility",
        entries("root", "/srv/j", "user", "u", "deny-exec", "yes"), "deny-exec takes no value (or true/false): \"yes\"",
        entries("root", "/srv/a", "root", "/srv/b", "user", "u"), "root is given twice (\"/srv/a\" and \"/srv/b\")",
        entries("root", "/srv/j"), "user is missing: ",
        entries("root", "/srv/j", "user", "u", "syslog", ""), "syslog: no value (IDENT)");
    for (Map.Entry<List<Map.Entry<String, String>>, String> c : cases.entrySet()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyOptions.bind(c.getKey(), FrontEnd.AGENT, Set.of()));
      assertTrue(e.getMessage().startsWith(c.getValue()), c.getKey() + " -> " + e.getMessage());
    }
  }

  @Test
  void aFlagSetFalseIsLeftUnsetAndAFrontEndsOwnKeysArePassedOver() {
    ConfinementPolicy policy = PolicyOptions.bind(entries("root", "/srv/j", "user", "u", "deny-exec", "false", "no-baseline-filter", "true",
        "listen", "8080"), FrontEnd.STARTER, Set.of("listen")).build();
    assertFalse(policy.execDenied());
    assertFalse(policy.baselineFilter());
  }

  /** Every option names a builder method that exists, and every front end spells every option. */
  @Test
  void everyOptionNamesARealBuilderMethod() {
    Set<String> methods = new java.util.TreeSet<>();
    for (java.lang.reflect.Method m : ConfinementPolicy.Builder.class.getMethods()) {
      methods.add(m.getName());
    }
    for (PolicyOptions.Option option : PolicyOptions.all()) {
      String method = option.builderCall().substring(0, option.builderCall().indexOf('('));
      assertTrue(methods.contains(method), option + " -> " + option.builderCall());
      assertEquals("--" + option.key(), FrontEnd.DOCTOR.name(option));
      assertEquals("confine." + option.key(), FrontEnd.STARTER.name(option));
      assertTrue(option.key().matches("[a-z]+(-[a-z]+)*"), option.key());
    }
  }

  /** docs/reference.md's option table is this declaration, line for line: the docs cannot drift. */
  @Test
  void theReferenceTableIsTheDeclaration() throws Exception {
    StringBuilder table = new StringBuilder("| key | value | default | what | builder |\n|---|---|---|---|---|\n");
    for (PolicyOptions.Option option : PolicyOptions.all()) {
      table.append("| `").append(option.key()).append("`").append(option.repeats() ? " (repeats)" : "").append(" | ")
          .append(option.isFlag() ? "(flag)" : "`" + option.valueShape() + "`").append(" | ").append(option.defaultValue()).append(" | ")
          .append(option.description()).append(" | `").append(option.builderCall()).append("` |\n");
    }
    String doc = Files.readString(Path.of("../docs/reference.md"));
    assertTrue(doc.contains(table), "docs/reference.md must hold this table (generated from PolicyOptions):\n" + table);
  }

  @Test
  void aFixSpeaksEachFrontEndsLanguage() {
    String fix = "chmod 0755 var/x, or accept it knowingly with allowWritable(\"var/spool\"); or allowSharedUid()";
    assertEquals("chmod 0755 var/x, or accept it knowingly with allow-writable=var/spool; or allow-shared-uid", PolicyOptions.inTermsOf(fix, FrontEnd.AGENT));
    assertEquals("chmod 0755 var/x, or accept it knowingly with confine.allow-writable=var/spool; or confine.allow-shared-uid=true",
        PolicyOptions.inTermsOf(fix, FrontEnd.STARTER));
    assertEquals("chmod 0755 var/x, or accept it knowingly with --allow-writable var/spool; or --allow-shared-uid", PolicyOptions.inTermsOf(fix, FrontEnd.DOCTOR));
    assertEquals(fix, PolicyOptions.inTermsOf(fix, FrontEnd.API));
    assertEquals("--allow-setuid 'bin/my ping'", PolicyOptions.inTermsOf("allowSetuidFiles(\"bin/my ping\")", FrontEnd.DOCTOR));
    assertEquals("give group=GID", PolicyOptions.inTermsOf("give group(gid)", FrontEnd.AGENT));
    assertEquals("apply() and allowOpenDirectory(fd) stay", PolicyOptions.inTermsOf("apply() and allowOpenDirectory(fd) stay", FrontEnd.AGENT));
  }

  /**
   * Every builder call a preflight fix names (in the texts of confine-core's checks) is a declared
   * option, so each front end can say it its own way; the two calls that only code can make
   * (a descriptor number, a hook) are the exceptions, and say so.
   */
  @Test
  void everyBuilderCallAFixNamesHasAnOptionForEveryFrontEnd() throws Exception {
    Set<String> builderMethods = new java.util.TreeSet<>();
    for (java.lang.reflect.Method m : ConfinementPolicy.Builder.class.getDeclaredMethods()) {
      if (java.lang.reflect.Modifier.isPublic(m.getModifiers())) {
        builderMethods.add(m.getName());
      }
    }
    Set<String> codeOnly = Set.of("allowOpenDirectory", "beforeChroot", "build", "toBuilder");
    Set<String> named = new java.util.TreeSet<>();
    java.util.regex.Pattern literal = java.util.regex.Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    java.util.regex.Pattern call = java.util.regex.Pattern.compile("\\b([a-z][A-Za-z]*)\\(");
    try (java.util.stream.Stream<Path> sources = Files.walk(Path.of("src/main/java/dev/confine/internal"))) {
      for (Path source : (Iterable<Path>) sources.filter(p -> p.toString().endsWith(".java"))::iterator) {
        java.util.regex.Matcher lit = literal.matcher(Files.readString(source));
        while (lit.find()) {
          java.util.regex.Matcher c = call.matcher(lit.group(1));
          while (c.find()) {
            if (builderMethods.contains(c.group(1))) {
              named.add(c.group(1));
            }
          }
        }
      }
    }
    assertTrue(named.contains("allowWritable") && named.contains("allowSetuidFiles"), named.toString());
    for (String method : named) {
      if (!codeOnly.contains(method)) {
        assertTrue(PolicyOptions.byMethod(method).isPresent(), method + "() is named by a fix but no option declares it: the agent, the starter"
            + " and the doctor could not say it");
      }
    }
  }
}
