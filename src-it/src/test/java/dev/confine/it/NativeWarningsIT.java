package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On Java 24+ a confined child prints no JVM warning about sun.misc.Unsafe: confine turns jffi's
 * use of it off (jffi.unsafe.disabled) before jffi loads. With --enable-native-access it prints
 * no JVM warning at all. Runs where the children's JDK is 24 or later (the suite's second run,
 * on Temurin 25); on 17 there is nothing to warn about and it is skipped, saying so.
 */
class NativeWarningsIT {
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    assumeTrue(ChildJvm.featureVersion(ChildJvm.javaHome()) >= 24, "SKIPPED: the children's JDK is older than 24; it prints no such warning");
    jail = Jails.fresh("warnings");
  }

  @AfterEach
  void tearDown() {
    if (jail != null) {
      Jails.remove(jail);
    }
  }

  private static List<String> warnings(ChildJvm child) {
    return child.output().lines().filter(l -> l.startsWith("WARNING:")).collect(Collectors.toList());
  }

  @Test
  void withNativeAccessEnabledAConfinedChildPrintsNoJvmWarning() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.ConfineChild", jail.toString(), "65534", "65534")) {
      child.await("READY", Duration.ofSeconds(60));
      assertTrue(child.output().contains("CONFINED"), child.output());
      assertEquals(List.of(), warnings(child), child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void withNoFlagAtAllNothingWarnsAboutUnsafe() throws Exception {
    List<String> command =
        List.of(Path.of(ChildJvm.javaHome(), "bin", "java").toString(), "-cp", ChildJvm.classpath(), "dev.confine.it.ConfineChild",
            jail.toString(), "65534", "65534");
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      child.await("READY", Duration.ofSeconds(60));
      assertTrue(child.output().contains("CONFINED"), child.output());
      assertFalse(child.output().contains("sun.misc.Unsafe"), child.output());
      // What remains is the JDK's notice that a restricted method (System.load) was called; the
      // flag above, or Enable-Native-Access in a jar's manifest, silences it.
      assertTrue(warnings(child).stream().allMatch(w -> !w.contains("Unsafe")), warnings(child).toString());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void controlWithJffisUnsafeTurnedBackOnTheJvmWarns() throws Exception {
    // Shows the test above can fail: the user's own choice (the property set) is honoured.
    List<String> command =
        List.of(Path.of(ChildJvm.javaHome(), "bin", "java").toString(), "-Djffi.unsafe.disabled=false", "--enable-native-access=ALL-UNNAMED",
            "-cp", ChildJvm.classpath(), "dev.confine.it.ConfineChild", jail.toString(), "65534", "65534");
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      child.await("READY", Duration.ofSeconds(60));
      assertTrue(child.output().contains("sun.misc.Unsafe"), "jffi with Unsafe, on 24+, warns:\n" + child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }
}
