package dev.confine.internal.jvm;

import static java.util.Objects.requireNonNull;

import dev.confine.JailJvmFiles;
import dev.confine.JvmFacility;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which of the JVM preparations the jail makes unnecessary: those whose files (as
 * {@link JailJvmFiles} lists them) the jail holds at the path the JVM will open after chroot,
 * root's and not writable by others, reached through no link, with the host's bytes (compared in
 * full: about a megabyte for all of them, read from the page cache; no digest, whose provider
 * lookup is itself what SECURITY prepares). A name the host lacks must be missing in the jail too.
 * A system property that points the JDK at another file (javax.net.ssl.trustStore,
 * java.util.logging.config.file, java.security.properties) keeps the preparation.
 */
public final class PreparationSkips {
  private PreparationSkips() {}

  /**
   * The preparations to skip and those a laid-out jail did not make unnecessary, each by
   * preparation name with the reason.
   */
  public record Result(Map<String, String> skipped, Map<String, String> kept) {
    public Result {
      skipped = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
      kept = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(kept));
    }
  }

  /**
   * The preparations of these facilities to skip, by preparation name, each with the reason; the
   * JVM's java.home and system properties are this JVM's. Kept ones are listed only where the jail
   * holds this JVM's java.home at all (someone laid it out).
   */
  public static Result of(Path jail, Set<JvmFacility> facilities) {
    requireNonNull(jail, "jail");
    requireNonNull(facilities, "facilities");
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path jailHome = inJail(jail, javaHome);
    Map<String, String> skips = new LinkedHashMap<>();
    Map<String, String> kept = new LinkedHashMap<>();
    // SECURITY and NETWORK share two libraries: each file is compared once.
    Map<Path, Optional<String>> compared = new java.util.HashMap<>();
    // One lstat when nothing was laid out: the common case costs nothing more.
    if (!Files.isDirectory(jailHome, LinkOption.NOFOLLOW_LINKS)) {
      return new Result(skips, kept);
    }
    for (JvmFacility facility : JvmPreparations.effective(facilities)) {
      Optional<String> never = JailJvmFiles.whyNever(facility);
      if (never.isPresent()) {
        kept.put(facility.preparationName(), never.get());
        continue;
      }
      Optional<String> keep = condition(facility, facilities, javaHome);
      if (keep.isEmpty()) {
        keep = differs(jail, javaHome, facility, compared);
      }
      if (keep.isPresent()) {
        kept.put(facility.preparationName(), keep.get());
      } else {
        skips.put(facility.preparationName(),
            "the jail holds the host's " + String.join(", ", JailJvmFiles.relativeFiles(facility)) + " under " + javaHome
                + " (the same bytes), which the JVM reads there when first used");
      }
    }
    return new Result(skips, kept);
  }

  /** A reason the facility must be prepared whatever the jail holds. */
  private static Optional<String> condition(JvmFacility facility, Set<JvmFacility> chosen, Path javaHome) {
    switch (facility) {
      case SECURITY:
        // The SUN provider's NativePRNG opens /dev/random and /dev/urandom when the providers load:
        // SECURE_RANDOM's preparation does that before chroot; without it the jail would lose them.
        if (!JvmPreparations.effective(chosen).contains(JvmFacility.SECURE_RANDOM)) {
          return Optional.of("SECURE_RANDOM is not prepared, and the providers open /dev/random and /dev/urandom");
        }
        if (System.getProperty("java.security.properties") != null) {
          return Optional.of("-Djava.security.properties names another file");
        }
        try {
          for (String line : Files.readAllLines(javaHome.resolve("conf/security/java.security"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            if (line.stripLeading().startsWith("include ")) {
              return Optional.of("java.security includes another file");
            }
          }
        } catch (IOException e) {
          return Optional.of("java.security is unreadable: " + e);
        }
        return Optional.empty();
      case TLS:
        for (String name : System.getProperties().stringPropertyNames()) {
          if (name.startsWith("javax.net.ssl.")) {
            return Optional.of(name + " is set");
          }
        }
        return Optional.empty();
      case LOGGING:
        for (String name : List.of("java.util.logging.config.file", "java.util.logging.config.class", "java.util.logging.manager")) {
          if (System.getProperty(name) != null) {
            return Optional.of(name + " is set");
          }
        }
        return Optional.empty();
      case TIME_ZONES:
        // Without it, the default zone comes from TZ, /etc/timezone or /etc/localtime (a link whose
        // target names the zone), none of which init copies.
        String zone = System.getProperty("user.timezone");
        return zone == null || zone.isEmpty() ? Optional.of("user.timezone is not set") : Optional.empty();
      default:
        return Optional.empty();
    }
  }

  /** Where the jail does not hold what the host has for this facility, if anywhere. */
  private static Optional<String> differs(Path jail, Path javaHome, JvmFacility facility, Map<Path, Optional<String>> compared) {
    try {
      List<String> names = new ArrayList<>();
      for (String relative : JailJvmFiles.relativeFiles(facility)) {
        if (relative.endsWith("/")) {
          Set<String> host = tree(javaHome.resolve(relative), true);
          Set<String> jailed = tree(inJail(jail, javaHome.resolve(relative)), false);
          if (!host.equals(jailed)) {
            return Optional.of(relative + " holds other names in the jail: " + jailed + ", host " + host);
          }
          host.forEach(n -> names.add(relative + n));
        } else {
          names.add(relative);
        }
      }
      names.addAll(JailJvmFiles.relativeLookedFor(facility));
      for (String relative : names) {
        Path host = javaHome.resolve(relative);
        Optional<String> why = compared.get(host);
        if (why == null) {
          why = same(jail, host);
          compared.put(host, why);
        }
        if (why.isPresent()) {
          return why;
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("could not compare: " + e);
    }
  }

  /** The regular files under a directory, relative to it; on the host links are followed, in the jail none may be. */
  private static Set<String> tree(Path directory, boolean follow) throws IOException {
    Set<String> names = new TreeSet<>();
    if (Files.isDirectory(directory, follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS})) {
      // A directory stream, not Files.walk: no stream pipeline to load and interpret on the cold path.
      collect(directory, directory, follow, names, 0);
    }
    return names;
  }

  private static void collect(Path top, Path directory, boolean follow, Set<String> names, int depth) throws IOException {
    if (depth > 8) {
      throw new IOException(directory + " lies deeper than the JDK's policy directories do");
    }
    try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path p : entries) {
        if (!follow && Files.isSymbolicLink(p)) {
          names.add(top.relativize(p) + " (a link)");
        } else if (follow ? Files.isDirectory(p) : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          collect(top, p, follow, names, depth + 1);
        } else if (follow ? Files.isRegularFile(p) : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          names.add(top.relativize(p).toString());
        }
      }
    }
  }

  /** Whether the jail holds this host file (or lacks it, as the host does), as the JVM would read it after chroot. */
  private static Optional<String> same(Path jail, Path host) throws IOException {
    boolean onHost = Files.isRegularFile(host);
    Path copy = inJail(jail, host);
    // Every directory from the jail down must be one, not a link: the JVM resolves a link inside the
    // jail, this look from outside would resolve it on the host.
    // Each also root's alone: whoever else could rename in one could swap the copy after this look.
    Path walk = jail;
    for (Path name : jail.relativize(copy.getParent())) {
      walk = walk.resolve(name);
      Map<String, Object> d;
      try {
        d = Files.readAttributes(walk, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        return onHost ? Optional.of(walk + " is missing") : Optional.empty();
      }
      int mode = (Integer) d.get("mode");
      if ((mode & 0170000) != 0040000) {
        return Optional.of(walk + " is not a directory");
      }
      if ((Integer) d.get("uid") != 0 || (mode & 0022) != 0) {
        return Optional.of(walk + " is not root's alone (uid " + d.get("uid") + ", mode " + Integer.toOctalString(mode & 07777) + ")");
      }
    }
    Map<String, Object> a;
    try {
      a = Files.readAttributes(copy, "unix:mode,uid,size", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return onHost ? Optional.of(copy + " is missing") : Optional.empty();
    }
    if (!onHost) {
      return Optional.of(copy + " is there, the host has no " + host + ": the JVM would read it");
    }
    int mode = (Integer) a.get("mode");
    if ((mode & 0170000) != 0100000) {
      return Optional.of(copy + " is not a regular file");
    }
    if ((Integer) a.get("uid") != 0 || (mode & 0022) != 0) {
      return Optional.of(copy + " is not root's alone (uid " + a.get("uid") + ", mode " + Integer.toOctalString(mode & 07777) + ")");
    }
    if ((Long) a.get("size") != Files.size(host)) {
      return Optional.of(copy + " differs in size from " + host);
    }
    if (Files.mismatch(host, copy) != -1L) {
      return Optional.of(copy + " differs from " + host);
    }
    return Optional.empty();
  }

  private static Path inJail(Path jail, Path absolute) {
    return jail.resolve(absolute.toString().substring(1));
  }
}
