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
  /** An environment holding these properties, as Boot's would from application.properties. */
  private static org.springframework.core.env.StandardEnvironment environment(String... keyValues) {
    java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put(keyValues[i], keyValues[i + 1]);
    }
    org.springframework.core.env.StandardEnvironment environment = new org.springframework.core.env.StandardEnvironment();
    environment.getPropertySources().addFirst(new org.springframework.core.env.MapPropertySource("application", map));
    return environment;
  }

  @Test
  void thePropertiesBecomeThePolicyTheBuilderWouldMake() {
    ConfinementPolicy policy = ConfineOnListen.policy(environment(
        "confine.root", "/srv/app/jail", "confine.user", "app", "confine.group", "990", "confine.groups", "44",
        "confine.allow-writable", "var/spool", "confine.allowDevice[0]", "dev/null", "confine.keep-capabilities", "cap_net_bind_service",
        "confine.deny-syscalls", "default", "confine.deny-exec", "true", "confine.syslog", "app", "confine.prepare", "network,tls",
        "confine.listen-timeout", "10s"));
    ConfinementPolicy built = Confinement.builder().root("/srv/app/jail").user("app").group(990).supplementaryGroups(44)
        .allowWritable("var/spool").allowDeviceNodes("dev/null").keepCapabilities(Capability.NET_BIND_SERVICE).denySyscalls().denyExec()
        .openSyslogFirst("app", dev.confine.SyslogFacility.DAEMON).prepare(JvmFacility.NETWORK, JvmFacility.TLS).build();
    assertEquals(built, policy, "the same policy as the builder's, and as the agent's keys make (PolicyOptionsTest)");
  }

  @Test
  void theBaselineFilterLosesAnEntryOrIsTurnedOffByProperty() {
    assertTrue(ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "app")).baselineFilter(), "on by default");
    assertEquals(List.of("perf_event_open"),
        ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "app", "confine.allow-syscalls", "perf_event_open"))
            .allowedSyscalls());
    assertFalse(ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "app", "confine.no-baseline-filter", "true"))
        .baselineFilter());
  }

  @Test
  void aPropertyThatMakesNoPolicyIsRefusedNamingIt() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfineOnListen.policy(environment("confine.root", "/srv/app/jail")))
        .getMessage().startsWith("confine.user is missing"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "0"))).getMessage().contains("must not be 0"));
    assertThrows(IllegalArgumentException.class, () -> ConfineOnListen.policy(environment("confine.root", "relative", "confine.user", "app")));
    // A misspelt key: refused, with the nearest one, spelt as a property.
    IllegalArgumentException misspelt = assertThrows(IllegalArgumentException.class,
        () -> ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "app", "confine.allow-writeable", "var/x")));
    assertEquals("unknown property confine.allow-writeable (value \"var/x\"); did you mean confine.allow-writable?", misspelt.getMessage());
    // A key of earlier versions names the new one.
    assertEquals("confine.syslog-ident is now confine.syslog (the key the agent and the doctor take too)", assertThrows(IllegalArgumentException.class,
        () -> ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "app", "confine.syslogIdent", "app"))).getMessage());
    // Switches of the starter's and the agent's own (-Dconfine.spring.noGate, -Dconfine.agent.verbose) are no policy keys.
    ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "app", "confine.spring.noGate", "true",
        "confine.agent.verbose", "true"));
    // The starter's own keys are known.
    ConfineOnListen.policy(environment("confine.root", "/srv/app/jail", "confine.user", "app", "confine.enabled", "true"));
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

  /** The IDE's completion for the policy's keys: every PolicyOptions key, and nothing else, in the metadata the jar carries. */
  @Test
  void theMetadataForTheIdeListsEveryPolicyKey() throws Exception {
    String json;
    try (java.io.InputStream in = ConfineOnListenTest.class.getResourceAsStream("/META-INF/additional-spring-configuration-metadata.json")) {
      json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    java.util.List<String> names = new java.util.ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"name\": \"confine\\.([a-z-]+)\"").matcher(json);
    while (m.find()) {
      names.add(m.group(1));
    }
    assertEquals(dev.confine.PolicyOptions.all().stream().map(dev.confine.PolicyOptions.Option::key).collect(java.util.stream.Collectors.toList()), names,
        "regenerate META-INF/additional-spring-configuration-metadata.json from PolicyOptions");
    for (dev.confine.PolicyOptions.Option option : dev.confine.PolicyOptions.all()) {
      assertTrue(json.contains(option.description()), option.key());
    }
  }
}
