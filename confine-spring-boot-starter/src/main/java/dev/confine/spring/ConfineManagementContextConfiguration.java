package dev.confine.spring;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The gate on the management server, where Actuator runs one on a port of its own. That server
 * lives in a child context of its own, and a servlet Filter of the main context never reaches it:
 * Boot adds to each server only the filters of its own context. Actuator builds that child
 * context from the classes listed under {@code ManagementContextConfiguration} (the same annotation
 * and imports file in Boot 3.5 and 4.0), so the gate is there by construction whenever the
 * server is: no guess from the properties.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "confine", name = "root")
class ConfineManagementContextConfiguration {
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "jakarta.servlet.Filter")
  static class ServletGateConfiguration {
    @Bean
    jakarta.servlet.Filter confineManagementGate(ConfineOnListen confine) {
      return new ServletGate(confine);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(name = {"org.springframework.web.server.WebFilter", "reactor.core.publisher.Mono"})
  static class ReactiveGateConfiguration {
    @Bean
    org.springframework.web.server.WebFilter confineManagementGate(ConfineOnListen confine) {
      return new ReactiveGate(confine);
    }
  }
}
