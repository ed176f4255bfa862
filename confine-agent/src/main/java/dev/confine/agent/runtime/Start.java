package dev.confine.agent.runtime;

import java.lang.instrument.Instrumentation;
import java.util.function.BiConsumer;

/**
 * The runtime's entry point as {@code ConfineAgent} reaches it across the two class loaders
 * without reflection: initializing this class puts an instance under {@code
 * dev.confine.agent.start} in the system properties, which {@code ConfineAgent} takes out and
 * calls with premain's arguments. A class, not a lambda: no method handle is spun before main.
 */
public final class Start implements BiConsumer<String, Instrumentation> {
  static {
    System.getProperties().put("dev.confine.agent.start", new Start());
  }

  private Start() {}

  @Override
  public void accept(String arguments, Instrumentation instrumentation) {
    Premain.start(arguments, instrumentation);
  }
}
