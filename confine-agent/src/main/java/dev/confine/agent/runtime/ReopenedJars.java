package dev.confine.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Applications whose own class loader opens the application's jars again by their path after
 * start: inside an empty jail that path is gone, and the server, confined, hangs or fails on its
 * first late class. Found before the server's {@code main}, so the agent refuses it with the fixes
 * rather than confine a server that then cannot answer.
 *
 * <p>Quarkus's fast-jar (its default packaging, {@code quarkus-app/quarkus-run.jar}): its
 * {@code RunnerClassLoader} keeps only a few of the jars under {@code lib/} open at a time and
 * reopens the others by path on demand ({@code JarResource}, {@code JarFileReference}); in an empty
 * jail a class load after confinement gets {@code NoSuchFileException}, the event loop blocks and
 * every request hangs, and so does the graceful shutdown (issue 29). Nothing the agent could hold
 * open before chroot is used by that loader, which names each jar by its path. The same layout
 * at the same absolute path inside the jail works: the check passes when every jar of the
 * application resolves inside the jail, as the confined process will resolve it, to the same file.
 */
final class ReopenedJars {
  /** The launcher of Quarkus's fast-jar (and of its mutable-jar), named in quarkus-run.jar's manifest. */
  static final String QUARKUS_ENTRY_POINT = "io.quarkus.bootstrap.runner.QuarkusEntryPoint";
  /**
   * The name Quarkus gives its runner: a class path without it is never refused, and premain
   * (Premain) does not even load this class for it.
   */
  static final String QUARKUS_RUN_JAR = "quarkus-run.jar";

  private ReopenedJars() {}

  /**
   * Why this JVM's application cannot run in the jail at {@code root}, with the fixes; empty if
   * nothing is known to reopen its jars, or if they are laid out at the same path inside.
   * {@code classPath} is java.class.path, {@code workingDirectory} user.dir (a relative entry
   * names a file from there). Reads each jar's manifest: only a quarkus-run.jar's.
   */
  static Optional<String> refusal(String classPath, Path workingDirectory, Path root) throws IOException {
    if (classPath == null || classPath.isEmpty()) {
      return Optional.empty();
    }
    // Each entry, not only a "-jar" one: "-cp quarkus-run.jar:... QuarkusEntryPoint" starts the same loader.
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      Optional<String> refusal = entry.isEmpty() ? Optional.empty() : quarkusFastJar(workingDirectory.resolve(entry), root);
      if (refusal.isPresent()) {
        return refusal;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> quarkusFastJar(Path jar, Path root) throws IOException {
    // Quarkus names its runner so (fast-jar and mutable-jar): no other jar is opened, so a long
    // class path costs the start nothing.
    if (!jar.getFileName().toString().equals(QUARKUS_RUN_JAR) || !Files.isRegularFile(jar)) {
      return Optional.empty();
    }
    String mainClass;
    try (JarFile file = new JarFile(jar.toFile(), false)) {
      Manifest manifest = file.getManifest();
      mainClass = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
    }
    if (!QUARKUS_ENTRY_POINT.equals(mainClass)) {
      return Optional.empty();
    }
    Path app = jar.toRealPath().getParent();
    List<Path> missing = new ArrayList<>();
    List<Path> jars = new ArrayList<>();
    jars.add(jar.toRealPath());
    for (String dir : List.of("lib/boot", "lib/main", "app", "quarkus")) {
      Path sub = app.resolve(dir);
      if (Files.isDirectory(sub)) {
        try (Stream<Path> files = Files.list(sub)) {
          files.filter(Files::isRegularFile).sorted().forEach(jars::add);
        }
      }
    }
    for (Path file : jars) {
      if (!sameFileInside(root, file)) {
        missing.add(file);
      }
    }
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("Quarkus fast-jar (" + jar.toRealPath() + "): its class loader (RunnerClassLoader) opens the jars under "
        + app.resolve("lib") + " again by their path after start, and " + missing.size() + " of its " + jars.size()
        + " files are not at that path inside the jail " + root + " (the first: " + missing.get(0) + "); confined, the server"
        + " would hang on its first late class load and on shutdown. Fixes: package it as one jar"
        + " (quarkus.package.jar.type=uber-jar) and start that; or put the same files at the same path inside the jail (a copy at "
        + root + app + ", or, for an application kept in the jail and started by its path outside, a link ln -s / " + root + root
        + "; docs/agent.md; confine-doctor check --same-path " + jar.toRealPath() + " checks it); or bind-mount " + app
        + " read-only at " + root + app + "; the server is not started");
  }

  /**
   * Whether {@code outside} names the same file inside the jail as the confined process will
   * resolve it: from the root, links inside the jail followed as the jail sees them (an absolute
   * link from the jail's root), ".." stopping at the root. As confine-doctor's --same-path.
   */
  static boolean sameFileInside(Path root, Path outside) throws IOException {
    Deque<String> pending = new ArrayDeque<>();
    for (Path name : outside) {
      pending.add(name.toString());
    }
    Path current = root;
    for (int hops = 0; !pending.isEmpty(); ) {
      String name = pending.poll();
      if (name.equals("..")) {
        current = current.equals(root) ? root : current.getParent();
        continue;
      }
      Path next = current.resolve(name);
      if (Files.isSymbolicLink(next)) {
        if (++hops > 40) {
          return false;
        }
        Path target = Files.readSymbolicLink(next);
        List<String> names = new ArrayList<>();
        for (Path part : target) {
          names.add(part.toString());
        }
        Collections.reverse(names);
        names.forEach(pending::addFirst);
        if (target.isAbsolute()) {
          current = root;
        }
        continue;
      }
      current = next;
    }
    return Files.exists(current) && Files.isSameFile(current, outside);
  }
}
