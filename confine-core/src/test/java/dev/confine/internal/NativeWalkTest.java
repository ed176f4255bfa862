package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walk by directory descriptor (getdents64, statx relative to the directory) against NIO's
 * own walk of the same tree, and against the path walk the kernel falls back to without statx:
 * the same entries, each with the same lstat, a link visited and never entered, a directory named
 * in doNotEnter visited and not entered. No root needed.
 */
class NativeWalkTest {
  @TempDir Path tree;

  @Test
  void theDescriptorWalkSeesWhatNioSees() throws Exception {
    Files.createDirectories(tree.resolve("a/b/c"));
    Files.createDirectories(tree.resolve("skip/inside"));
    Files.writeString(tree.resolve("a/b/c/file"), "x");
    Files.createFile(tree.resolve(".hidden"));
    Files.createFile(tree.resolve("..dots"));
    Files.createFile(tree.resolve("name with space and é"));
    Files.createFile(tree.resolve("skip/inside/unseen"));
    Files.createLink(tree.resolve("a/linked"), tree.resolve("a/b/c/file"));
    Files.createSymbolicLink(tree.resolve("a/up"), tree); // a loop if it were followed
    Files.createSymbolicLink(tree.resolve("dangling"), tree.resolve("nowhere"));
    for (int i = 0; i < 700; i++) { // more than one getdents64 buffer's worth of names
      Files.createFile(tree.resolve("a/b/" + "f".repeat(40) + i));
    }
    Set<String> doNotEnter = Set.of(tree.resolve("skip").toString());

    Map<String, String> expected = new TreeMap<>();
    try (Stream<Path> all = Files.walk(tree)) {
      all.filter(p -> !p.startsWith(tree.resolve("skip/inside")))
          .forEach(p -> expected.put(p.toString(), nio(p)));
    }
    Map<String, String> byDescriptor = walk(NativeKernel.get(), doNotEnter);
    assertEquals(expected, byDescriptor);
    assertTrue(byDescriptor.get(tree.resolve("a/up").toString()).startsWith("SYMLINK"));
    assertFalse(byDescriptor.containsKey(tree.resolve("a/up/a").toString()));
    assertTrue(byDescriptor.containsKey(tree.resolve("skip").toString()));
    assertFalse(byDescriptor.containsKey(tree.resolve("skip/inside").toString()));
    // Control: without doNotEnter the walk does enter skip/, so the check above can fail.
    assertTrue(walk(NativeKernel.get(), Set.of()).containsKey(tree.resolve("skip/inside/unseen").toString()));
    assertEquals(byDescriptor, walk(withoutStatx(), doNotEnter), "the path walk, as on Linux before 4.11");
  }

  private Map<String, String> walk(Kernel kernel, Set<String> doNotEnter) throws ErrnoException {
    Map<String, String> seen = new TreeMap<>();
    kernel.walk(
        tree.toString(), doNotEnter,
        (path, s) -> {
          String previous = seen.put(path, s.type + " " + Integer.toOctalString(s.permissions) + " " + s.uid + " " + s.gid + " " + s.inode + " " + s.links);
          assertEquals(null, previous, path + " visited twice");
        });
    return seen;
  }

  private String nio(Path p) {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,nlink", LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      return FileStatus.typeOf(mode) + " " + Integer.toOctalString(mode & 07777) + " " + a.get("uid") + " " + a.get("gid") + " " + a.get("ino")
          + " " + a.get("nlink");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static NativeKernel withoutStatx() {
    LibC libc = NativeKernel.bindLibC();
    return NativeKernel.over(
        (LibC) Proxy.newProxyInstance(
            LibC.class.getClassLoader(),
            new Class<?>[] {LibC.class},
            (proxy, method, args) -> {
              if (method.getName().equals("hasStatx")) {
                return false;
              }
              try {
                return method.invoke(libc, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            }));
  }
}
