package dev.confine.agent.runtime;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Files the server created as root before confinement and asked the JVM to delete at exit
 * ({@code File.deleteOnExit}): native libraries extracted to the temporary directory (brotli4j,
 * under Quarkus's HTTP compression), scratch files. At exit the JVM deletes them by their path,
 * from inside the jail, as the target user: the path names nothing there, and they stayed behind,
 * root's, in the host's /tmp, one set per start (issue 29).
 *
 * <p>So the agent deletes them itself, right before chroot, as root: from then on the process
 * cannot reach them by path anyway, and what it still has open (a loaded library, an open file)
 * keeps working, as after any unlink. Kept: those that name the same file inside the jail (the JVM
 * deletes them at exit as usual), and directories still holding something not on the list
 * (reported). Deleted in the reverse order of registration, as the JVM does: a directory's files first.
 */
final class ExitDeletions {
  private static volatile Field files;

  private ExitDeletions() {}

  /** Makes java.io's deleteOnExit list readable by the agent (from premain: needs Instrumentation). */
  static void open(Instrumentation instrumentation) throws ReflectiveOperationException {
    Module javaBase = Object.class.getModule();
    instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.io", Set.of(ExitDeletions.class.getModule())), Set.of(), Map.of());
    Field field = Class.forName("java.io.DeleteOnExitHook").getDeclaredField("files");
    field.setAccessible(true);
    files = field;
  }

  /** The paths registered with deleteOnExit so far, in registration order; empty if not opened. */
  static List<String> registered() {
    Field field = files;
    if (field == null) {
      return List.of();
    }
    try {
      Class<?> hook = field.getDeclaringClass();
      synchronized (hook) { // DeleteOnExitHook.add is a static synchronized method
        Object set = field.get(null);
        return set == null ? List.of() : new ArrayList<>((Collection<?>) set).stream().map(String::valueOf).toList();
      }
    } catch (IllegalAccessException e) {
      return List.of();
    }
  }

  /** What {@link #deleteOutside} did: the paths deleted, and those left with why. */
  static final class Cleaned {
    final List<String> deleted;
    final List<String> left;

    Cleaned(List<String> deleted, List<String> left) {
      this.deleted = List.copyOf(deleted);
      this.left = List.copyOf(left);
    }
  }

  /**
   * Deletes each of {@code paths} (registration order) that exists and does not name the same
   * file inside the jail at {@code root}, last registered first; never follows a link (a link on
   * the list is deleted itself, not its target).
   */
  static Cleaned deleteOutside(List<String> paths, Path root) {
    List<String> deleted = new ArrayList<>();
    List<String> left = new ArrayList<>();
    for (int i = paths.size() - 1; i >= 0; i--) {
      Path path = Path.of(paths.get(i)).toAbsolutePath();
      try {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (!Files.isSymbolicLink(path) && ReopenedJars.sameFileInside(root, path)) {
          continue; // reachable from inside the jail: the JVM deletes it at exit as usual
        }
        Files.delete(path);
        deleted.add(path.toString());
      } catch (DirectoryNotEmptyException e) {
        left.add(path + " (a directory still holding files not registered for deletion)");
      } catch (IOException | RuntimeException e) {
        left.add(path + " (" + e + ")");
      }
    }
    return new Cleaned(deleted, left);
  }
}
