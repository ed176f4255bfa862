package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.internal.PolicyView;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ConfinementPolicyTest {
  private static ConfinementPolicy.Builder valid() {
    return Confinement.builder().root(Path.of("/srv/jail")).user(65534);
  }

  @Test
  void buildsAnImmutableValueWithDefaults() {
    ConfinementPolicy policy = valid().build();
    assertEquals(Path.of("/srv/jail"), policy.root());
    assertEquals(65534, policy.uid().getAsLong());
    assertTrue(policy.gid().isEmpty());
    assertEquals(List.of(), policy.supplementaryGroups());
    assertEquals(FailureMode.HALT, policy.failureMode());
    assertTrue(policy.syslogIdent().isEmpty());
    assertEquals(policy, valid().build());
    assertNotEquals(policy, valid().group(100).build());
    assertEquals(policy, policy.toBuilder().build());
  }

  /**
   * The policy hands its values to the internals as a PolicyView built positionally (a record's
   * constructor): two components of one type swapped there (six are lists of strings, eight are
   * booleans) would compile. Each builder call here must change exactly the components of its own
   * name, and every component must be reached by one of them.
   */
  @Test
  void eachBuilderCallReachesItsOwnComponentOfTheInternalsView() throws ReflectiveOperationException {
    Map<Set<String>, UnaryOperator<ConfinementPolicy.Builder>> calls = new LinkedHashMap<>();
    calls.put(Set.of("root"), b -> b.root("/srv/other"));
    calls.put(Set.of("uid", "userName"), b -> b.user("nobody"));
    calls.put(Set.of("gid"), b -> b.group(100));
    calls.put(Set.of("supplementaryGroups"), b -> b.supplementaryGroups(100));
    calls.put(Set.of("syslogIdent", "syslogFacility"), b -> b.openSyslogFirst("myd", SyslogFacility.LOCAL3));
    calls.put(Set.of("umask"), b -> b.umask(027));
    calls.put(Set.of("failureMode"), b -> b.onFailureAfterChroot(FailureMode.THROW));
    calls.put(Set.of("allowedWritable"), b -> b.allowWritable("var/spool"));
    calls.put(Set.of("allowedDeviceNodes"), b -> b.allowDeviceNodes("dev/null"));
    calls.put(Set.of("sharedUidAllowed"), b -> b.allowSharedUid());
    calls.put(Set.of("allowedOpenDirectories"), b -> b.allowOpenDirectory(7));
    calls.put(Set.of("jvmFacilities"), b -> b.prepare(JvmFacility.ZIP));
    calls.put(Set.of("opensAllJars"), b -> b.openAllJars(false));
    calls.put(Set.of("preloadsDirectoryClasses"), b -> b.preloadDirectoryClasses());
    calls.put(Set.of("beforeChrootHooks"), b -> b.beforeChroot("hook", () -> {}));
    calls.put(Set.of("keptCapabilities"), b -> b.keepCapabilities(Capability.NET_BIND_SERVICE));
    calls.put(Set.of("noNewPrivileges"), b -> b.allowNewPrivileges());
    calls.put(Set.of("deniedSyscalls"), b -> b.denySyscalls("keyctl"));
    calls.put(Set.of("allowedSetuidFiles"), b -> b.allowSetuidFiles("bin/ping"));
    calls.put(Set.of("allowedMounts"), b -> b.allowMounts("proc"));
    calls.put(Set.of("execDenied"), b -> b.denyExec());
    calls.put(Set.of("serviceNotification"), b -> b.noServiceNotification());
    calls.put(Set.of("baselineFilter"), b -> b.noBaselineFilter());
    calls.put(Set.of("allowedSyscalls"), b -> b.allowSyscalls("ptrace"));
    calls.put(Set.of("inheritedDescriptorsRefused"), b -> b.refuseInheritedDescriptors());
    PolicyView plain = valid().build().view();
    Set<String> reached = new TreeSet<>();
    for (Map.Entry<Set<String>, UnaryOperator<ConfinementPolicy.Builder>> call : calls.entrySet()) {
      ConfinementPolicy policy = call.getValue().apply(valid()).build();
      PolicyView changed = policy.view();
      Set<String> differing = new TreeSet<>();
      for (RecordComponent component : PolicyView.class.getRecordComponents()) {
        Object before = component.getAccessor().invoke(plain);
        Object after = component.getAccessor().invoke(changed);
        if (!before.equals(after)) {
          differing.add(component.getName());
        }
        assertEquals(after, ConfinementPolicy.class.getMethod(component.getName()).invoke(policy), "the accessor " + component.getName());
      }
      assertEquals(new TreeSet<>(call.getKey()), differing, "what " + call.getKey() + "'s builder call changed");
      reached.addAll(differing);
    }
    Set<String> all = new TreeSet<>();
    for (RecordComponent component : PolicyView.class.getRecordComponents()) {
      all.add(component.getName());
    }
    assertEquals(all, reached, "a component no builder call reaches");
  }

  @Test
  void toStringNamesEverything() {
    String text = valid().group(65534).openSyslogFirst("myd", SyslogFacility.LOCAL3).umask(027).build().toString();
    assertEquals(
        "ConfinementPolicy{root=/srv/jail, user=65534, group=65534, supplementaryGroups=[], syslog=myd/LOCAL3,"
            + " umask=0027, onFailureAfterChroot=HALT}",
        text);
  }

  @Test
  void supplementaryGroupsAreCopied() {
    long[] gids = {10, 20};
    ConfinementPolicy policy = valid().supplementaryGroups(gids).build();
    gids[0] = 99;
    assertEquals(List.of(10L, 20L), policy.supplementaryGroups());
    assertThrows(UnsupportedOperationException.class, () -> policy.supplementaryGroups().add(1L));
  }

  @Test
  void refusesBadRootsAtOnceNamingTheValue() {
    ConfinementPolicy.Builder b = Confinement.builder();
    assertThrows(NullPointerException.class, () -> b.root((Path) null));
    assertEquals("root must be an absolute path: jail",
        assertThrows(IllegalArgumentException.class, () -> b.root(Path.of("jail"))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.root(Path.of("/"))).getMessage().contains("confines nothing"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.root("/srv/../etc")).getMessage().contains("/srv/../etc"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.root("/srv/ja\0il")).getMessage().contains("NUL"));
  }

  @Test
  void refusesRootIdsAndOutOfRangeIds() {
    ConfinementPolicy.Builder b = Confinement.builder();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.user(0)).getMessage().contains("uid must not be 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.group(0)).getMessage().contains("gid must not be 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.user(-1)).getMessage().contains("-1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.user(4294967295L)).getMessage().contains("4294967295"));
    b.user(4294967294L);
    assertThrows(IllegalArgumentException.class, () -> b.supplementaryGroups(5, 0));
    assertThrows(IllegalArgumentException.class, () -> b.supplementaryGroups(5, 5));
    assertThrows(IllegalArgumentException.class, () -> b.supplementaryGroups(new long[65537]));
    assertThrows(IllegalArgumentException.class, () -> b.user("root"));
    assertThrows(IllegalArgumentException.class, () -> b.user(""));
    assertThrows(IllegalArgumentException.class, () -> b.user("a:b"));
  }

  @Test
  void refusesBadSyslogAndUmask() {
    ConfinementPolicy.Builder b = Confinement.builder();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.openSyslogFirst("my\0d", SyslogFacility.DAEMON))
        .getMessage().contains("NUL"));
    assertThrows(IllegalArgumentException.class, () -> b.openSyslogFirst("", SyslogFacility.DAEMON));
    assertThrows(NullPointerException.class, () -> b.openSyslogFirst("x", null));
    assertThrows(IllegalArgumentException.class, () -> b.umask(01000));
    assertThrows(IllegalArgumentException.class, () -> b.umask(-1));
  }

  @Test
  void buildNeedsRootAndUser() {
    assertTrue(assertThrows(IllegalStateException.class, () -> Confinement.builder().user(1).build()).getMessage().contains("root"));
    assertTrue(assertThrows(IllegalStateException.class, () -> Confinement.builder().root("/srv/j").build()).getMessage().contains("user"));
  }

  @Test
  void planListsTheStepsInOpenSshOrderWithoutRunningThem() {
    List<Step> plan = valid().group(65534).openSyslogFirst().umask(027).build().plan();
    assertEquals(
        List.of(
            "openlog(\"java\", 9, 24)",
            "umask(23)",
            "open(\"/dev/tty\", \"O_RDWR|O_NOCTTY|O_CLOEXEC\")",
            "open(\"/proc/self/task\", \"O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC\")",
            "open(\"/srv/jail\", \"O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC\")",
            "fchdir(<root fd>)",
            "chroot(\".\")",
            "chdir(\"/\")",
            "close(<root fd>)",
            "ioctl(<terminal fd>, TIOCNOTTY)",
            "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, <baseline: deny with EPERM: "
                + String.join(", ", dev.confine.internal.linux.SeccompFilter.BASELINE) + "; clone3 ENOSYS>)",
            "setgroups([])",
            "prctl(PR_CAPBSET_DROP, <every capability>)",
            "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)",
            "setresgid(65534, 65534, 65534)",
            "setresuid(65534, 65534, 65534)",
            "capset(0, 0, 0)",
            "prctl(PR_SET_DUMPABLE, 0)",
            "prctl(PR_SET_NO_NEW_PRIVS, 1)",
            "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, <allow all>)"),
        plan.stream().map(Step::call).collect(java.util.stream.Collectors.toList()));
    assertTrue(plan.stream().filter(Step::irreversible).findFirst().orElseThrow().syscall() == Syscall.CHROOT);
  }

  @Test
  void planShowsAUserNameUnresolved() {
    List<Step> plan = Confinement.builder().root("/srv/jail").user("www-data").build().plan();
    int setresuid = plan.stream().map(Step::syscall).collect(java.util.stream.Collectors.toList()).indexOf(Syscall.SETRESUID);
    assertEquals("setresuid(\"www-data\", \"www-data\", \"www-data\")", plan.get(setresuid).call());
    assertEquals("setresgid(<primary gid of www-data>, <primary gid of www-data>, <primary gid of www-data>)",
        plan.get(setresuid - 1).call());
  }
}
