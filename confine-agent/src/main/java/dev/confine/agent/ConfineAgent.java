package dev.confine.agent;

import java.lang.instrument.Instrumentation;
import java.security.CodeSource;

/**
 * {@code java -javaagent:confine-agent.jar=root=/srv/jail,user=nobody,listen=8080 -jar server.jar}:
 * confines an unmodified server once its ports listen. This class is all the agent puts on the
 * application's class path. confine and what it needs (jffi, slf4j-api with its
 * no-op provider) live under {@code confine-runtime/} in this jar and are loaded by a class loader
 * of their own, whose parent is the platform loader: an application with its own slf4j, jffi or
 * confine, in any version, never sees them, nor they it. jffi cannot be relocated (its native
 * stub binds to its package names), so it is isolated instead.
 */
public final class ConfineAgent {
  /** Where the runtime's {@code Start} leaves its entry point; taken out at once. */
  private static final String START_KEY = "dev.confine.agent.start";

  private ConfineAgent() {}

  /** -javaagent: runs before the application's main. */
  public static void premain(String arguments, Instrumentation instrumentation) {
    start(arguments, instrumentation);
  }

  /** Launcher-Agent-Class of an application's own executable jar, and a late attach. */
  public static void agentmain(String arguments, Instrumentation instrumentation) {
    start(arguments, instrumentation);
  }

  private static void start(String arguments, Instrumentation instrumentation) {
    try {
      CodeSource source = ConfineAgent.class.getProtectionDomain().getCodeSource();
      java.net.URL location = source.getLocation();
      // The jar's file from its URL without parsing a URI (0.5 to 1 ms of premain) unless the
      // URL escapes a character (a space, say), which only the URI decodes.
      java.io.File jar = location.getProtocol().equals("file") && location.getPath().indexOf('%') < 0
          ? new java.io.File(location.getPath()) : java.nio.file.Path.of(location.toURI()).toFile();
      ClassLoader loader = new RuntimeLoader(new java.util.jar.JarFile(jar), location, ClassLoader.getPlatformClassLoader());
      // No reflection: from Java 18 on each Method.invoke of a new method spins method handles.
      // Initializing the runtime's Start class leaves its entry point, a JDK type, in the system
      // properties, the one place both class loaders see.
      Class.forName("dev.confine.agent.runtime.Start", true, loader);
      @SuppressWarnings("unchecked")
      java.util.function.BiConsumer<String, Instrumentation> start =
          (java.util.function.BiConsumer<String, Instrumentation>) System.getProperties().remove(START_KEY);
      if (start == null) {
        throw new IllegalStateException("dev.confine.agent.runtime.Start left no entry point under " + START_KEY);
      }
      start.accept(arguments, instrumentation);
    } catch (ReflectiveOperationException | java.net.URISyntaxException | java.io.IOException | RuntimeException e) {
      System.err.println("confine-agent: cannot start: " + e);
      System.err.println("confine-agent: stopping the JVM (status 78): a server asked to be confined does not run unconfined");
      System.err.flush();
      Runtime.getRuntime().halt(78);
    }
  }
}
