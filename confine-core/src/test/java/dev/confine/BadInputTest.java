package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.testing.FakeKernel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every bad input of issue 8: a clear error at once (the builder) or before any system call that
 * changes state (apply() against the fake kernel, which records every call). The same inputs
 * against a real child JVM: BadInputIT.
 */
class BadInputTest {
  private static ConfinementPolicy.Builder builder() {
    return Confinement.builder();
  }

  private static String iae(Executable call) {
    return assertThrows(IllegalArgumentException.class, call).getMessage();
  }

  @Test
  void nullArguments() {
    assertEquals("root", assertThrows(NullPointerException.class, () -> builder().root((Path) null)).getMessage());
    assertEquals("root", assertThrows(NullPointerException.class, () -> builder().root((String) null)).getMessage());
    assertEquals("name", assertThrows(NullPointerException.class, () -> builder().user((String) null)).getMessage());
    assertEquals("gids", assertThrows(NullPointerException.class, () -> builder().supplementaryGroups((long[]) null)).getMessage());
    assertEquals("ident", assertThrows(NullPointerException.class, () -> builder().openSyslogFirst(null, SyslogFacility.DAEMON)).getMessage());
    assertEquals("mode", assertThrows(NullPointerException.class, () -> builder().onFailureAfterChroot(null)).getMessage());
  }

  @Test
  void relativeSlashAndDottedRoots() {
    assertEquals("root must be an absolute path: jail", iae(() -> builder().root("jail")));
    assertEquals("root must be an absolute path: ./jail", iae(() -> builder().root("./jail")));
    assertEquals("root must be an absolute path: ", iae(() -> builder().root("")));
    assertTrue(iae(() -> builder().root("/")).contains("confines nothing"));
    assertTrue(iae(() -> builder().root("/srv/jail/..")).contains("'.' or '..'"));
    assertTrue(iae(() -> builder().root("/srv/ja\0il")).contains("NUL"));
  }

  @Test
  void idsOutOfRange() {
    assertEquals("uid must not be 0: confining to root keeps root", iae(() -> builder().user(0)));
    assertEquals("gid must not be 0: confining to root keeps root", iae(() -> builder().group(0)));
    assertEquals("uid must be between 1 and 4294967294: -1", iae(() -> builder().user(-1)));
    assertEquals("gid must be between 1 and 4294967294: -5", iae(() -> builder().group(-5)));
    assertEquals("uid must be between 1 and 4294967294: 4294967295", iae(() -> builder().user(0xFFFF_FFFFL)));
    assertEquals("gid must be between 1 and 4294967294: 4294967296", iae(() -> builder().group(1L << 32)));
    assertEquals("user must not be root: confining to root keeps root", iae(() -> builder().user("root")));
    assertEquals("supplementary gid must not be 0: confining to root keeps root", iae(() -> builder().supplementaryGroups(5, 0)));
    assertTrue(iae(() -> builder().supplementaryGroups(7, 7)).contains("given twice"));
  }

  @Test
  void moreSupplementaryGroupsThanNgroupsMax() {
    long[] gids = new long[ConfinementPolicy.MAX_SUPPLEMENTARY_GROUPS + 1];
    for (int i = 0; i < gids.length; i++) {
      gids[i] = i + 1;
    }
    assertEquals("65537 supplementary groups is more than NGROUPS_MAX (65536)", iae(() -> builder().supplementaryGroups(gids)));
    long[] max = java.util.Arrays.copyOf(gids, ConfinementPolicy.MAX_SUPPLEMENTARY_GROUPS);
    assertEquals(65536, builder().root("/srv/jail").user(65534).supplementaryGroups(max).build().supplementaryGroups().size());
  }

  @Test
  void identsAndNamesWithNulBytes() {
    assertTrue(iae(() -> builder().openSyslogFirst("my\0d", SyslogFacility.DAEMON)).contains("NUL"));
    assertTrue(iae(() -> builder().openSyslogFirst("", SyslogFacility.DAEMON)).contains("1 to 64"));
    assertTrue(iae(() -> builder().user("no\0body")).contains("not a user name"));
    assertTrue(iae(() -> builder().user("a:b")).contains("not a user name"));
  }

  @Test
  void missingRootOrUserAtBuild() {
    assertTrue(assertThrows(IllegalStateException.class, () -> builder().user(65534).build()).getMessage().contains("root(...)"));
    assertTrue(assertThrows(IllegalStateException.class, () -> builder().root("/srv/jail").build()).getMessage().contains("user(...)"));
  }

  private static void assertNothingChanged(FakeKernel kernel) {
    assertEquals("/", kernel.root());
    assertEquals("/", kernel.workingDirectory());
    assertTrue(kernel.uids().equals(List.of(0L, 0L, 0L)) && kernel.gids().equals(List.of(0L, 0L, 0L)), kernel.toString());
    assertTrue(
        kernel.calls().stream().noneMatch(c -> c.matches("(open|fchdir|chroot|chdir|setgroups|setresgid|setresuid|umask|openlog)\\(.*")),
        "no state-changing call: " + kernel.calls());
  }

  @Test
  void rootsThatAreAFileMissingOrASymlinkChangeNothing() {
    FakeKernel kernel = new FakeKernel().file("/srv/file", 0, 0644).directory("/srv/jail").symlink("/srv/link", "/srv/jail");
    for (List<String> rootAndCode :
        List.of(List.of("/srv/file", "root-not-directory"), List.of("/srv/missing", "root-missing"), List.of("/srv/link", "root-symlink"))) {
      ConfinementPolicy policy = Confinement.builder().root(rootAndCode.get(0)).user(65534).group(65534).build();
      PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy));
      assertTrue(e.report().has(rootAndCode.get(1)), e.getMessage());
      assertNothingChanged(kernel);
    }
  }

  @Test
  void anUnknownUserNameChangesNothing() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail");
    ConfinementException e =
        assertThrows(ConfinementException.class, () -> kernel.apply(Confinement.builder().root("/srv/jail").user("nosuchuser").build()));
    assertTrue(e.getMessage().contains("nosuchuser"), e.getMessage());
    assertNothingChanged(kernel);
  }

  @Test
  void notRootChangesNothing() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").runningAs(1000, 1000);
    PreflightException e =
        assertThrows(PreflightException.class, () -> kernel.apply(Confinement.builder().root("/srv/jail").user(65534).group(65534).build()));
    assertEquals(List.of("not-root"), e.report().errors().stream().map(Finding::code).collect(java.util.stream.Collectors.toList()));
    assertEquals("/", kernel.root());
    assertEquals(List.of(1000L, 1000L, 1000L), kernel.uids());
  }
}
