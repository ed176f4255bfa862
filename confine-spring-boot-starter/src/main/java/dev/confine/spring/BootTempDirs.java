package dev.confine.spring;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The temporary directories Boot made for its embedded Tomcat, as root, before confinement: the
 * base directory ({@code /tmp/tomcat.PORT.N}, unless server.tomcat.basedir names one) and the
 * document base ({@code /tmp/tomcat-docbase.PORT.N}, unless a document root exists), both from
 * {@code AbstractConfigurableWebServerFactory.createTempDir} (Boot 3.5 and 4.0), which registers them
 * with {@code File.deleteOnExit}. Confined, the JVM deletes them at exit by their path, from inside
 * the jail, where the path names nothing: they stayed behind, root's, in the host's /tmp, one pair per
 * start (issue 29; the base directory even unconfined: Tomcat makes work/ in it, and deleteOnExit
 * deletes no directory that is not empty).
 *
 * <p>So the starter deletes them right before chroot, as root: from then on the confined server
 * cannot reach them by path anyway (a static file asked for is looked up under a docBase that names
 * nothing in the jail either way: a 404). The paths are read from the server objects, never guessed
 * from names in /tmp; a path is taken only if it has the name Boot gives its own (a directory
 * configured by the application is never touched). Kept, and said: what the jail may reach by the same
 * path, a link, and a directory holding anything but directories (Tomcat's work/ tree is directories
 * only until a request writes there, and requests are held until confined).
 */
final class BootTempDirs {
  /** Boot's createTempDir: prefix + "." + port + "." + Files.createTempDirectory's random digits. */
  private static final Pattern BOOT_NAME = Pattern.compile("(tomcat|tomcat-docbase)\\.-?[0-9]+\\.[0-9]+");

  private BootTempDirs() {}

  /** What {@link #deleteOutside} did: the directories deleted, and those left with why. */
  static final class Cleaned {
    final List<String> deleted;
    final List<String> left;

    Cleaned(List<String> deleted, List<String> left) {
      this.deleted = List.copyOf(deleted);
      this.left = List.copyOf(left);
    }
  }

  /**
   * The directories Boot made for {@code webServers} (Boot's WebServer objects; only Tomcat's are
   * read, by reflection: the starter is not compiled against Tomcat): its Tomcat's base directory and
   * each context's docBase, those with Boot's temporary name directly under {@code tmpDir}.
   */
  static List<Path> of(List<Object> webServers, Path tmpDir) {
    List<Path> found = new ArrayList<>();
    for (Object server : webServers) {
      Object tomcat = call(server, "getTomcat");
      Object base = call(call(tomcat, "getServer"), "getCatalinaBase");
      if (base instanceof File) {
        found.add(((File) base).toPath());
      }
      Object contexts = call(call(tomcat, "getHost"), "findChildren");
      for (Object context : contexts instanceof Object[] ? (Object[]) contexts : new Object[0]) {
        Object docBase = call(context, "getDocBase");
        if (docBase instanceof String) {
          found.add(Path.of((String) docBase));
        }
      }
    }
    List<Path> tmp = new ArrayList<>(List.of(tmpDir.toAbsolutePath().normalize()));
    try {
      tmp.add(tmpDir.toRealPath()); // Tomcat makes its base directory canonical
    } catch (IOException | RuntimeException e) {
      // no temporary directory: nothing Boot made can be under it
    }
    List<Path> boots = new ArrayList<>();
    for (Path p : found) { // plain loops: this runs while requests are held, cold (no lambda to link)
      Path path = p.toAbsolutePath().normalize();
      if (!boots.contains(path) && tmp.contains(path.getParent()) && BOOT_NAME.matcher(path.getFileName().toString()).matches()) {
        boots.add(path);
      }
    }
    return boots;
  }

  /** {@code target.method()}, or null where target is null or has no such method (not Tomcat). */
  private static Object call(Object target, String method) {
    if (target == null) {
      return null;
    }
    try {
      return target.getClass().getMethod(method).invoke(target);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError notTomcat) {
      return null;
    }
  }

  /**
   * Runs this class's code once, loaded and linked before it counts: on a tree this thread makes
   * itself (Files.createTempDirectory: a random name, 0700), never on a name guessed in the
   * temporary directory, where anyone may have made it first and swap what it holds while root
   * walks and deletes it.
   */
  static void warmUp(Path root) {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    deleteOutside(of(List.of(new Object()), tmp), root);
    try {
      Path own = Files.createTempDirectory(tmp, "tomcat.0.");
      Files.createDirectory(own.resolve("work"));
      deleteOutside(List.of(own), root);
      // Left only if the jail reaches the temporary directory by the same path: ours, gone anyway.
      Files.deleteIfExists(own.resolve("work"));
      Files.deleteIfExists(own);
    } catch (IOException | RuntimeException e) {
      // no temporary directory: the deletion runs cold, as it would without a warm-up
    }
  }

  /**
   * Deletes each of {@code dirs} that exists, is a directory (never a link: no link is followed),
   * holds nothing but directories, and is not reachable by the same path inside the jail at
   * {@code root}: its tree, deepest first. Everything else is left, with why.
   */
  static Cleaned deleteOutside(List<Path> dirs, Path root) {
    List<String> deleted = new ArrayList<>();
    List<String> left = new ArrayList<>();
    for (Path dir : dirs) {
      try {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          left.add(dir + " (not a directory: a link or a file, not Boot's; not followed)");
          continue;
        }
        Optional<String> inside = reachableInside(root, dir);
        if (inside.isPresent()) {
          left.add(dir + " (" + inside.get() + ")");
          continue;
        }
        List<Path> tree = new ArrayList<>();
        Path other = directories(dir, tree);
        if (other != null) {
          left.add(dir + " (holds " + other + ", not a directory Boot or Tomcat made before the server listened)");
          continue;
        }
        Collections.reverse(tree); // listed a directory before what it holds
        for (Path p : tree) {
          Files.delete(p);
        }
        deleted.add(dir.toString());
      } catch (IOException | RuntimeException e) {
        left.add(dir + " (" + e + ")");
      }
    }
    return new Cleaned(deleted, left);
  }

  /**
   * Adds {@code dir} and the directories under it to {@code tree}, each before what it holds;
   * returns the first entry that is not a directory (a file, a link: never followed), or null.
   */
  private static Path directories(Path dir, List<Path> tree) throws IOException {
    // Only a directory no other user can change: in one another user may write to (the sticky,
    // world-writable /tmp's own children included), an entry checked here as a directory could be
    // swapped for a link before it is listed or deleted by path, and root would then delete (rmdir)
    // an empty directory anywhere.
    java.util.Map<String, Object> attributes = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
    if (((Integer) attributes.get("mode") & 022) != 0 || !attributes.get("uid").equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      return dir;
    }
    tree.add(dir);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          return entry;
        }
        Path other = directories(entry, tree);
        if (other != null) {
          return other;
        }
      }
    }
    return null;
  }

  /**
   * Why the jail may reach {@code outside} by its path, or empty if it cannot: the path's names
   * looked up from {@code root} one by one; a name missing there means the path names nothing in the
   * jail. Cautious: a link met on the way is not resolved, the directory is kept.
   */
  static Optional<String> reachableInside(Path root, Path outside) throws IOException {
    Path current = root;
    for (Path name : outside.toAbsolutePath().normalize()) {
      current = current.resolve(name.toString());
      if (Files.isSymbolicLink(current)) {
        return Optional.of("the jail has a link on its path, " + current + ": it may name the same directory inside; kept");
      }
      if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty();
      }
    }
    return Files.isSameFile(current, outside)
        ? Optional.of("the same directory inside the jail, at " + current + ": the confined server still reaches it; kept")
        : Optional.empty();
  }
}
