package dev.confine.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the confinement of this application, unless {@code confine.enabled=false}, and a
 * gate holding any request that arrives before it is done (on the management server too:
 * {@link ConfineManagementContextConfiguration}); with Actuator, an info
 * contribution and a health indicator ("confine": DOWN while confinement was
 * asked for and has not happened).
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "confine", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ConfineProperties.class)
public class ConfineAutoConfiguration {
  @Bean
  ConfineOnListen confineOnListen(ConfineProperties properties, org.springframework.core.env.Environment environment) {
    return new ConfineOnListen(properties, environment);
  }

  /** Servlet stacks (Tomcat, Jetty): requests held until confined. Only where confinement is asked for. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "confine", name = "root")
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "jakarta.servlet.Filter")
  static class ServletGateConfiguration {
    @Bean
    jakarta.servlet.Filter confineGate(ConfineOnListen confine) {
      return new ServletGate(confine);
    }
  }

  /** WebFlux (Netty and the others): requests held until confined, off the event loop. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "confine", name = "root")
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(name = {"org.springframework.web.server.WebFilter", "reactor.core.publisher.Mono"})
  static class ReactiveGateConfiguration {
    @Bean
    org.springframework.web.server.WebFilter confineGate(ConfineOnListen confine) {
      return new ReactiveGate(confine);
    }
  }

  /** /actuator/info: what confinement did (Boot 3.5 and 4.0 share this contributor). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.info.InfoContributor")
  static class InfoConfiguration {
    @Bean
    org.springframework.boot.actuate.info.InfoContributor confineInfoContributor(ConfineOnListen confine) {
      return builder -> builder.withDetail("confine", confine.details());
    }
  }

  /** /actuator/health, Boot 3.5. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  static class Boot3HealthConfiguration {
    @Bean
    org.springframework.boot.actuate.health.HealthIndicator confineHealthIndicator(ConfineOnListen confine) {
      return () -> (confine.healthy() ? org.springframework.boot.actuate.health.Health.up() : org.springframework.boot.actuate.health.Health.down())
          .withDetails(confine.details()).build();
    }
  }

  /** /actuator/health, Boot 4.0 (spring-boot-health). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class Boot4HealthConfiguration {
    @Bean
    org.springframework.boot.health.contributor.HealthIndicator confineHealthIndicator(ConfineOnListen confine) {
      return () -> (confine.healthy() ? org.springframework.boot.health.contributor.Health.up() : org.springframework.boot.health.contributor.Health.down())
          .withDetails(confine.details()).build();
    }
  }
}
