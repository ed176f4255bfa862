package dev.confine.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's own {@code confine.*} settings. The policy's keys ({@code confine.root},
 * {@code confine.user}, {@code confine.allow-writable}, ...) are not repeated here: they are
 * confine's one vocabulary, declared once in {@code dev.confine.PolicyOptions} and bound from the
 * Environment by {@link ConfineOnListen#policy}, the same keys the agent and the doctor take.
 * Without {@code confine.root} the application runs unconfined (one INFO line says so): the same
 * jar runs on a developer's laptop.
 */
@ConfigurationProperties(prefix = "confine")
public class ConfineProperties {
  /** Whether to confine at all (default true; with no root set, nothing happens either). */
  private boolean enabled = true;
  /** How long after the starter is created the application may run unconfined; past it, a halt with 78. */
  private java.time.Duration listenTimeout = java.time.Duration.ofSeconds(30);

  public java.time.Duration getListenTimeout() { return listenTimeout; }
  public void setListenTimeout(java.time.Duration timeout) { this.listenTimeout = timeout; }
  public boolean isEnabled() { return enabled; }
  public void setEnabled(boolean enabled) { this.enabled = enabled; }
}
