package dev.confine.internal.jvm;

import dev.confine.Finding;
import dev.confine.Severity;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * What on the application class path and module path would stop working after chroot.
 *
 * <p>The JDK opens class path jars lazily (URLClassPath creates a loader per entry only when a
 * lookup reaches it) and then keeps each JarFile open for the JVM's lifetime; an open descriptor
 * survives chroot. Directory entries, in contrast, are read by path for every class and
 * resource, so anything not loaded before chroot is gone. {@code lib/modules} is mapped at boot
 * and needs no attention.
 */
public final class ClasspathAudit {

  /** A name that no class path entry contains, so a lookup has to visit every entry. */
  private static final String ABSENT_RESOURCE = "META-INF/dev.confine/absent-resource-forcing-open";

  private final List<Path> directories;
  private final List<Path> openJars;
  private final List<Path> unopenedJars;
  private final List<Path> missing;
  private final boolean descriptorsKnown;

  private ClasspathAudit(List<Path> directories, List<Path> openJars, List<Path> unopenedJars,
             List<Path> missing, boolean descriptorsKnown) {
    this.directories = List.copyOf(directories);
    this.openJars = List.copyOf(openJars);
    this.unopenedJars = List.copyOf(unopenedJars);
    this.missing = List.copyOf(missing);
    this.descriptorsKnown = descriptorsKnown;
  }

  /** An audit of the given entries, as {@link #inspect()} would have found them. */
  static ClasspathAudit of(List<Path> directories, List<Path> openJars, List<Path> unopenedJars, boolean descriptorsKnown) {
    return new ClasspathAudit(directories, openJars, unopenedJars, List.of(), descriptorsKnown);
  }

  /**
   * Inspects {@code java.class.path} (with manifest Class-Path expansion) and
   * {@code jdk.module.path}. Whether a jar is open is read from {@code /proc/self/fd} through
   * the kernel seam ({@link dev.confine.internal.Kernel#openFiles()}); where that is unavailable
   * every jar is reported unopened, which errs on the safe side.
   */
  public static ClasspathAudit inspect(dev.confine.internal.Kernel kernel) {
    Set<Path> entries = new LinkedHashSet<>();
    for (Path entry : pathList(System.getProperty("java.class.path"))) {
      expandClassPath(entry, entries);
    }
    for (Path entry : pathList(System.getProperty("jdk.module.path"))) {
      if (Files.isDirectory(entry) && !isExplodedModule(entry)) {
        // A module path directory holds modules, one per jar or exploded sub-directory.
        try (Stream<Path> children = Files.list(entry)) {
          children.sorted().forEach(child -> entries.add(normalize(child)));
        } catch (IOException e) {
          entries.add(entry);
        }
      } else {
        entries.add(entry);
      }
    }
    Optional<Set<Path>> open = openFiles(kernel);
    List<Path> directories = new ArrayList<>();
    List<Path> openJars = new ArrayList<>();
    List<Path> unopenedJars = new ArrayList<>();
    List<Path> missing = new ArrayList<>();
    for (Path entry : entries) {
      if (Files.isDirectory(entry)) {
        directories.add(entry);
      } else if (!Files.isRegularFile(entry)) {
        missing.add(entry);
      } else if (open.isPresent() && open.get().contains(realPath(entry))) {
        openJars.add(entry);
      } else {
        unopenedJars.add(entry);
      }
    }
    return new ClasspathAudit(directories, openJars, unopenedJars, missing, open.isPresent());
  }

  /**
   * Makes the class path loaders open every jar, manifest Class-Path expansions included, and
   * the module path loaders open every module jar. A lookup of an absent resource walks all
   * class path entries in order, creating (and thereby opening) each loader; Class-Path
   * entries are appended while walking, so they are reached too.
   */
  public static void openAllJars() {
    ClassLoader system = ClassLoader.getSystemClassLoader();
    system.getResource(ABSENT_RESOURCE);
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    if (context != null && context != system) {
      context.getResource(ABSENT_RESOURCE);
    }
    cacheJarUrlConnections(system);
    for (ResolvedModule resolved : ModuleLayer.boot().configuration().modules()) {
      ModuleReference reference = resolved.reference();
      boolean fromSystemImage = reference.location().map(URI::getScheme).map("jrt"::equals).orElse(true);
      if (fromSystemImage) {
        continue;
      }
      // The module's reader (holding the JarFile) is created on the first lookup by name.
      ModuleLayer.boot().findModule(resolved.name()).ifPresent(module -> {
        try {
          InputStream in = module.getResourceAsStream(ABSENT_RESOURCE);
          if (in != null) {
            in.close();
          }
        } catch (IOException ignored) {
          // an unreadable module will fail later with a clearer error
        }
      });
    }
  }

  /**
   * {@code ClassLoader.getResource(..).openStream()} does not use the class loader's open
   * JarFile: it goes through JarURLConnection, which opens the jar again by path, so resources
   * in jars vanish after chroot even though classes keep loading. With caching on (the
   * default), JarURLConnection keeps the JarFile it opened, keyed by the jar's URL, and reuses
   * it for every later resource URL of that jar. Connecting once to an entry of each jar, using
   * the URLs the loader itself produces so that the keys match, fills that cache.
   * Jars without a manifest are not found this way.
   */
  private static void cacheJarUrlConnections(ClassLoader loader) {
    try {
      Enumeration<URL> manifests = loader.getResources(JarFile.MANIFEST_NAME);
      while (manifests.hasMoreElements()) {
        URL url = manifests.nextElement();
        if (!"jar".equals(url.getProtocol())) {
          continue;
        }
        try {
          URLConnection connection = url.openConnection();
          connection.setUseCaches(true);
          connection.connect();
        } catch (IOException ignored) {
          // that jar's resources will fail after chroot exactly as they would now
        }
      }
    } catch (IOException ignored) {
      // enumeration failure leaves the cache as it was; classes still load
    }
  }

  /**
   * Loads, without initialising, every class found under a class path directory, using the
   * system class loader. Loaded classes keep their bytes in memory, so they stay usable after
   * chroot; resources in that directory do not and must be read before.
   */
  public static PreloadResult preloadClasses(Path directoryEntry) throws IOException {
    return preloadClasses(directoryEntry, ClassLoader.getSystemClassLoader());
  }

  /** As {@link #preloadClasses(Path)} with an explicit loader (the one that owns the entry). */
  public static PreloadResult preloadClasses(Path directoryEntry, ClassLoader loader) throws IOException {
    Path root = directoryEntry.toAbsolutePath().normalize();
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(p -> p.getFileName() != null && p.getFileName().toString().endsWith(".class"))
        .filter(Files::isRegularFile)
        .forEach(p -> names.add(toClassName(root.relativize(p))));
    }
    Collections.sort(names);
    int loaded = 0;
    List<String> failures = new ArrayList<>();
    for (String name : names) {
      if (name.equals("module-info") || name.endsWith("package-info")) {
        continue;
      }
      try {
        Class.forName(name, false, loader);
        loaded++;
      } catch (ClassNotFoundException | LinkageError e) {
        // Optional dependencies that are absent: such classes were unusable anyway.
        failures.add(name + ": " + e);
      }
    }
    return new PreloadResult(root, loaded, failures);
  }

  public List<Path> directories() {
    return directories;
  }

  public List<Path> openJars() {
    return openJars;
  }

  public List<Path> unopenedJars() {
    return unopenedJars;
  }

  /** Entries that do not exist; harmless, reported so that typos are visible. */
  public List<Path> missing() {
    return missing;
  }

  /** False when /proc/self/fd could not be read, in which case no jar is reported as open. */
  public boolean descriptorsKnown() {
    return descriptorsKnown;
  }

  /**
   * What preflight says about these entries, given whether apply() opens every jar and preloads
   * directory classes. WARNING, not ERROR: nothing here weakens the confinement, and an
   * application that loaded every class it needs before apply() (or that runs from an IDE while
   * developing) works; but a class or resource first needed later fails with
   * NoClassDefFoundError or a missing resource, at a time no test may have covered.
   */
  public List<Finding> findings(boolean opensAllJars, boolean preloadsDirectoryClasses) {
    List<Finding> findings = new ArrayList<>();
    for (Path directory : directories) {
      if (preloadsDirectoryClasses) {
        findings.add(new Finding(Severity.INFO, "classpath-directory-preloaded",
            "class path entry " + directory + " is a directory; its classes are loaded before chroot",
            "Its resources (files other than classes) are read by path and are gone after chroot.",
            "Read the resources you need before apply(), or package the entry as a jar."));
      } else {
        findings.add(new Finding(Severity.WARNING, "classpath-directory",
            "class path entry " + directory + " is a directory: its classes not loaded before chroot, and its resources, will be missing after",
            "A directory entry is read by path for every class and resource; after chroot the path no longer exists, "
                + "and the first use of such a class fails with NoClassDefFoundError.",
            "Package it as a jar (an opened jar keeps its descriptor), or call preloadDirectoryClasses() on the policy builder."));
      }
    }
    if (!opensAllJars) {
      for (Path jar : unopenedJars) {
        findings.add(new Finding(Severity.WARNING, "classpath-jar-unopened",
            "class path jar " + jar + " is not open yet" + (descriptorsKnown ? "" : " (/proc/self/fd unreadable: assumed)"),
            "The class loader opens a jar when a lookup first reaches it; after chroot its path no longer exists, "
                + "and its classes fail with NoClassDefFoundError.",
            "Leave openAllJars(true) (the default) on the policy builder, or load what you need from it before apply()."));
      }
    }
    return findings;
  }

  /** True when nothing on the paths depends on file access after chroot. */
  public boolean isJailSafe() {
    return directories.isEmpty() && unopenedJars.isEmpty();
  }

  @Override
  public String toString() {
    return "ClasspathAudit[directories=" + directories + ", openJars=" + openJars.size()
        + ", unopenedJars=" + unopenedJars + ", missing=" + missing
        + (descriptorsKnown ? "" : ", descriptors unknown") + "]";
  }

  /** Outcome of {@link #preloadClasses(Path)}. */
  public static final class PreloadResult {
    private final Path directory;
    private final int loaded;
    private final List<String> failures;

    PreloadResult(Path directory, int loaded, List<String> failures) {
      this.directory = directory;
      this.loaded = loaded;
      this.failures = List.copyOf(failures);
    }

    public Path directory() {
      return directory;
    }

    public int loaded() {
      return loaded;
    }

    public List<String> failures() {
      return failures;
    }

    @Override
    public String toString() {
      return "PreloadResult[" + directory + ": loaded=" + loaded + ", failed=" + failures.size() + "]";
    }
  }

  // ---------------------------------------------------------------------------------------

  private static List<Path> pathList(String value) {
    List<Path> result = new ArrayList<>();
    if (value == null || value.isEmpty()) {
      return result;
    }
    for (String element : value.split(File.pathSeparator)) {
      // An empty element means the current directory, exactly as the class loader reads it.
      result.add(normalize(Paths.get(element.isEmpty() ? "." : element)));
    }
    return result;
  }

  /** Adds entry and, for jars, the transitive manifest Class-Path, in loader order. */
  private static void expandClassPath(Path start, Set<Path> out) {
    Deque<Path> pending = new ArrayDeque<>();
    pending.add(start);
    while (!pending.isEmpty()) {
      Path entry = pending.poll();
      if (!out.add(entry) || !Files.isRegularFile(entry)) {
        continue;
      }
      for (Path referenced : manifestClassPath(entry)) {
        pending.add(referenced);
      }
    }
  }

  private static List<Path> manifestClassPath(Path jar) {
    List<Path> result = new ArrayList<>();
    // verify=false: only the manifest is read; the shared zip source is reference counted,
    // so closing this instance does not close the class loader's.
    try (JarFile file = new JarFile(jar.toFile(), false)) {
      Manifest manifest = file.getManifest();
      String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (classPath == null) {
        return result;
      }
      Path base = jar.getParent();
      for (String element : classPath.trim().split("\\s+")) {
        if (element.isEmpty()) {
          continue;
        }
        try {
          URI uri = base.toUri().resolve(element);
          if ("file".equals(uri.getScheme())) {
            result.add(normalize(Paths.get(uri)));
          }
        } catch (IllegalArgumentException ignored) {
          // The class loader ignores malformed Class-Path elements too.
        }
      }
    } catch (IOException ignored) {
      // Not a readable jar: the loader will not use it either.
    }
    return result;
  }

  private static boolean isExplodedModule(Path directory) {
    return Files.isRegularFile(directory.resolve("module-info.class"));
  }

  private static Optional<Set<Path>> openFiles(dev.confine.internal.Kernel kernel) {
    Set<Path> open = new HashSet<>();
    try {
      for (dev.confine.internal.OpenFile file : kernel.openFiles()) {
        open.add(Paths.get(file.target));
      }
    } catch (dev.confine.internal.ErrnoException e) {
      return Optional.empty();
    }
    return Optional.of(open);
  }

  private static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path;
    }
  }

  private static Path normalize(Path path) {
    return path.toAbsolutePath().normalize();
  }

  private static String toClassName(Path relative) {
    String s = relative.toString();
    s = s.substring(0, s.length() - ".class".length());
    return s.replace(File.separatorChar, '.');
  }
}
