package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code confine-doctor inspect PID} run as a real program against real processes: the HttpServer
 * example confined (exit 0, its JSON read by a reader of its own), the same example run with
 * --no-confine (exit 1, the findings), children that confined with a weaker policy than the
 * default (exit 1 with that policy's finding; and exit 0, the control, when inspect is told to
 * expect it), a non-root process that is dumpable, where the doctor's signal is compared with
 * what the kernel lets another process of that uid read, and one with a controlling terminal.
 */
class InspectIT {
  private static final Duration CHILD = Duration.ofSeconds(60);
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("inspect");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  private static DoctorIT.Ran inspect(long pid, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("inspect", String.valueOf(pid)));
    args.addAll(List.of(flags));
    return DoctorIT.doctorApart(args.toArray(new String[0]));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(DoctorIT.Ran ran) {
    Object doc = JsonReader.parse(ran.out);
    assertTrue(doc instanceof Map, ran.toString());
    return (Map<String, Object>) doc;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> doc, String field) {
    return (List<Map<String, Object>>) doc.get(field);
  }

  /** The codes of the ERROR findings in inspect's JSON. */
  private static Set<String> errors(Map<String, Object> doc) {
    return list(doc, "findings").stream().filter(f -> f.get("severity").equals("ERROR")).map(f -> (String) f.get("code"))
        .collect(Collectors.toSet());
  }

  private static ChildJvm example(String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("--port", String.valueOf(Examples.freePort()), "--bind", "127.0.0.1", "--seconds", "120"));
    args.addAll(List.of(more));
    ChildJvm server = ChildJvm.start(List.of(), "dev.confine.examples.HttpServerExample", args.toArray(new String[0]));
    server.await("LISTENING", CHILD);
    return server;
  }

  @Test
  void theConfinedExampleIsConfinedAsExpected() throws Exception {
    try (ChildJvm server = example("--root", jail.toString())) {
      DoctorIT.Ran ran = inspect(server.pid(), "--root", jail.toString(), "--user", "65534", "--group", "65534", "--json");
      assertEquals(0, ran.status, ran + "\nthe example said:\n" + server.output());
      Map<String, Object> doc = json(ran);
      assertEquals(server.pid(), doc.get("pid"));
      assertEquals(true, doc.get("confined"), ran.out);
      assertEquals(Set.of(), errors(doc), ran.out);
      @SuppressWarnings("unchecked")
      Map<String, Object> root = (Map<String, Object>) doc.get("root");
      assertEquals(jail.toString(), root.get("path"));
      assertEquals(true, root.get("chrooted"));
      @SuppressWarnings("unchecked")
      Map<String, Object> cwd = (Map<String, Object>) doc.get("cwd");
      assertEquals(true, cwd.get("isRoot"), ran.out);
      assertEquals("no", doc.get("dumpable"), ran.out);
      List<Map<String, Object>> threads = list(doc, "threads");
      assertTrue(threads.size() > 5, "a server JVM has many threads: " + threads.size());
      for (Map<String, Object> t : threads) {
        assertEquals(List.of(65534L, 65534L, 65534L, 65534L), t.get("uid"), t.toString());
        assertEquals(List.of(65534L, 65534L, 65534L, 65534L), t.get("gid"), t.toString());
        assertEquals(List.of(), t.get("groups"), t.toString());
        assertEquals("0000000000000000", t.get("capEff"), t.toString());
        assertEquals("0000000000000000", t.get("capPrm"), t.toString());
        assertEquals(1L, t.get("noNewPrivs"), t.toString());
        assertEquals(2L, t.get("seccomp"), t.toString());
      }
      // The class path's jars stay open read-only outside the root: listed, not an error.
      assertTrue(list(doc, "descriptors").stream().anyMatch(d -> d.get("outsideRoot").equals(true) && d.get("access").equals("read")
          && ((String) d.get("target")).endsWith(".jar")), ran.out);
      assertTrue(list(doc, "descriptors").stream().noneMatch(d -> d.get("outsideRoot").equals(true) && d.get("kind").equals("directory")), ran.out);

      DoctorIT.Ran human = inspect(server.pid(), "--root", jail.toString(), "--user", "65534");
      assertEquals(0, human.status, human.toString());
      assertTrue(human.out.startsWith("confine doctor inspect: pid " + server.pid() + " (java) is confined as expected: "), human.out);
      System.out.println("inspect of the confined example:\n" + human.out);

      // Control: expected in another jail and as another user, the same process is not as expected.
      Path other = Jails.fresh("inspect-other");
      try {
        DoctorIT.Ran wrong = inspect(server.pid(), "--root", other.toString(), "--user", "64999", "--group", "64999", "--json");
        assertEquals(1, wrong.status, wrong.toString());
        assertEquals(Set.of("unexpected-root", "unexpected-uid", "unexpected-gid"), errors(json(wrong)), wrong.out);
      } finally {
        Jails.remove(other);
      }
    }
  }

  @Test
  void theExampleRunWithoutConfinementIsNot() throws Exception {
    try (ChildJvm server = example("--root", jail.toString(), "--no-confine")) {
      DoctorIT.Ran ran = inspect(server.pid(), "--json");
      assertEquals(1, ran.status, ran.toString());
      Map<String, Object> doc = json(ran);
      assertEquals(false, doc.get("confined"));
      assertTrue(errors(doc).containsAll(Set.of("uid-0", "gid-0", "capabilities", "new-privileges", "no-seccomp-filter", "not-chrooted")),
          ran.out);
      DoctorIT.Ran human = inspect(server.pid());
      assertEquals(1, human.status, human.toString());
      assertTrue(human.out.startsWith("confine doctor inspect: pid " + server.pid() + " (java) is NOT confined as expected: "), human.out);
      System.out.println("inspect of the unconfined example:\n" + human.out);
    }
  }

  /**
   * A child confined with one option weaker than the default: inspect's default expectations
   * give exactly that option's ERROR; told to expect it (the control), it exits 0.
   */
  private void weaker(String childOption, String code, String... accepting) throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.HardenChild", jail.toString(), "65534", "65534", childOption)) {
      child.await("READY", CHILD);
      DoctorIT.Ran ran = inspect(child.pid(), "--root", jail.toString(), "--user", "65534", "--json");
      assertEquals(1, ran.status, ran + "\nthe child said:\n" + child.output());
      assertEquals(Set.of(code), errors(json(ran)), ran.out);
      List<String> flags = new ArrayList<>(List.of("--root", jail.toString(), "--user", "65534", "--json"));
      flags.addAll(List.of(accepting));
      DoctorIT.Ran control = inspect(child.pid(), flags.toArray(new String[0]));
      assertEquals(0, control.status, "control, with " + List.of(accepting) + ": " + control);
      assertEquals(Set.of(), errors(json(control)), control.out);
      DoctorIT.Ran human = inspect(child.pid(), "--root", jail.toString(), "--user", "65534");
      System.out.println("inspect of a child confined with " + childOption + ":\n" + human.out);
      child.exitCleanly();
    }
  }

  @Test
  void noBaselineFilterIsFoundAndAcceptedWhenExpected() throws Exception {
    weaker("--no-baseline", "baseline-filter-missing", "--no-baseline-filter");
  }

  @Test
  void allowNewPrivilegesIsFoundAndAcceptedWhenExpected() throws Exception {
    weaker("--allow-new-privileges", "new-privileges", "--allow-new-privileges");
  }

  @Test
  void aKeptCapabilityIsFoundAndAcceptedWhenExpected() throws Exception {
    weaker("--keep", "capabilities", "--keep-capabilities", "NET_BIND_SERVICE");
  }

  /**
   * The dumpable signal checked against the kernel: a program that setpriv starts as uid 65534 is
   * dumpable (execve of a plain file by a non-root uid leaves it so), and another uid-65534
   * process may read its /proc/PID/environ; the confined example is not, and may not be read.
   */
  @Test
  void dumpableAsTheKernelJudgesIt() throws Exception {
    List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
    List<String> sleeper = new ArrayList<>(asNobody);
    sleeper.addAll(List.of("sleep", "120"));
    try (ChildJvm sleep = ChildJvm.startCommand(sleeper); ChildJvm server = example("--root", jail.toString())) {
      Thread.sleep(200); // setpriv has exec'd sleep by now; the doctor reads the same pid either way
      DoctorIT.Ran plain = inspect(sleep.pid(), "--json");
      assertEquals(1, plain.status, plain.toString());
      Map<String, Object> doc = json(plain);
      assertEquals("yes", doc.get("dumpable"), plain.out);
      assertTrue(errors(doc).containsAll(Set.of("dumpable", "not-chrooted", "new-privileges", "no-seccomp-filter")), plain.out);
      assertFalse(errors(doc).contains("uid-0"), plain.out);
      assertEquals("no", json(inspect(server.pid(), "--json")).get("dumpable"));

      assertEquals("0", readEnvironAs(asNobody, sleep.pid()), "uid 65534 reads a dumpable uid-65534 process's environ");
      String confined = readEnvironAs(asNobody, server.pid());
      assertTrue(!confined.equals("0") && confined.contains("/environ"), "but not the confined example's: " + confined);
    }
  }

  /**
   * A controlling terminal, as the kernel gives one: script(1) runs sleep on a new pseudo-terminal
   * as its session's controlling terminal; the confined example, started from a pipe, has none.
   */
  @Test
  void aControllingTerminalIsFound() throws Exception {
    try (ChildJvm script = ChildJvm.startCommand(List.of("script", "-q", "-c", "exec sleep 120", "/dev/null"))) {
      ProcessHandle sleep = null;
      try {
        long deadline = System.nanoTime() + CHILD.toNanos();
        while (sleep == null && System.nanoTime() < deadline) {
          sleep = ProcessHandle.of(script.pid()).orElseThrow().children()
              .filter(c -> c.info().command().map(command -> command.endsWith("/sleep")).orElse(false)).findFirst().orElse(null);
          Thread.sleep(50);
        }
        assertTrue(sleep != null, "script started no sleep: " + script.output());
        DoctorIT.Ran ran = inspect(sleep.pid(), "--json");
        assertEquals(1, ran.status, ran.toString());
        Map<String, Object> doc = json(ran);
        assertTrue(errors(doc).contains("controlling-terminal"), ran.out);
        @SuppressWarnings("unchecked")
        Map<String, Object> terminal = (Map<String, Object>) doc.get("terminal");
        long ttyNr = (Long) terminal.get("ttyNr");
        // A pseudo-terminal: majors 136 to 143 (/dev/pts/N).
        assertTrue(((ttyNr >> 8) & 0xfff) >= 136 && ((ttyNr >> 8) & 0xfff) <= 143, ran.out);
        assertTrue(list(doc, "findings").stream().anyMatch(f -> f.get("code").equals("terminal-descriptor")), "its streams are on the terminal: " + ran.out);
      } finally {
        if (sleep != null) {
          sleep.destroyForcibly();
        }
      }
    }
  }

  /** "0" if {@code head -c 1 /proc/PID/environ} run through {@code prefix} succeeds, else what it said. */
  private static String readEnvironAs(List<String> prefix, long pid) throws Exception {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of("head", "-c", "1", "/proc/" + pid + "/environ"));
    try (ChildJvm head = ChildJvm.startCommand(command)) {
      int status = head.waitFor(Duration.ofSeconds(30));
      head.awaitOutputEnd(Duration.ofSeconds(10)); // head's message may still be on its way (seen once: "1 " alone)
      return status == 0 ? "0" : status + " " + head.output();
    }
  }
}
