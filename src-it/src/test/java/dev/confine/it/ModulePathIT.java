package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * confine-core is a real module, dev.confine: a child with it (and jffi and
 * slf4j-api, automatic or named modules) on the module path, and its own code on the class path,
 * confines itself; the module exports dev.confine only, and its internals to the test kit's module
 * (dev.confine.testing, the artifact confine-testing) alone.
 */
class ModulePathIT {
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("modules");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  private static boolean onModulePath(String entry) {
    String name = Path.of(entry).getFileName().toString();
    return name.startsWith("confine-core") || name.startsWith("jffi") || name.startsWith("slf4j-api");
  }

  @Test
  void aChildWithConfineOnTheModulePathConfinesItself() throws Exception {
    List<String> modules = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (String entry : ChildJvm.classpath().split(File.pathSeparator)) {
      (onModulePath(entry) ? modules : classes).add(entry);
    }
    assertEquals(4, modules.size(), "confine-core, jffi and its native jar, slf4j-api: " + modules);
    List<String> command = new ArrayList<>(List.of(Path.of(ChildJvm.javaHome(), "bin", "java").toString()));
    if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
      command.add("--enable-native-access=org.jnrproject.jffi"); // the module that calls System.load
    }
    command.addAll(List.of(
        "--module-path", String.join(File.pathSeparator, modules), "--add-modules", "dev.confine",
        "-cp", String.join(File.pathSeparator, classes), "dev.confine.it.ModuleChild", jail.toString(), "65534", "65534"));
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      child.await("READY", Duration.ofSeconds(60));
      Map<String, String> p = child.probes();
      assertEquals("dev.confine", p.get("module"), "confine runs as the named module\n" + child.output());
      assertEquals("false", p.get("etc-passwd-visible"), child.output());
      assertEquals("IllegalAccessException", p.get("internal-access"), "dev.confine.internal is not exported\n" + child.output());
      assertEquals(jail, ProcView.root(child.pid()), child.output());
      ProcView.threads(child.pid()).values().forEach(s -> assertTrue(s.get("Uid").startsWith("65534"), s.toString()));
      assertTrue(child.output().lines().noneMatch(l -> l.startsWith("WARNING:")), child.output());
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void theModuleExportsTheApiOnlyAndItsInternalsToTheTestKitAlone() {
    // In this test JVM confine-core is on the class path; read its descriptor from the jar.
    java.lang.module.ModuleDescriptor descriptor =
        java.lang.module.ModuleFinder.of(Path.of(coreJar())).findAll().iterator().next().descriptor();
    assertEquals("dev.confine", descriptor.name());
    List<String> exported = new ArrayList<>();
    descriptor.exports().forEach(e -> exported.add(e.source() + (e.isQualified() ? " to " + e.targets() : "")));
    java.util.Collections.sort(exported);
    assertEquals(
        List.of(
            "dev.confine",
            "dev.confine.internal to [dev.confine.testing]",
            "dev.confine.internal.jvm to [dev.confine.testing]",
            "dev.confine.internal.linux to [dev.confine.testing]"),
        exported);
    assertTrue(descriptor.packages().contains("dev.confine.internal"), descriptor.packages().toString());
    // The test kit is an artifact of its own: the runtime jar does not carry it.
    assertFalse(descriptor.packages().stream().anyMatch(p -> p.startsWith("dev.confine.testing")), descriptor.packages().toString());
  }

  private static String coreJar() {
    for (String entry : ChildJvm.classpath().split(File.pathSeparator)) {
      if (Path.of(entry).getFileName().toString().startsWith("confine-core")) {
        return entry;
      }
    }
    throw new AssertionError("no confine-core jar in " + ChildJvm.classpath());
  }
}
