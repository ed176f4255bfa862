package dev.confine.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quarkus's fast-jar layout, written here (no Quarkus needed), outside and inside a jail. */
class ReopenedJarsTest {
  private static void jar(Path file, String mainClass) throws IOException {
    Files.createDirectories(file.getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (mainClass != null) {
      manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
    }
    try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
      jar.flush();
    }
  }

  /** quarkus-app/ as Quarkus's build writes it: the runner jar, lib/boot, lib/main, app, quarkus. */
  private static Path fastJar(Path under) throws IOException {
    Path app = under.resolve("quarkus-app");
    jar(app.resolve("quarkus-run.jar"), ReopenedJars.QUARKUS_ENTRY_POINT);
    jar(app.resolve("lib/boot/io.quarkus.quarkus-bootstrap-runner-3.33.2.jar"), null);
    jar(app.resolve("lib/main/io.quarkus.quarkus-core-3.33.2.jar"), null);
    jar(app.resolve("app/app.jar"), null);
    Files.createDirectories(app.resolve("quarkus"));
    Files.writeString(app.resolve("quarkus/quarkus-application.dat"), "index");
    return app;
  }

  @Test
  void aFastJarOutsideAnEmptyJailIsRefusedWithTheFixes(@TempDir Path dir) throws Exception {
    Path app = fastJar(dir.resolve("opt"));
    Path jail = Files.createDirectories(dir.resolve("jail"));
    // As "java -jar quarkus-app/quarkus-run.jar" from opt/: the class path relative to user.dir.
    Optional<String> refusal = ReopenedJars.refusal("quarkus-app/quarkus-run.jar", dir.resolve("opt"), jail);
    assertTrue(refusal.isPresent());
    String why = refusal.get();
    assertTrue(why.startsWith("Quarkus fast-jar (" + app.toRealPath().resolve("quarkus-run.jar") + ")"), why);
    assertTrue(why.contains("5 of its 5 files are not at that path inside the jail " + jail), why);
    assertTrue(why.contains("quarkus.package.jar.type=uber-jar"), why);
    assertTrue(why.contains("a copy at " + jail + app.toRealPath()), why);
    assertTrue(why.contains("ln -s / " + jail + jail), why);
    assertTrue(why.contains("bind-mount " + app.toRealPath() + " read-only at " + jail + app.toRealPath()), why);
    // The same loader started by its class rather than by -jar, among other entries.
    assertTrue(ReopenedJars.refusal("other.jar:quarkus-app/quarkus-run.jar", dir.resolve("opt"), jail).isPresent());
  }

  @Test
  void theSameFastJarAtTheSamePathInsideTheJailIsLetThrough(@TempDir Path dir) throws Exception {
    // The layout docs/agent.md describes: the files in the jail, started by their path outside,
    // and inside the jail the jail's own path a link to "/".
    Path jail = Files.createDirectories(dir.resolve("jail")).toRealPath();
    Path app = fastJar(jail.resolve("opt"));
    Path link = jail.resolve(jail.toString().substring(1));
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, Path.of("/"));
    assertEquals(Optional.empty(), ReopenedJars.refusal(app.resolve("quarkus-run.jar").toString(), dir, jail));
    // Control: without the link the same path inside the jail names nothing.
    Files.delete(link);
    assertTrue(ReopenedJars.refusal(app.resolve("quarkus-run.jar").toString(), dir, jail).isPresent(),
        "without the link");
  }

  @Test
  void anyOtherJarOrClassPathIsLetThrough(@TempDir Path dir) throws Exception {
    Path jail = Files.createDirectories(dir.resolve("jail"));
    jar(dir.resolve("server.jar"), "com.example.Server");
    assertEquals(Optional.empty(), ReopenedJars.refusal(dir.resolve("server.jar").toString(), dir, jail));
    // Quarkus's uber-jar: one jar, its own Main-Class (io.quarkus.runner.GeneratedMain).
    jar(dir.resolve("app-runner.jar"), "io.quarkus.runner.GeneratedMain");
    assertEquals(Optional.empty(), ReopenedJars.refusal("app-runner.jar", dir, jail));
    assertEquals(Optional.empty(), ReopenedJars.refusal("a.jar:b.jar:" + dir.resolve("server.jar"), dir, jail));
    // Named like Quarkus's runner, but another launcher: not Quarkus's loader.
    jar(dir.resolve("other/quarkus-run.jar"), "com.example.Server");
    assertEquals(Optional.empty(), ReopenedJars.refusal("other/quarkus-run.jar", dir, jail));
    assertEquals(Optional.empty(), ReopenedJars.refusal("", dir, jail));
  }
}
