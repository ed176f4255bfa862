package dev.confine.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Capability;
import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.JvmFacility;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfineOnListenTest {
  @Test
  void thePropertiesBecomeThePolicyTheBuilderWouldMake() {
    ConfineProperties p = new ConfineProperties();
    p.setRoot("/srv/app/jail");
    p.setUser("app");
    p.setGroup(990L);
    p.setSupplementaryGroups(List.of(44L));
    p.setAllowWritable(List.of("var/spool"));
    p.setAllowDeviceNodes(List.of("dev/null"));
    p.setKeepCapabilities(List.of("cap_net_bind_service"));
    p.setDenySyscalls(List.of("default"));
    p.setDenyExec(true);
    p.setSyslogIdent("app");
    p.setPrepare(List.of("network", "tls"));
    ConfinementPolicy policy = ConfineOnListen.policy(p);
    assertEquals("app", policy.userName().orElseThrow());
    assertEquals(990, policy.gid().getAsLong());
    assertEquals(List.of(44L), policy.supplementaryGroups());
    assertEquals(List.of("var/spool"), policy.allowedWritable());
    assertEquals(List.of(Capability.NET_BIND_SERVICE), policy.keptCapabilities());
    assertTrue(policy.execDenied() && policy.deniedSyscalls().contains("ptrace"));
    assertTrue(policy.jvmFacilities().containsAll(List.of(JvmFacility.NETWORK, JvmFacility.TLS)));
  }

  @Test
  void theBaselineFilterLosesAnEntryOrIsTurnedOffByProperty() {
    ConfineProperties p = new ConfineProperties();
    p.setRoot("/srv/app/jail");
    p.setUser("app");
    assertTrue(ConfineOnListen.policy(p).baselineFilter(), "on by default");
    p.setAllowSyscalls(List.of("perf_event_open"));
    assertEquals(List.of("perf_event_open"), ConfineOnListen.policy(p).allowedSyscalls());
    p.setAllowSyscalls(List.of());
    p.setBaselineFilter(false);
    assertFalse(ConfineOnListen.policy(p).baselineFilter());
  }

  @Test
  void aPropertyThatMakesNoPolicyIsRefusedNamingIt() {
    ConfineProperties p = new ConfineProperties();
    p.setRoot("/srv/app/jail");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfineOnListen.policy(p)).getMessage().contains("confine.user is missing"));
    p.setUser("0");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfineOnListen.policy(p)).getMessage().contains("must not be 0"));
    p.setUser("app");
    p.setRoot("relative");
    assertThrows(IllegalArgumentException.class, () -> ConfineOnListen.policy(p));
  }

  @Test
  void notConfinedByTheDeadlineTheJvmIsHaltedWith78() throws Exception {
    java.util.concurrent.CompletableFuture<Integer> halted = new java.util.concurrent.CompletableFuture<>();
    ConfineOnListen waiting = new ConfineOnListen(Optional.of(Confinement.builder().root("/srv/app/jail").user("app").build()), 2, halted::complete);
    waiting.startDeadline(java.time.Duration.ofMillis(100));
    assertEquals(78, halted.get(10, java.util.concurrent.TimeUnit.SECONDS));
    // Control: a deadline not yet reached halts nothing.
    java.util.concurrent.CompletableFuture<Integer> early = new java.util.concurrent.CompletableFuture<>();
    ConfineOnListen patient = new ConfineOnListen(Optional.of(Confinement.builder().root("/srv/app/jail").user("app").build()), 2, early::complete);
    patient.startDeadline(java.time.Duration.ofSeconds(30));
    Thread.sleep(300);
    assertFalse(early.isDone());
  }

  @Test
  void healthIsDownWhileConfinementWasAskedForAndHasNotHappened() {
    ConfineOnListen asked = new ConfineOnListen(Optional.of(Confinement.builder().root("/srv/app/jail").user("app").build()), 1);
    assertTrue(asked.asked());
    assertFalse(asked.healthy(), "asked for, not done: DOWN");
    assertEquals(false, asked.details().get("confined"));
    ConfineOnListen notAsked = new ConfineOnListen(Optional.empty(), 0);
    assertTrue(notAsked.healthy(), "not asked for: nothing to be down about");
    assertEquals(false, notAsked.details().get("asked"));
  }

  /**
   * How many servers to wait for is Boot's decision, read from the context: a management server
   * of its own exists exactly when Actuator defined its ChildManagementContextInitializer.
   */
  @Test
  void aManagementServerOfItsOwnIsReadFromTheContextNotFromAProperty() throws Exception {
    ClassLoader loader = ConfineOnListenTest.class.getClassLoader();
    try (org.springframework.context.support.GenericApplicationContext plain = new org.springframework.context.support.GenericApplicationContext()) {
      // A management port in the properties and no Actuator: Boot makes no management server.
      plain.getEnvironment().getPropertySources().addFirst(
          new org.springframework.core.env.MapPropertySource("args", java.util.Map.of("management.server.port", "18093")));
      plain.refresh();
      assertFalse(ConfineOnListen.managementServerOfItsOwn(plain, loader), "a port in the properties is not a server");
    }
    // Actuator with a port of its own defines its ChildManagementContextInitializer (read, not made, here).
    org.springframework.beans.factory.support.DefaultListableBeanFactory actuator = new org.springframework.beans.factory.support.DefaultListableBeanFactory();
    actuator.registerBeanDefinition("childManagementContextInitializer", new org.springframework.beans.factory.support.RootBeanDefinition(
        Class.forName("org.springframework.boot.actuate.autoconfigure.web.server.ChildManagementContextInitializer")));
    assertTrue(ConfineOnListen.managementServerOfItsOwn(actuator, loader));
    assertFalse(ConfineOnListen.managementServerOfItsOwn(null, loader));
  }
}
