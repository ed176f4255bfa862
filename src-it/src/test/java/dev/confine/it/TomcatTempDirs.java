package dev.confine.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The temporary directories Boot makes for an embedded Tomcat listening on PORT, under the
 * children's java.io.tmpdir: {@code tomcat.PORT.N} (its base directory) and
 * {@code tomcat-docbase.PORT.N}. The starter deletes them before chroot (issue 29); a child that
 * was halted, killed or run with the deletion off leaves them behind, so every test that starts a
 * Boot application on Tomcat removes those of its ports once the child has ended: the suite leaves
 * none in /tmp. Identified by the port (the child's own, from {@link Examples#freePort}), never by
 * counting all of /tmp, where other processes make their own.
 */
final class TomcatTempDirs {
  private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));
  /**
   * The ports Boot applications were started on (main and management), until removed, each with
   * the directories named for it before the start: those are another process's, and stay.
   */
  private static final Map<Integer, List<Path>> STARTED = new ConcurrentHashMap<>();

  private TomcatTempDirs() {}

  /** The directories named for {@code port} now. */
  static List<Path> of(int port) {
    try (Stream<Path> entries = Files.list(TMP)) {
      return entries.filter(p -> {
        String name = p.getFileName().toString();
        return name.startsWith("tomcat." + port + ".") || name.startsWith("tomcat-docbase." + port + ".");
      }).sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Notes that a Boot application is about to start on {@code port}: {@link #removeStarted} removes
   * the directories named for it that are not there now.
   */
  static void started(int port) {
    STARTED.putIfAbsent(port, of(port));
  }

  /** Removes the directories of every port noted since the last call (children ended); returns them. */
  static List<Path> removeStarted() {
    List<Path> removed = new ArrayList<>();
    for (Map.Entry<Integer, List<Path>> started : List.copyOf(STARTED.entrySet())) {
      for (Path dir : of(started.getKey())) {
        if (!started.getValue().contains(dir)) {
          remove(dir);
          removed.add(dir);
        }
      }
      STARTED.remove(started.getKey());
    }
    return removed;
  }

  /** Deletes {@code dir}'s tree, deepest first, following no link. */
  static void remove(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> tree = walk.collect(Collectors.toList());
      Collections.reverse(tree);
      for (Path p : tree) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
