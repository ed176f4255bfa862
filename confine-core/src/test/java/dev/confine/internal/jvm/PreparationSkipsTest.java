package dev.confine.internal.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.JailJvmFiles;
import dev.confine.JvmFacility;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What apply() skips: only preparations whose files the jail holds as the host's, read without following a link out. */
class PreparationSkipsTest {
  @TempDir Path jail;
  private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  @Test
  void theFileTableListsThisJdksTrustStoreSecurityFileAndTimeZones() throws IOException {
    List<Path> files = JailJvmFiles.files(JAVA_HOME, EnumSet.allOf(JvmFacility.class));
    for (String name : List.of("lib/security/cacerts", "lib/tzdb.dat", "conf/security/java.security", "conf/logging.properties")) {
      assertTrue(files.contains(JAVA_HOME.resolve(name)), name + " in " + files);
    }
    assertTrue(files.stream().anyMatch(p -> p.startsWith(JAVA_HOME.resolve("conf/security/policy"))), "the JCE policy: " + files);
    for (JvmFacility never : List.of(JvmFacility.SECURE_RANDOM, JvmFacility.NAME_LOOKUPS, JvmFacility.CHARSETS)) {
      assertTrue(JailJvmFiles.whyNever(never).isPresent(), never.name());
      assertEquals(List.of(), JailJvmFiles.relativeFiles(never), never.name());
    }
    assertTrue(JailJvmFiles.whyNever(JvmFacility.TLS).isEmpty());
  }

  @Test
  void anEmptyJailSkipsNothingAndSaysNothing() {
    PreparationSkips.Result result = PreparationSkips.of(jail, JvmFacility.networkServer());
    assertEquals(Set.of(), result.skipped().keySet());
    assertEquals(Set.of(), result.kept().keySet());
  }

  @Test
  void aCopyThatDiffersOrIsALinkKeepsItsPreparation() throws IOException {
    for (Path file : JailJvmFiles.files(JAVA_HOME, EnumSet.allOf(JvmFacility.class))) {
      Path copy = jail.resolve(file.toString().substring(1));
      Files.createDirectories(copy.getParent());
      Files.write(copy, Files.readAllBytes(file));
    }
    Path logging = jail.resolve(JAVA_HOME.toString().substring(1)).resolve("conf/logging.properties");
    Files.writeString(logging, "# not the host's\n", java.nio.file.StandardOpenOption.APPEND);
    Path cacerts = jail.resolve(JAVA_HOME.toString().substring(1)).resolve("lib/security/cacerts");
    // A link, here to an identical file beside it: after chroot a link resolves inside the jail, and
    // looked at from outside it may resolve elsewhere, so no link counts as the copy.
    Files.move(cacerts, cacerts.resolveSibling("cacerts.real"));
    Files.createSymbolicLink(cacerts, cacerts.resolveSibling("cacerts.real"));
    PreparationSkips.Result result = PreparationSkips.of(jail, JvmFacility.networkServer());
    assertFalse(result.skipped().containsKey("logging"), result.toString());
    assertFalse(result.skipped().containsKey("tls"), result.toString());
    assertTrue(result.kept().containsKey("logging") && result.kept().containsKey("tls"), result.toString());
    assertTrue(result.kept().get("tls").contains("cacerts is not a regular file") || !ROOT, result.toString());
    assertTrue(result.kept().get("logging").contains("differs") || !ROOT, result.toString());
    assertTrue(result.kept().containsKey("securerandom"), result.toString());
    if (ROOT) {
      // Root made the copies root's: the intact ones are skipped (their files are the host's bytes).
      assertTrue(result.skipped().containsKey("net") && result.skipped().containsKey("management"), result.toString());
    } else {
      assertTrue(result.kept().get("net").contains("not root's alone"), result.toString());
    }
  }
}
