package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Syscall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real kernel's stat, readText and mountinfo fields, against what the JVM reads itself. No root needed. */
class NativeKernelFilesTest {
  private final NativeKernel kernel = NativeKernel.get();

  @Test
  void statFollowsTheLinkThatLstatShows() throws Exception {
    assertEquals(FileStatus.Type.SYMLINK, kernel.lstat("/proc/self").orElseThrow().type);
    assertEquals(FileStatus.Type.DIRECTORY, kernel.stat("/proc/self").orElseThrow().type);
  }

  @Test
  void aLinkToNothingIsNothing(@TempDir Path dir) throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("log"), dir.resolve("missing"));
    assertEquals(Optional.empty(), kernel.stat(link.toString()));
    assertEquals(FileStatus.Type.SYMLINK, kernel.lstat(link.toString()).orElseThrow().type, "the control: the link itself is there");
  }

  @Test
  void readTextReadsProcFilesWhole() throws Exception {
    assertEquals(Files.readString(Path.of("/proc/self/cgroup")), kernel.readText("/proc/self/cgroup").orElseThrow());
    String meminfo = kernel.readText("/proc/meminfo").orElseThrow();
    assertTrue(meminfo.startsWith("MemTotal:") && meminfo.length() > 4096 / 4, meminfo);
    assertEquals(Optional.empty(), kernel.readText("/proc/self/no-such-file"));
    ErrnoException e = assertThrows(ErrnoException.class, () -> kernel.readText("/proc/self"));
    assertEquals(Syscall.READ_PROC_FILE, e.syscall());
  }

  @Test
  void mountsCarryTheirRootAndSuperOptions() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    List<Mount> mounts = kernel.mounts();
    assertEquals(lines.size(), mounts.size());
    for (int i = 0; i < lines.size(); i++) {
      String[] fields = lines.get(i).split(" ");
      List<String> tail = List.of(fields).subList(List.of(fields).indexOf("-"), fields.length);
      assertEquals(NativeKernel.unescape(fields[3]), mounts.get(i).root, lines.get(i));
      assertEquals(List.of(tail.get(3).split(",")), mounts.get(i).superOptions, lines.get(i));
    }
  }
}
