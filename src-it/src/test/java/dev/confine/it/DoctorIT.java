package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The doctor command run as a real program against a clean and a bad jail. */
class DoctorIT {
  private static final Duration CHILD = Duration.ofSeconds(60);
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("doctor");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  private static ChildJvm doctor(String... args) throws Exception {
    return ChildJvm.start(List.of(), "dev.confine.tools.Doctor", args);
  }

  @Test
  void aCleanJailExits0() throws Exception {
    Files.writeString(jail.resolve("index.html"), "hello\n");
    try (ChildJvm child = doctor("check", "--root", jail.toString(), "--user", "64999", "--group", "64999")) {
      assertEquals(0, child.waitFor(CHILD), child.output());
      assertTrue(child.output().startsWith("confine doctor: " + jail + " for user 64999 (nothing was changed)"), child.output());
      assertTrue(child.output().contains("0 error(s)"), child.output());
    }
  }

  @Test
  void aBadJailExits1AndNamesTheFinding() throws Exception {
    Path dev = Files.createDirectories(jail.resolve("dev"));
    PreflightIT.run("mknod", "-m", "0600", dev.resolve("sda").toString(), "b", "8", "0");
    PreflightIT.run("chmod", "0777", jail.toString());
    try (ChildJvm child = doctor("check", "--root", jail.toString(), "--user", "64999", "--group", "64999")) {
      assertEquals(1, child.waitFor(CHILD), child.output());
      assertTrue(child.output().contains("device-node"), child.output());
      assertTrue(child.output().contains(dev.resolve("sda") + " is a block device node"), child.output());
      assertTrue(child.output().contains("component-writable"), child.output());
      assertTrue(child.output().contains("fix: chmod go-w " + jail), child.output());
    }
  }

  @Test
  void badArgumentsExit2WithUsageAndNoStackTrace() throws Exception {
    try (ChildJvm child = doctor("check", "--root", "relative/jail", "--user", "64999")) {
      assertEquals(2, child.waitFor(CHILD), child.output());
      assertTrue(child.output().contains("confine-doctor: root must be an absolute path: relative/jail"), child.output());
      assertTrue(child.output().contains("usage: confine-doctor check"), child.output());
      assertFalse(child.output().contains("\tat "), child.output());
    }
  }
}
