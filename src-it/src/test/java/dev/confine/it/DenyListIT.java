package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seccomp deny list seen from inside: a confined child calls each denied syscall through
 * syscall(2) from the thread that called apply(), from a thread that existed before, and from a
 * thread started after, and prints what it got; the parent asserts on those lines.
 *
 * <p>The arguments are chosen so that the kernel itself fails each call with an errno that is
 * not EPERM (see HardenChild.PROBED): the child shows it as root before apply(), and the control
 * test shows it after a drop without the deny list. So EPERM in the first test comes from the
 * filter, and the first test fails if the filter lets a call through.
 */
class DenyListIT {
  private static final List<String> THREADS = List.of("caller", "preexisting", "new");
  private static final List<String> PROBED =
      HardenChild.PROBED.stream().filter(n -> dev.confine.internal.linux.LinuxArch.current().orElseThrow().knows(n)).collect(java.util.stream.Collectors.toList());

  /** What the kernel answers, without the filter, to the arguments HardenChild passes (uid 65534, no capability). */
  private static final Map<String, String> KERNEL_ERRNO =
      Map.ofEntries(
          Map.entry("mount", "ENOENT"),
          Map.entry("umount2", "ENOENT"),
          Map.entry("unshare", "EINVAL"), // CLONE_NEWUSER in a multithreaded process
          Map.entry("ptrace", "ESRCH"),
          Map.entry("chroot", "ENOENT"),
          Map.entry("bpf", "EINVAL"),
          Map.entry("keyctl", "ENOTSUP"), // EOPNOTSUPP, 95 on Linux: jnr-constants names it ENOTSUP
          Map.entry("pivot_root", "EPERM"), // checks CAP_SYS_ADMIN before its arguments: the filter cannot be told apart here
          Map.entry("setns", "EBADF"),
          Map.entry("io_uring_setup", "EFAULT"),
          Map.entry("clone", "EINVAL"), // CLONE_NEWNS|CLONE_FS
          Map.entry("clone3", "EINVAL"), // size 0
          Map.entry("pidfd_getfd", "EBADF"),
          Map.entry("kcmp", "ESRCH"),
          Map.entry("process_madvise", "EBADF"),
          Map.entry("open_tree_attr", "ENOENT"),
          Map.entry("modify_ldt", "4294967274")); // (u32) -EINVAL: see HardenChild

  /** The same calls as root before apply(): pivot_root too reaches its arguments. */
  private static final Map<String, String> ROOT_ERRNO;

  static {
    java.util.HashMap<String, String> root = new java.util.HashMap<>(KERNEL_ERRNO);
    root.put("pivot_root", "ENOENT");
    ROOT_ERRNO = Map.copyOf(root);
  }

  private java.nio.file.Path jail;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("deny");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
  }

  private static String probe(ChildJvm child, String call, String where) {
    String value = child.probes().get("sys-" + call + "-" + where);
    assertNotNull(value, "no probe for " + call + " on " + where + ":\n" + child.output());
    return value;
  }

  /** "-1 ERRNO" for an errno name; a number is a result the kernel returned as such. */
  private static String kernelAnswer(String expected) {
    return expected.matches("[0-9]+") ? expected : "-1 " + expected;
  }

  private static void assertRootBaseline(ChildJvm child) {
    for (String call : PROBED) {
      assertEquals(kernelAnswer(ROOT_ERRNO.get(call)), probe(child, call, "root"), call + " as root before apply():\n" + child.output());
    }
  }

  // Both runs turn the baseline filter off (--no-baseline): it refuses most of these calls too,
  // so with it on, the first run could not tell the deny list's EPERM from the baseline's, and
  // the second would not reach the kernel.
  @Test
  void everyDeniedCallFailsWithEpermInTheCallerAnOlderThreadAndANewerThread() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.HardenChild", jail.toString(), "65534", "65534", "--no-baseline", "--deny", "--syscalls")) {
      child.await("READY", Duration.ofSeconds(60));
      assertRootBaseline(child);
      for (String where : THREADS) {
        for (String call : PROBED) {
          String expected = call.equals("clone3") ? "-1 ENOSYS" : "-1 EPERM"; // clone3's flags are behind a pointer: ENOSYS makes glibc fall back to clone
          assertEquals(expected, probe(child, call, where), call + " from the " + where + " thread, deny list on:\n" + child.output());
        }
      }
      ProcView.threads(child.pid()).values().forEach(s -> assertEquals("2", s.get("Seccomp"), child.output()));
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }

  @Test
  void withoutTheDenyListTheSameCallsReachTheKernelAndFailForItsOwnReasons() throws Exception {
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.HardenChild", jail.toString(), "65534", "65534", "--no-baseline", "--syscalls")) {
      child.await("READY", Duration.ofSeconds(60));
      assertRootBaseline(child);
      for (String where : THREADS) {
        for (String call : PROBED) {
          String got = probe(child, call, where);
          assertEquals(kernelAnswer(KERNEL_ERRNO.get(call)), got, call + " from the " + where + " thread, no deny list:\n" + child.output());
          if (!call.equals("pivot_root")) {
            assertNotEquals("-1 EPERM", got, call);
            assertNotEquals("-1 ENOSYS", got, call);
          }
        }
      }
      child.send("exit");
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child.output());
    }
  }
}
