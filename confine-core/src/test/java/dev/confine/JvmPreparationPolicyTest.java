package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.testing.FakeKernel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JvmPreparationPolicyTest {
  private static ConfinementPolicy.Builder valid() {
    return Confinement.builder().root(Path.of("/srv/jail")).user(65534);
  }

  @Test
  void defaultReadiesWhatANetworkServerNeedsAndOpensTheJars() {
    ConfinementPolicy policy = valid().build();
    assertEquals(
        EnumSet.of(JvmFacility.SECURITY, JvmFacility.SECURE_RANDOM, JvmFacility.NETWORK, JvmFacility.ZIP,
            JvmFacility.TIME_ZONES, JvmFacility.LOGGING, JvmFacility.TLS, JvmFacility.MANAGEMENT),
        policy.jvmFacilities());
    assertTrue(policy.opensAllJars());
    assertFalse(policy.preloadsDirectoryClasses());
    assertEquals(Map.of(), policy.beforeChrootHooks());
    assertThrows(UnsupportedOperationException.class, () -> policy.jvmFacilities().add(JvmFacility.LOCALES));
  }

  @Test
  void prepareReplacesTheDefaultAndPrepareNothingClearsAll() {
    ConfinementPolicy some = valid().prepare(JvmFacility.NETWORK, JvmFacility.TIME_ZONES).build();
    assertEquals(EnumSet.of(JvmFacility.NETWORK, JvmFacility.TIME_ZONES), some.jvmFacilities());
    assertNotEquals(valid().build(), some);
    assertEquals(some, some.toBuilder().build());
    assertTrue(some.toString().contains("prepare=[NETWORK, TIME_ZONES]"), some.toString());

    ConfinementPolicy none = valid().preloadDirectoryClasses().prepareNothing().build();
    assertEquals(Set.of(), none.jvmFacilities());
    assertFalse(none.opensAllJars());
    assertFalse(none.preloadsDirectoryClasses());
    assertTrue(none.toString().contains("prepare=[], openAllJars=false"), none.toString());
  }

  @Test
  void prepareJvmReadiesTheFacilitiesEarlyButLeavesTheHooksToApply() {
    java.util.concurrent.atomic.AtomicInteger hookRuns = new java.util.concurrent.atomic.AtomicInteger();
    ConfinementPolicy policy = valid()
        .prepare(JvmFacility.TIME_ZONES, JvmFacility.LOCALES)
        .beforeChroot("count", hookRuns::incrementAndGet)
        .build();
    policy.prepareJvm();
    policy.prepareJvm(); // again, as a warm-up thread and apply() may: nothing breaks
    assertEquals(0, hookRuns.get(), "a before-chroot hook runs once, in apply(), never early");
  }

  @Test
  void refusesBadChoicesAtOnce() {
    ConfinementPolicy.Builder b = valid();
    // At least one facility is in the signature now: prepare() with none does not compile.
    assertThrows(NullPointerException.class, () -> b.prepare(null));
    assertThrows(NullPointerException.class, () -> b.prepare(JvmFacility.TLS, (JvmFacility[]) null));
    assertThrows(NullPointerException.class, () -> b.prepare(JvmFacility.TLS, (JvmFacility) null));
    Runnable hook = () -> {};
    assertThrows(NullPointerException.class, () -> b.beforeChroot("keys", null));
    assertThrows(IllegalArgumentException.class, () -> b.beforeChroot(" ", hook));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.beforeChroot("tls", hook)).getMessage().contains("TLS"));
    assertThrows(IllegalArgumentException.class, () -> b.beforeChroot("classpath-jars", hook));
    b.beforeChroot("keys", hook);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.beforeChroot("keys", hook)).getMessage().contains("twice"));
  }

  @Test
  void hooksAreKeptInOrderAndComparedByIdentity() {
    Runnable first = () -> {};
    Runnable second = () -> {};
    ConfinementPolicy policy = valid().beforeChroot("keys", first).beforeChroot("cache", second).build();
    assertEquals(List.of("keys", "cache"), List.copyOf(policy.beforeChrootHooks().keySet()));
    assertEquals(policy, policy.toBuilder().build());
    assertNotEquals(policy, valid().beforeChroot("keys", second).beforeChroot("cache", first).build());
    assertTrue(policy.toString().endsWith("beforeChroot=[keys, cache]}"), policy.toString());
  }

  @Test
  void theFakeNamesThePreparationsItWouldRunWithNoTime() {
    FakeKernel kernel = new FakeKernel().directory("/srv/jail").directory("/etc").user("nobody", 65534, 65534);
    ConfinementPolicy policy =
        valid().prepare(JvmFacility.TIME_ZONES).preloadDirectoryClasses().beforeChroot("keys", () -> {}).build();
    Map<String, Duration> prepared = kernel.apply(policy).preparations();
    assertEquals(List.of("classpath-jars", "classpath-directories", "security", "timezones", "keys"), List.copyOf(prepared.keySet()));
    assertTrue(prepared.values().stream().allMatch(Duration.ZERO::equals), prepared.toString());
  }
}
