package dev.confine.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which of Boot's temporary directories the starter deletes before chroot (no JVM is confined). */
class BootTempDirsTest {
  /** Tomcat's shape as the starter reads it: WebServer.getTomcat(), getServer().getCatalinaBase(), getHost().findChildren(). */
  public static final class FakeWebServer {
    private final FakeTomcat tomcat;

    FakeWebServer(File base, String... docBases) {
      this.tomcat = new FakeTomcat(base, docBases);
    }

    public FakeTomcat getTomcat() {
      return tomcat;
    }
  }

  public static final class FakeTomcat {
    private final File base;
    private final String[] docBases;

    FakeTomcat(File base, String[] docBases) {
      this.base = base;
      this.docBases = docBases;
    }

    public FakeServer getServer() {
      return new FakeServer(base);
    }

    public FakeHost getHost() {
      return new FakeHost(docBases);
    }
  }

  public static final class FakeServer {
    private final File base;

    FakeServer(File base) {
      this.base = base;
    }

    public File getCatalinaBase() {
      return base;
    }
  }

  public static final class FakeHost {
    private final String[] docBases;

    FakeHost(String[] docBases) {
      this.docBases = docBases;
    }

    public Object[] findChildren() {
      return java.util.Arrays.stream(docBases).map(FakeContext::new).toArray();
    }
  }

  public static final class FakeContext {
    private final String docBase;

    FakeContext(String docBase) {
      this.docBase = docBase;
    }

    public String getDocBase() {
      return docBase;
    }
  }

  @Test
  void onlyTheDirectoriesTheServerNamesWithBootsTemporaryNameUnderTheTemporaryDirectory(@TempDir Path tmp) throws Exception {
    Path base = tmp.resolve("tomcat.8080.123456789");
    Path docBase = tmp.resolve("tomcat-docbase.8080.987654321");
    Object server = new FakeWebServer(base.toFile(), docBase.toString());
    assertEquals(List.of(base, docBase), BootTempDirs.of(List.of(server), tmp));
    // Configured by the application (server.tomcat.basedir, a document root): never Boot's to delete.
    Object configured = new FakeWebServer(tmp.resolve("var/tomcat").toFile(), tmp.resolve("public").toString(),
        tmp.resolve("sub/tomcat-docbase.8080.1").toString());
    assertEquals(List.of(), BootTempDirs.of(List.of(configured), tmp));
    // Not Tomcat (Netty): nothing.
    assertEquals(List.of(), BootTempDirs.of(List.of(new Object()), tmp));
  }

  @Test
  void aTreeOfDirectoriesOutsideTheJailIsDeletedEverythingElseIsLeftAndSaid(@TempDir Path dir) throws Exception {
    Path jail = Files.createDirectories(dir.resolve("jail")).toRealPath();
    Path tmp = Files.createDirectories(dir.resolve("tmp")).toRealPath();
    // As Boot and Tomcat leave them once the server listens.
    Path base = Files.createDirectories(tmp.resolve("tomcat.8080.1"));
    Files.createDirectories(base.resolve("work/Tomcat/localhost/ROOT"));
    Path docBase = Files.createDirectories(tmp.resolve("tomcat-docbase.8080.2"));
    // Holding a file: left, and said.
    Path withFile = Files.createDirectories(tmp.resolve("tomcat-docbase.8080.3"));
    Files.writeString(withFile.resolve("index.html"), "not Boot's");
    // Holding a link: left, the link's target untouched.
    Path target = Files.createDirectories(dir.resolve("target"));
    Path withLink = Files.createDirectories(tmp.resolve("tomcat.8080.4"));
    Files.createSymbolicLink(withLink.resolve("link"), target);
    // A link in place of the directory: never followed.
    Path link = Files.createSymbolicLink(tmp.resolve("tomcat.8080.5"), target);
    // The same path inside the jail: the jail has its own /tmp/... there, a different directory: deleted.
    Path shadowed = Files.createDirectories(tmp.resolve("tomcat.8080.6"));
    Files.createDirectories(jail.resolve(shadowed.toString().substring(1)));

    BootTempDirs.Cleaned cleaned = BootTempDirs.deleteOutside(
        List.of(base, docBase, withFile, withLink, link, shadowed, tmp.resolve("tomcat.8080.7")), jail);

    assertEquals(List.of(base.toString(), docBase.toString(), shadowed.toString()), cleaned.deleted);
    assertFalse(Files.exists(base));
    assertFalse(Files.exists(docBase));
    assertFalse(Files.exists(shadowed));
    assertTrue(Files.exists(jail.resolve(shadowed.toString().substring(1))), "inside the jail: not touched");
    assertEquals(3, cleaned.left.size(), cleaned.left.toString());
    assertTrue(cleaned.left.get(0).startsWith(withFile + " (holds " + withFile.resolve("index.html")), cleaned.left.toString());
    assertTrue(cleaned.left.get(1).startsWith(withLink + " (holds " + withLink.resolve("link")), cleaned.left.toString());
    assertTrue(cleaned.left.get(2).startsWith(link + " (not a directory"), cleaned.left.toString());
    assertTrue(Files.exists(withFile.resolve("index.html")));
    assertTrue(Files.isDirectory(target));
    assertTrue(Files.isSymbolicLink(link));
  }

  @Test
  void whatTheJailReachesByTheSamePathIsKept(@TempDir Path dir) throws Exception {
    Path jail = Files.createDirectories(dir.resolve("jail")).toRealPath();
    Path tmp = Files.createDirectories(dir.resolve("tmp")).toRealPath();
    Path base = Files.createDirectories(tmp.resolve("tomcat.8080.1"));
    // The jail reaches the host's directory at the same path (jail/<jail path>/.. a link to "/"):
    // a link on the way is not resolved, the directory is kept.
    Path self = jail.resolve(dir.toRealPath().toString().substring(1));
    Files.createDirectories(self.getParent());
    Files.createSymbolicLink(self, Path.of("/"));
    BootTempDirs.Cleaned cleaned = BootTempDirs.deleteOutside(List.of(base), jail);
    assertEquals(List.of(), cleaned.deleted);
    assertTrue(Files.isDirectory(base));
    assertTrue(cleaned.left.get(0).contains("a link on its path"), cleaned.left.toString());
    // The jail holding the very directory (a bind mount, here: the jail is "/" for the check).
    Path root = Path.of("/");
    BootTempDirs.Cleaned same = BootTempDirs.deleteOutside(List.of(base), root);
    assertEquals(List.of(), same.deleted);
    assertTrue(same.left.get(0).contains("the same directory inside the jail"), same.left.toString());
    assertTrue(Files.isDirectory(base));
  }

  /**
   * A directory in the tree that another user may write to is left: an entry there could be
   * swapped for a link between the walk and the delete, and root would rmdir what it names.
   * Control: the same tree, writable by its owner alone, is deleted.
   */
  @Test
  void aTreeAnotherUserMayChangeIsLeft(@TempDir Path dir) throws Exception {
    Path jail = Files.createDirectories(dir.resolve("jail")).toRealPath();
    Path tmp = Files.createDirectories(dir.resolve("tmp")).toRealPath();
    Path base = Files.createDirectories(tmp.resolve("tomcat.8080.1"));
    Path open = Files.createDirectories(base.resolve("work"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    BootTempDirs.Cleaned cleaned = BootTempDirs.deleteOutside(List.of(base), jail);
    assertEquals(List.of(), cleaned.deleted);
    assertTrue(Files.isDirectory(open));
    assertTrue(cleaned.left.get(0).contains(open.toString()), cleaned.left.toString());
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals(List.of(base.toString()), BootTempDirs.deleteOutside(List.of(base), jail).deleted);
    assertFalse(Files.exists(base));
  }

  /** The warm-up makes and deletes a tree of its own: nothing of its is left in the temporary directory. */
  @Test
  void theWarmUpLeavesNothing(@TempDir Path dir) throws Exception {
    String before = System.getProperty("java.io.tmpdir");
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    System.setProperty("java.io.tmpdir", tmp.toString());
    try {
      BootTempDirs.warmUp(Files.createDirectories(dir.resolve("jail")));
    } finally {
      System.setProperty("java.io.tmpdir", before);
    }
    try (java.util.stream.Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(), left.collect(java.util.stream.Collectors.toList()));
    }
  }
}
