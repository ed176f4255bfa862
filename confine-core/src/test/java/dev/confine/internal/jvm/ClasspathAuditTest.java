package dev.confine.internal.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Finding;
import dev.confine.Severity;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClasspathAuditTest {
  private static final Path CLASSES = Path.of("/app/classes");
  private static final Path OPEN = Path.of("/app/lib/open.jar");
  private static final Path CLOSED = Path.of("/app/lib/closed.jar");

  private static List<String> codes(List<Finding> findings) {
    return findings.stream().map(f -> f.severity() + " " + f.code()).collect(Collectors.toList());
  }

  @Test
  void aDirectoryEntryIsAWarningNamingItAndBothFixes() {
    List<Finding> findings = ClasspathAudit.of(List.of(CLASSES), List.of(OPEN), List.of(CLOSED), true).findings(true, false);
    assertEquals(List.of("WARNING classpath-directory"), codes(findings));
    Finding f = findings.get(0);
    assertTrue(f.message().contains("/app/classes"), f.message());
    assertTrue(f.fix().contains("jar") && f.fix().contains("preloadDirectoryClasses()"), f.fix());
  }

  @Test
  void withPreloadingTheDirectoryIsInfoAboutItsResources() {
    List<Finding> findings = ClasspathAudit.of(List.of(CLASSES), List.of(), List.of(), true).findings(true, true);
    assertEquals(List.of("INFO classpath-directory-preloaded"), codes(findings));
    assertTrue(findings.get(0).why().contains("resources"), findings.get(0).why());
  }

  @Test
  void unopenedJarsMatterOnlyWhenTheyAreNotOpened() {
    ClasspathAudit audit = ClasspathAudit.of(List.of(), List.of(OPEN), List.of(CLOSED), true);
    assertEquals(List.of(), audit.findings(true, false));
    List<Finding> findings = audit.findings(false, false);
    assertEquals(List.of("WARNING classpath-jar-unopened"), codes(findings));
    assertTrue(findings.get(0).message().contains("closed.jar") && !findings.get(0).message().contains("open.jar "), findings.get(0).message());
    assertEquals(Severity.WARNING, findings.get(0).severity());
  }

  @Test
  void thisTestJvmsOwnDirectoryEntriesAreFound() {
    // surefire runs from target/classes and target/test-classes (or a manifest-only jar naming them)
    ClasspathAudit audit = ClasspathAudit.inspect(dev.confine.internal.NativeKernel.get());
    assertTrue(
        audit.directories().stream().anyMatch(d -> d.endsWith(Path.of("target", "test-classes"))),
        audit.toString());
  }

  @Test
  void preloadingLoadsEveryClassOfADirectory(@TempDir Path dir) throws IOException, ClassNotFoundException {
    // Copies this test's own class file into a fresh directory read by a fresh loader.
    String resource = ClasspathAuditTest.class.getName().replace('.', '/') + ".class";
    Path copy = dir.resolve(resource);
    Files.createDirectories(copy.getParent());
    try (var in = ClasspathAuditTest.class.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, copy);
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      ClasspathAudit.PreloadResult result = ClasspathAudit.preloadClasses(dir, loader);
      // Its JUnit references do not resolve from a loader without JUnit: loading (not linking) still succeeds.
      assertEquals(1, result.loaded(), result.failures().toString());
      Files.delete(copy);
      assertEquals(loader, Class.forName(ClasspathAuditTest.class.getName(), false, loader).getClassLoader());
    }
  }
}
