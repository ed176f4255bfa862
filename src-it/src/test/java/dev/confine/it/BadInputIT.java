package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input to a real apply(): each is refused with a clear error before anything changes, and
 * the process is seen from outside to be as it was (root "/", uid 0). The builder's own checks
 * are unit tests (BadInputTest, PolicyFuzzTest in confine-core).
 */
class BadInputIT {
  private static final Duration START = Duration.ofSeconds(90);
  private final List<Path> made = new ArrayList<>();
  private Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("badinput");
    made.add(jail);
  }

  @AfterEach
  void tearDown() {
    made.forEach(Jails::remove);
  }

  private static ChildJvm child(String... args) throws IOException {
    return ChildJvm.start(List.of(), "dev.confine.it.AttackChild", args);
  }

  private static void assertUnchanged(ChildJvm child, Map<String, String> p) throws IOException {
    assertEquals("0 0 0", p.get("uids"), child.output());
    assertEquals(Path.of("/"), ProcView.root(child.pid()), "the root is the host's");
    ProcView.threads(child.pid()).forEach((tid, status) -> assertEquals("0\t0\t0\t0", status.get("Uid"), "thread " + tid));
  }

  private Map<String, String> tryApply(ChildJvm child) throws InterruptedException {
    child.await("READY", START);
    return child.probes();
  }

  @Test
  void aRootThatIsAFileIsRefused() throws Exception {
    Path file = Files.writeString(jail.resolve("file"), "x");
    try (ChildJvm child = child("try-apply", file.toString(), "65534", "65534")) {
      Map<String, String> p = tryApply(child);
      assertEquals("PreflightException(root-not-directory)", p.get("apply"), child.output());
      assertUnchanged(child, p);
    }
  }

  @Test
  void aMissingRootIsRefused() throws Exception {
    try (ChildJvm child = child("try-apply", jail.resolve("missing").toString(), "65534", "65534")) {
      Map<String, String> p = tryApply(child);
      assertEquals("PreflightException(root-missing)", p.get("apply"), child.output());
      assertUnchanged(child, p);
    }
  }

  @Test
  void aSymlinkRootIsRefused() throws Exception {
    Path link = Files.createSymbolicLink(jail.resolve("link"), Path.of("/"));
    try (ChildJvm child = child("try-apply", link.toString(), "65534", "65534")) {
      Map<String, String> p = tryApply(child);
      assertEquals("PreflightException(root-symlink)", p.get("apply"), child.output());
      assertUnchanged(child, p);
    }
  }

  @Test
  void anUnknownUserNameIsRefused() throws Exception {
    try (ChildJvm child = child("try-apply", jail.toString(), "no-such-user-confine-it")) {
      Map<String, String> p = tryApply(child);
      assertTrue(p.get("apply").startsWith("ConfinementException("), child.output());
      assertTrue(p.get("apply").contains("no-such-user-confine-it"), child.output());
      assertUnchanged(child, p);
    }
  }

  @Test
  void aUserNameThatResolvesToUidZeroIsRefused() throws Exception {
    // The builder refuses the name "root" at once; another name for uid 0 ("toor", as on the
    // BSDs) is only known when apply() resolves it. The child sees a passwd file with such an
    // entry, bind-mounted over /etc/passwd in a private mount namespace (the host's is untouched).
    Path passwd = jail.resolve("passwd");
    Files.writeString(passwd, Files.readString(Path.of("/etc/passwd")) + "toor:x:0:0:uid 0 by another name:/:/usr/sbin/nologin\n");
    List<String> wrapper =
        List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$1\" /etc/passwd; shift; exec \"$@\"", "sh", passwd.toString());
    try (ChildJvm child =
        ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), List.of(), "dev.confine.it.AttackChild", "try-apply", jail.toString(), "toor")) {
      Map<String, String> p = tryApply(child);
      assertEquals("ConfinementException(user \"toor\" has uid 0: confining to it would keep root)", p.get("apply"), child.output());
      assertUnchanged(child, p);
    }
  }

  @Test
  void applyTwiceIsRefusedTheSecondTime() throws Exception {
    try (ChildJvm child = child("apply-twice", jail.toString(), "65534", "65534")) {
      Map<String, String> p = tryApply(child);
      assertEquals("ok", p.get("first"), child.output());
      assertEquals("IllegalStateException(apply() already confined this process; it runs once per process)", p.get("second"), child.output());
      assertEquals("65534 65534 65534", p.get("uids"), child.output());
    }
  }

  @Test
  void applyFromTwoThreadsAtOnceConfinesOnceAndRefusesTheOther() throws Exception {
    try (ChildJvm child = child("apply-concurrent", jail.toString(), "65534", "65534")) {
      Map<String, String> p = tryApply(child);
      String[] outcomes = p.get("outcomes").split(" \\| ");
      assertEquals(2, outcomes.length, child.output());
      assertEquals("IllegalStateException", outcomes[0].replaceAll("\\(.*", ""), child.output());
      assertTrue(outcomes[0].contains("already running") || outcomes[0].contains("already confined"), child.output());
      assertEquals("ok", outcomes[1], child.output());
      assertEquals("65534 65534 65534", p.get("uids"), child.output());
      assertEquals(jail, ProcView.root(child.pid()));
    }
  }

  /** The child's jars, where uid 65534 can read them (the build's are under root's home). */
  private String readableClasspath() throws IOException {
    Path dir = Jails.fresh("jars");
    made.add(dir);
    List<String> copies = new ArrayList<>();
    int n = 0;
    for (String entry : ChildJvm.classpath().split(java.io.File.pathSeparator)) {
      Path copy = dir.resolve((n++) + "-" + Path.of(entry).getFileName());
      Files.copy(Path.of(entry), copy);
      Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
      copies.add(copy.toString());
    }
    return String.join(java.io.File.pathSeparator, copies);
  }

  @Test
  void applyWhenNotRootIsRefusedAndChangesNothing() throws Exception {
    List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    try (ChildJvm child =
        ChildJvm.start(asNobody, jail, readableClasspath(), ChildJvm.javaHome(), List.of(), "dev.confine.it.AttackChild",
            "try-apply", jail.toString(), "65534", "65534")) {
      Map<String, String> p = tryApply(child);
      assertEquals("PreflightException(not-root)", p.get("apply"), child.output());
      assertEquals("65534 65534 65534", p.get("uids"), child.output());
      assertEquals(Path.of("/"), ProcView.root(child.pid()), "the root is the host's");
      assertEquals(jail, ProcView.cwd(child.pid()), "the working directory did not move");
    }
  }
}
