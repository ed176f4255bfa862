package dev.confine.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** Registers the confinement of this application, unless {@code confine.enabled=false}. */
@AutoConfiguration
@ConditionalOnProperty(prefix = "confine", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ConfineProperties.class)
public class ConfineAutoConfiguration {
  @Bean
  ConfineOnListen confineOnListen(ConfineProperties properties, Environment environment) {
    return new ConfineOnListen(properties, environment);
  }
}
