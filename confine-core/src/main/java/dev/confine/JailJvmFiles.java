package dev.confine;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The files under {@code java.home} that a {@link JvmFacility}'s preparation reads and the JVM
 * would otherwise read lazily, inside the jail. {@code confine-doctor init --jvm-files} copies them
 * into the jail at the same path; {@code apply()} then skips a preparation whose files the jail
 * holds with the host's content, and says so in {@link ConfinementReport#skippedPreparations()}.
 * Found with {@code strace -f -e trace=openat} on OpenJDK 17 and Temurin 25 running each
 * preparation alone.
 *
 * <p>Three facilities can never be skipped: SECURE_RANDOM keeps descriptors of /dev/random and
 * /dev/urandom, which no copy stands in for; NAME_LOOKUPS reads glibc's files in /etc, which the
 * jail holds as init writes them (its own nsswitch.conf), not as the host's; CHARSETS reads no
 * file at all (its classes come from lib/modules, which stays open), so a jail cannot help it.
 */
public final class JailJvmFiles {
  private JailJvmFiles() {}

  /**
   * The names, relative to {@code java.home}, that this facility's preparation reads; a name ending
   * in "/" is a directory whose whole tree is read (the JCE policy directories). Empty for a facility
   * that cannot be skipped ({@link #whyNever}).
   */
  public static List<String> relativeFiles(JvmFacility facility) {
    requireNonNull(facility, "facility");
    switch (facility) {
      case SECURITY:
        // The providers' class initialisation loads libnet and libnio (sun.security.provider on 17 and 25).
        return List.of("conf/security/java.security", "conf/security/policy/", "lib/libnet.so", "lib/libnio.so");
      case NETWORK:
        return List.of("lib/libnet.so", "lib/libnio.so", "lib/libextnet.so", "conf/net.properties");
      case ZIP:
        return List.of("lib/libzip.so");
      case TIME_ZONES:
      case LOCALES:
        return List.of("lib/tzdb.dat");
      case LOGGING:
        return List.of("conf/logging.properties");
      case TLS:
        return List.of("lib/security/cacerts", "lib/security/blocked.certs", "lib/security/public_suffix_list.dat");
      case MANAGEMENT:
        return List.of("lib/libmanagement.so", "lib/libmanagement_ext.so");
      default:
        return List.of();
    }
  }

  /**
   * Names, relative to {@code java.home}, that the JVM looks for before the ones it reads: the jail
   * must lack them where the host lacks them (a jssecacerts in the jail would replace the trust store).
   */
  public static List<String> relativeLookedFor(JvmFacility facility) {
    requireNonNull(facility, "facility");
    return facility == JvmFacility.TLS ? List.of("lib/security/jssecacerts") : List.of();
  }

  /** Why no jail can stand in for this facility's preparation, if none can. */
  public static Optional<String> whyNever(JvmFacility facility) {
    requireNonNull(facility, "facility");
    switch (facility) {
      case SECURE_RANDOM:
        return Optional.of("it keeps descriptors of /dev/random and /dev/urandom, which no copied file stands in for");
      case NAME_LOOKUPS:
        return Optional.of("glibc reads the jail's etc/nsswitch.conf, hosts and resolv.conf, which init writes for the jail, not as the host's");
      case CHARSETS:
        return Optional.of("it reads no file (its classes come from lib/modules, which stays open), so a jail has nothing to hold for it");
      default:
        return Optional.empty();
    }
  }

  /**
   * The files under {@code javaHome} that the facilities' preparations read and that exist there,
   * as the JVM names them (javaHome joined with the relative name; a directory's regular files
   * listed one by one), sorted and without repeats: what {@code init --jvm-files} copies.
   *
   * @throws IOException a directory of the list could not be read
   */
  public static List<Path> files(Path javaHome, Set<JvmFacility> facilities) throws IOException {
    requireNonNull(javaHome, "javaHome");
    requireNonNull(facilities, "facilities");
    if (!javaHome.isAbsolute()) {
      throw new IllegalArgumentException("javaHome must be absolute: " + javaHome);
    }
    Set<String> names = new TreeSet<>();
    for (JvmFacility facility : facilities.isEmpty() ? EnumSet.noneOf(JvmFacility.class) : EnumSet.copyOf(facilities)) {
      for (String relative : relativeFiles(facility)) {
        Path path = javaHome.resolve(relative);
        if (relative.endsWith("/")) {
          if (Files.isDirectory(path)) {
            try (Stream<Path> tree = Files.walk(path, FileVisitOption.FOLLOW_LINKS)) {
              tree.filter(Files::isRegularFile).forEach(p -> names.add(p.toString()));
            }
          }
        } else if (Files.isRegularFile(path)) {
          names.add(path.toString());
        }
      }
    }
    List<Path> paths = new ArrayList<>();
    names.forEach(n -> paths.add(Path.of(n)));
    return List.copyOf(paths);
  }
}
