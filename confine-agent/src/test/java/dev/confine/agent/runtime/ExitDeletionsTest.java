package dev.confine.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent deletes before chroot of what the JVM was to delete at exit (no JVM is confined). */
class ExitDeletionsTest {
  @Test
  void whatTheJailCannotReachIsDeletedWhatItCanIsKept(@TempDir Path dir) throws Exception {
    Path jail = Files.createDirectories(dir.resolve("jail")).toRealPath();
    // As brotli4j registers its extracted library: the directory first, then the file in it.
    Path extracted = Files.createDirectories(dir.resolve("tmp/brotli4j-123"));
    Path library = Files.writeString(extracted.resolve("libbrotli.so"), "ELF");
    // A directory on the list that also holds a file not on it: left, and said.
    Path shared = Files.createDirectories(dir.resolve("tmp/shared"));
    Files.writeString(shared.resolve("other"), "not registered");
    // A file the jail reaches at the same path (jail/tmp/x, with jail/<jail path> a link to "/").
    Path insideFile = Files.writeString(Files.createDirectories(jail.resolve("tmp")).resolve("x"), "inside");
    Path self = jail.resolve(jail.toString().substring(1));
    Files.createDirectories(self.getParent());
    Files.createSymbolicLink(self, Path.of("/"));
    // A link on the list: the link goes, never its target.
    Path target = Files.writeString(dir.resolve("target"), "keep me");
    Path link = Files.createSymbolicLink(dir.resolve("link"), target);

    List<String> registered = List.of(extracted.toString(), library.toString(), shared.toString(), insideFile.toString(),
        link.toString(), dir.resolve("gone-already").toString());
    ExitDeletions.Cleaned cleaned = ExitDeletions.deleteOutside(registered, jail);

    assertEquals(List.of(link.toString(), library.toString(), extracted.toString()), cleaned.deleted);
    assertFalse(Files.exists(extracted));
    assertTrue(Files.exists(target), "a link's target is never touched");
    assertTrue(Files.exists(insideFile), "the JVM deletes it at exit from inside the jail");
    assertEquals(1, cleaned.left.size(), cleaned.left.toString());
    assertTrue(cleaned.left.get(0).startsWith(shared + " (a directory still holding"), cleaned.left.toString());
    assertTrue(Files.exists(shared.resolve("other")));
  }

  @Test
  void controlTheJvmsOwnListIsEmptyUntilOpenedAndNothingIsDeleted(@TempDir Path dir) throws Exception {
    // Without Instrumentation (this test JVM) the list cannot be read: nothing is deleted.
    Path file = Files.writeString(dir.resolve("f"), "x");
    file.toFile().deleteOnExit();
    assertEquals(List.of(), ExitDeletions.registered());
    assertEquals(List.of(), ExitDeletions.deleteOutside(ExitDeletions.registered(), dir).deleted);
    assertTrue(Files.exists(file));
  }
}
