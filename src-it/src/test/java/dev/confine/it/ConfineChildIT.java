package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A child JVM confines itself to uid/gid 65534 in a fresh jail; checked from outside. */
class ConfineChildIT {
  private Path jail;

  @BeforeEach
  void setUp() throws Exception {
    Root.require();
    jail = Jails.fresh("core");
    Files.writeString(jail.resolve("inside.txt"), "only this is visible\n");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  @Test
  void theChildIsConfinedInEveryThread() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.ConfineChild", jail.toString(), "65534", "65534")) {
      child.await("READY", Duration.ofSeconds(60));
      long pid = child.pid();

      assertEquals(jail, ProcView.root(pid), "/proc/<pid>/root is the jail");
      assertEquals(jail, ProcView.cwd(pid), "/proc/<pid>/cwd is the jail");

      Map<String, Map<String, String>> threads = ProcView.threads(pid);
      assertTrue(threads.size() > 5, "a JVM has many threads: " + threads.keySet());
      threads.forEach(
          (tid, status) -> {
            assertEquals("65534\t65534\t65534\t65534", status.get("Uid"), "Uid of thread " + tid + " " + status.get("Name"));
            assertEquals("65534\t65534\t65534\t65534", status.get("Gid"), "Gid of thread " + tid + " " + status.get("Name"));
            assertEquals("", status.get("Groups"), "Groups of thread " + tid + " " + status.get("Name"));
            assertEquals("0000000000000000", status.get("CapEff"), "CapEff of thread " + tid);
            assertEquals("0000000000000000", status.get("CapPrm"), "CapPrm of thread " + tid);
          });

      Map<String, String> probes = child.probes();
      assertEquals(String.valueOf(ChildJvm.featureVersion(ChildJvm.javaHome())), probes.get("java-feature"), "the child runs on the JDK asked for");
      String binding = System.getProperty("confine.it.binding", "").equals("ffm") ? "FFM (java.lang.foreign)" : "jffi";
      assertTrue(child.output().contains("note: native calls made through " + binding), "the report names the binding that ran\n" + child.output());
      assertEquals("false", probes.get("etc-passwd-visible"), child.output());
      assertEquals("inside.txt", probes.get("root-listing"), child.output());
      assertEquals("EPERM", probes.get("setuid0"), child.output());
      assertTrue(child.output().contains("verified:"), child.output());
      // JVM warnings, not preflight's: "REPORT" lines may carry a shared-uid WARNING when another
      // test on this machine runs as 65534 at the same moment.
      assertTrue(child.output().lines().noneMatch(l -> !l.startsWith("REPORT ") && l.contains("WARNING")),
          "the JVM printed warnings: " + child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }
}
