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

/**
 * The real kernel, through the calls that change nothing: each result is compared with what the
 * JVM or /proc says. No root needed; nothing here confines anything.
 */
class NativeKernelTest {
  private final NativeKernel kernel = NativeKernel.get();

  private static String statusField(String name) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(name + ":")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    throw new AssertionError("no " + name + " in /proc/self/status");
  }

  /**
   * jffi's failure when the JVM is exiting (deleteOnExit refused its temporary copy) is told apart
   * from a noexec directory: jffi puts the IllegalStateException's stack trace in its message, as
   * StubLoader.load does; the control, a plain load failure, still gets the noexec advice.
   */
  @Test
  void jffiFailureDuringExitIsNotBlamedOnNoexec() {
    java.io.StringWriter trace = new java.io.StringWriter();
    new IllegalStateException("Shutdown in progress").printStackTrace(new java.io.PrintWriter(trace));
    UnsatisfiedLinkError asJffiSaysIt = new UnsatisfiedLinkError(trace.toString());
    String exiting = NativeKernel.jffiFailure(asJffiSaysIt, 17);
    assertTrue(exiting.contains("the JVM was exiting") && exiting.contains("empty"), exiting);
    assertTrue(!exiting.contains("noexec"), exiting);
    String asCause = NativeKernel.jffiFailure(new NoClassDefFoundError("x").initCause(new IllegalStateException("Shutdown in progress")), 17);
    assertTrue(asCause.contains("the JVM was exiting"), asCause);

    String control = NativeKernel.jffiFailure(new UnsatisfiedLinkError("/tmp/jffi1.so: failed to map segment from shared object"), 17);
    assertTrue(control.contains("noexec") && control.contains("jffi.extract.dir") && !control.contains("exiting"), control);
    assertTrue(!NativeKernel.jffiFailure(new UnsatisfiedLinkError("x"), 22).contains("Java 22+"), "on 22+ FFM is the fallback, not advice");
  }

  @Test
  void idsMatchProc() throws Exception {
    String[] uids = statusField("Uid").split("\\s+");
    String[] gids = statusField("Gid").split("\\s+");
    Kernel.Ids u = kernel.getresuid();
    Kernel.Ids g = kernel.getresgid();
    assertEquals(uids[0] + " " + uids[1] + " " + uids[2], u.toString());
    assertEquals(gids[0] + " " + gids[1] + " " + gids[2], g.toString());
    String groups = statusField("Groups");
    List<Long> listed = kernel.getgroups();
    assertEquals(groups.isEmpty() ? 0 : groups.split("\\s+").length, listed.size(), "getgroups() = " + listed + ", Groups: " + groups);
  }

  @Test
  void passwdLookupsAgreeBothWays() throws Exception {
    PasswdEntry root = kernel.getpwnam("root").orElseThrow();
    assertEquals(0, root.uid);
    assertEquals(0, root.gid);
    assertEquals("root", kernel.getpwuid(0).orElseThrow().name);
    assertEquals(Optional.empty(), kernel.getpwnam("no-such-user-confine-test"));
  }

  @Test
  void getcwdIsTheJvmsWorkingDirectory() throws Exception {
    assertEquals(Path.of("").toAbsolutePath().toString(), kernel.getcwd());
  }

  @Test
  void refusesASymlinkAndReportsTheErrno() {
    ErrnoException e = assertThrows(ErrnoException.class, () -> kernel.openDirectoryNoFollow("/proc/self"));
    assertEquals(Syscall.OPEN, e.syscall());
    // open(2): ELOOP for O_NOFOLLOW on a symlink; Linux says ENOTDIR when O_DIRECTORY is given too.
    assertTrue(List.of("ELOOP", "ENOTDIR").contains(e.errnoName()), e.getMessage());
  }

  @Test
  void failedCallsCarryTheirErrno() {
    ErrnoException e = assertThrows(ErrnoException.class, () -> kernel.chdir("/no-such-directory-confine-test"));
    assertEquals(Syscall.CHDIR, e.syscall());
    assertEquals("ENOENT", e.errnoName());
    assertThrows(IllegalArgumentException.class, () -> kernel.chdir("/tmp\0/x"), "a NUL would cut the path short");
  }

  @Test
  void openedDirectoryIsTheOneStatted() throws Exception {
    int fd = kernel.openDirectoryNoFollow("/proc/1");
    try {
      FileStatus opened = kernel.fstat(fd);
      FileStatus named = kernel.lstat("/proc/1").orElseThrow();
      assertEquals(FileStatus.Type.DIRECTORY, opened.type);
      assertEquals(named.inode, opened.inode);
    } finally {
      kernel.close(fd);
    }
  }

  @Test
  void fstatAgreesWithLstatOnEveryField() throws Exception {
    // statx's dev is major and minor; NIO's is st_dev: the root check compares the two.
    for (String path : List.of("/", "/tmp", "/proc/1", "/dev", "/sys", System.getProperty("java.home"))) {
      String real = Path.of(path).toRealPath().toString();
      int fd = kernel.openDirectoryNoFollow(real);
      try {
        FileStatus opened = kernel.fstat(fd);
        FileStatus named = kernel.lstat(real).orElseThrow();
        assertEquals(named.toString() + " links=" + named.links, opened.toString() + " links=" + opened.links, real);
        assertTrue(opened.sameFileAndMountAs(named), real);
      } finally {
        kernel.close(fd);
      }
    }
  }

  @Test
  void theMountIdIsStatxsAndAgreesWithFdinfoWhichIsTheFallback() throws Exception {
    // /proc is a mount of its own: its directory and "/" differ by mount whatever their inodes.
    int fd = kernel.openDirectoryNoFollow("/proc/1");
    try {
      FileStatus opened = kernel.fstat(fd);
      assertTrue(opened.mountId.isPresent(), opened.toString());
      String fdinfo = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
      assertEquals(opened.mountId, NativeKernel.mountIdOfFdinfo(fdinfo), fdinfo);
      FileStatus top = kernel.lstat("/").orElseThrow();
      assertTrue(top.mountId.isPresent() && top.mountId.getAsLong() != opened.mountId.getAsLong(), top + " / " + opened);
    } finally {
      kernel.close(fd);
    }
    int threads = kernel.openThreadList();
    try {
      FileStatus root = kernel.statAt(threads, kernel.threadId() + "/root");
      assertTrue(root.sameFileAndMountAs(kernel.lstat("/").orElseThrow()), root.toString());
    } finally {
      kernel.close(threads);
    }
  }

  @Test
  void fdinfoWithoutAMountIdIsEmpty() {
    assertEquals(java.util.OptionalLong.of(29), NativeKernel.mountIdOfFdinfo("pos:\t0\nflags:\t02100000\nmnt_id:\t29\nino:\t12\n"));
    assertEquals(java.util.OptionalLong.empty(), NativeKernel.mountIdOfFdinfo("pos:\t0\nflags:\t02100000\n"));
  }

  @Test
  void makedevIsGlibcs() {
    assertEquals(0x0801, NativeKernel.makedev(8, 1));
    assertEquals((300 & 0xff) | (300L & ~0xffL) << 12, NativeKernel.makedev(0, 300));
    assertEquals((0x1234L & 0xfff) << 8 | (0x1234L & ~0xfffL) << 32 | 5, NativeKernel.makedev(0x1234, 5));
  }

  @Test
  void otherProcessesNativeAgreesWithTheNioListing() throws Exception {
    java.util.Map<Long, Kernel.Ids> nio = otherProcessesThroughNio();
    java.util.Map<Long, Kernel.Ids> direct = kernel.otherProcesses();
    assertTrue(direct.containsKey(1L), "pid 1 is listed: " + direct.keySet());
    assertTrue(!direct.containsKey(ProcessHandle.current().pid()), "this process is not listed");
    int common = 0;
    for (java.util.Map.Entry<Long, Kernel.Ids> entry : direct.entrySet()) {
      Kernel.Ids other = nio.get(entry.getKey());
      if (other != null) {
        common++;
        assertEquals(other.toString(), entry.getValue().toString(), "pid " + entry.getKey());
      }
    }
    // Processes may start or end between the two listings; nearly all must be in both.
    assertTrue(common >= Math.max(nio.size(), direct.size()) - 5, "common " + common + " of " + nio.size() + " / " + direct.size());
  }

  @Test
  void hex16PadsLikeFormat() {
    for (long value : new long[] {0, 1, 0x1ffffffffffL, -1, Long.MIN_VALUE}) {
      assertEquals(String.format("%016x", value), Verifier.hex16(value));
    }
  }

  @Test
  void anNioFailureBecomesTheErrnoUnderneathWithTheCallAndPathAndItsCause() {
    java.io.IOException denied = new java.nio.file.AccessDeniedException("/srv/jail/private");
    ErrnoException e = NativeKernel.ioError(Syscall.LSTAT, "/srv/jail/private", denied);
    assertEquals(Syscall.LSTAT, e.syscall());
    assertEquals("EACCES", e.errnoName());
    assertTrue(e.getMessage().startsWith("lstat(\"/srv/jail/private\"): EACCES"), e.getMessage());
    assertEquals(denied, e.getCause());
    dev.confine.SyscallException shown = e.toSyscallException("a hint", false);
    assertEquals(denied, shown.getCause(), "the public exception keeps it");
    assertEquals("EACCES", shown.errnoName());
    assertEquals("ENOTDIR", NativeKernel.ioError(Syscall.READDIR, "/a", new java.nio.file.NotDirectoryException("/a")).errnoName());
    assertEquals("ELOOP", NativeKernel.ioError(Syscall.READDIR, "/a", new java.nio.file.FileSystemLoopException("/a")).errnoName());
    assertEquals("EIO", NativeKernel.ioError(Syscall.READ_PROC_FILE, "/proc/self/mountinfo", new java.io.IOException("odd")).errnoName());
  }

  /** The same listing the slow way, through NIO, to compare with: every /proc/PID/status's Uid line. */
  private static java.util.Map<Long, Kernel.Ids> otherProcessesThroughNio() throws java.io.IOException {
    java.util.Map<Long, Kernel.Ids> processes = new java.util.HashMap<>();
    long self = ProcessHandle.current().pid();
    try (java.nio.file.DirectoryStream<java.nio.file.Path> entries =
        java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc"), "[0-9]*")) {
      for (java.nio.file.Path entry : entries) {
        long pid = Long.parseLong(entry.getFileName().toString());
        if (pid == self) {
          continue;
        }
        try {
          for (String line : java.nio.file.Files.readAllLines(entry.resolve("status"))) {
            if (line.startsWith("Uid:")) {
              String[] ids = line.substring(4).trim().split("\\s+");
              processes.put(pid, new Kernel.Ids(Long.parseLong(ids[0]), Long.parseLong(ids[1]), Long.parseLong(ids[2])));
            }
          }
        } catch (java.io.IOException e) {
          // ended meanwhile
        }
      }
    }
    return processes;
  }

  /**
   * pause() sleeps its time with an interrupt pending and keeps the interrupt; the control:
   * LockSupport.parkNanos, which it is built on, returns at once in the same state.
   */
  @Test
  void pauseSleepsThroughAPendingInterruptAndKeepsIt() {
    Thread.currentThread().interrupt();
    try {
      long start = System.nanoTime();
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
      long control = System.nanoTime() - start;
      assertTrue(control < 40_000_000L, "the control: parkNanos returned after " + control + " ns");
      start = System.nanoTime();
      kernel.pause(50_000_000L);
      long paused = System.nanoTime() - start;
      assertTrue(paused >= 50_000_000L, "paused " + paused + " ns");
      assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
    } finally {
      Thread.interrupted();
    }
  }
}
