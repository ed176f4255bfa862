package dev.confine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ExampleOptionsTest {
  private static final Path ROOT = Path.of("/run/confine-example/x");

  @Test
  void defaultsAreTheExamplesOwn() throws Exception {
    ExampleOptions o = ExampleOptions.parse("X", 8443, ROOT, new String[0]);
    assertEquals(8443, o.port);
    assertEquals(ROOT, o.root);
    assertEquals(65534, o.uid);
    assertEquals(65534, o.gid);
    assertEquals("127.0.0.1", o.bind);
    assertEquals(0, o.seconds);
    assertEquals(true, o.confine);
  }

  @Test
  void noConfineIsAFlagWithoutValueAnywhereInTheLine() throws Exception {
    assertEquals(false, ExampleOptions.parse("X", 80, ROOT, new String[] {"--no-confine"}).confine);
    ExampleOptions o = ExampleOptions.parse("X", 80, ROOT, new String[] {"--port", "0", "--no-confine", "--seconds", "3"});
    assertEquals(false, o.confine);
    assertEquals(0, o.port);
    assertEquals(3, o.seconds);
    assertTrue(ExampleOptions.usage("X", 80, ROOT).contains("--no-confine"));
  }

  @Test
  void everyOptionIsRead() throws Exception {
    ExampleOptions o =
        ExampleOptions.parse(
            "X", 80, Path.of("/run/a"),
            new String[] {"--port", "0", "--root", "/run/b", "--user", "4000", "--group", "4001", "--bind", "::1", "--seconds", "5"});
    assertEquals(0, o.port);
    assertEquals(Path.of("/run/b"), o.root);
    assertEquals(4000, o.uid);
    assertEquals(4001, o.gid);
    assertEquals("::1", o.bind);
    assertEquals(5, o.seconds);
  }

  @Test
  void helpIsTheUsageWithStatus0WhereverItStands() {
    for (String[] args :
        new String[][] {{"--help"}, {"-h"}, {"--port", "8080", "--help"}, {"--help", "--port"}, {"--root", "/run/b", "-h", "--bogus"}}) {
      ExampleOptions.Exit exit = assertThrows(ExampleOptions.Exit.class, () -> ExampleOptions.parse("JettyExample", 8443, ROOT, args));
      assertEquals(0, exit.status, String.join(" ", args));
      assertEquals(ExampleOptions.usage("JettyExample", 8443, ROOT), exit.getMessage());
    }
    String usage = ExampleOptions.usage("JettyExample", 8443, ROOT);
    assertTrue(usage.startsWith("usage: JettyExample [--port N] [--root DIR] [--user UID] [--group GID] [--bind ADDR] [--seconds N]"), usage);
    for (String option : new String[] {"--port N", "--root DIR", "--user UID", "--group GID", "--bind ADDR", "--seconds N", "-h, --help"}) {
      assertTrue(usage.contains("\n  " + option + " "), option + " is explained: " + usage);
    }
    assertTrue(usage.contains("(default 8443;"), usage);
    assertTrue(usage.contains("(default " + ROOT + ")"), usage);
  }

  @Test
  void badArgumentsAreStatus2NamingTheValueThenTheUsage() {
    assertProblem("X: missing value after --port", "--port");
    assertProblem("X: unknown option --prot", "--prot", "80");
    assertProblem("X: not a number after --port: eighty", "--port", "eighty");
    assertProblem("X: not a number after --user: www-data", "--user", "www-data");
    assertProblem("X: --port must be 0..65535: 70000", "--port", "70000");
    assertProblem("X: --root must be an absolute path: jail", "--root", "jail");
    assertProblem("X: --seconds must be 0 or more: -1", "--seconds", "-1");
  }

  private static void assertProblem(String firstLine, String... args) {
    ExampleOptions.Exit exit = assertThrows(ExampleOptions.Exit.class, () -> ExampleOptions.parse("X", 80, ROOT, args));
    assertEquals(2, exit.status);
    assertEquals(firstLine + System.lineSeparator() + ExampleOptions.usage("X", 80, ROOT), exit.getMessage());
  }
}
