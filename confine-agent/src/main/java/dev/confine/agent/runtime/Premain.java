package dev.confine.agent.runtime;

import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * premain (or agentmain) with at=listen, the default: what must precede the server's main and
 * nothing else, in as few classes as it can, since each class the agent loads before main costs
 * it a few tenths of a millisecond (read from the jar, defined, verified, with the classes its
 * verification names): the options (a bad one stops the JVM before main), the Quarkus fast-jar
 * refusal, JarUrlCache's transformer and the gate's (so that no class the application loads
 * escapes them), the "armed" line, and the agent's thread started. {@link AgentRuntime}, with
 * everything else, is loaded by that thread (or by the gate, at a listen). at=main does all of it
 * in premain, in AgentRuntime.
 *
 * <p>One instance is both the agent's thread and the gate's action: one class, not two. The
 * thread starts first, before the options are parsed (unless they may say at=main), and loads the
 * classes premain goes on to need while premain parses the options: on two idle cores the two
 * halves of premain overlap. It waits for the options before it checks anything.
 */
final class Premain implements Runnable, Consumer<InetSocketAddress> {
  /**
   * What the agent's thread loads while premain parses the options, in the order premain needs
   * them last (so that the two threads rarely wait for the same class): the transformers' and the
   * gate's classes, the policy's, then the agent's thread's own. confine's are initialized, so
   * linked and verified too: their initializers set constants, and Confinement's installs
   * confine's internal accessor, as their first use would. PremainTest checks that each name exists.
   */
  static final String[] AHEAD = {
    "dev.confine.agent.runtime.JarUrlCache", "dev.confine.agent.runtime.ListenGate", "java.util.function.ObjIntConsumer",
    "java.nio.channels.ServerSocketChannel", "java.net.SocketImpl", "dev.confine.internal.PolicyView", "dev.confine.ConfinementPolicy",
    "dev.confine.Capability", "dev.confine.JvmFacility", "dev.confine.FailureMode", "dev.confine.SyslogFacility",
    "dev.confine.ConfinementPolicy$Builder", "dev.confine.Confinement", "dev.confine.agent.runtime.AgentRuntime",
  };

  private final Instrumentation instrumentation;
  private final PrintStream err;
  /** Handed over by premain (under this object's lock) once the transformers and the gate are in place. */
  private AgentOptions options;
  private boolean jarUrlCache;
  private boolean handed;

  private Premain(Instrumentation instrumentation, PrintStream err) {
    this.instrumentation = instrumentation;
    this.err = err;
  }

  /** Called from premain (or agentmain) with the agent's argument string and its Instrumentation. */
  static void start(String arguments, Instrumentation instrumentation) {
    PrintStream err = System.err;
    Premain agent = new Premain(instrumentation, err);
    // Not a lambda, here or for the gate: each lambda's first evaluation spins a class, before main.
    Thread waiter = new Thread(agent, "confine-agent");
    waiter.setDaemon(true);
    // Started now unless the options may say at=main (which starts no thread: all in premain) or
    // are in a file (not read yet); its checks wait for the options in any case.
    boolean early = arguments != null && !arguments.startsWith("@") && !arguments.contains("main");
    if (early) {
      waiter.start();
    }
    AgentOptions options;
    try {
      options = AgentOptions.parse(arguments);
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      stop(err, "bad option: " + e.getMessage());
      return;
    }
    if (options.at == AgentOptions.At.MAIN) {
      AgentRuntime.atMain(options, instrumentation, err);
      return;
    }
    // Only a class path naming a quarkus-run.jar can be refused (ReopenedJars looks at no other
    // jar): any other loads nothing for it.
    String classPath = System.getProperty("java.class.path");
    if (classPath != null && classPath.contains(ReopenedJars.QUARKUS_RUN_JAR)) {
      AgentRuntime.checkJars(options, err);
    }
    // Jersey and the JDK's ServiceLoader read META-INF/services through uncached jar: URLs, which
    // reopen the jar by path after chroot: made cached, and confine() holds the class path's jars
    // in that cache. Registered before main, so that every class the application loads passes it;
    // the JDK's lookup loaded before (the check's slf4j loads it) is rewritten on the agent's
    // thread (warmUp, or confine), so ASM is not loaded in premain.
    boolean jarUrlCache = !Boolean.getBoolean("confine.agent.noJarUrlCache"); // off only to show what it prevents
    if (jarUrlCache) {
      JarUrlCache.register(instrumentation);
    }
    boolean gated = false;
    if (!Boolean.getBoolean("confine.agent.noGate")) { // off only to show what the gate prevents
      try {
        // The thread that makes the first listed port listen confines, and keeps binding low
        // ports (a server's other connectors, bound on the same thread, still bind after).
        ListenGate.install(instrumentation, options.listen, agent);
        gated = true;
      } catch (Exception | LinkageError e) {
        err.println("confine-agent: cannot gate the JDK's listen (" + e + "): confining once the ports listen, as root until then");
      }
    }
    // Said at start, not discovered later: which listens the gate covers, and what is left.
    err.println("confine-agent: armed: confining to " + options.policy.root() + (gated ? " right before " : " as soon as ") + options.listen
        + " listen" + " (timeout " + options.timeout.toSeconds() + " s)"
        + (gated ? "; gated: the JDK's listen and Netty's native Socket.listen; a server calling listen(2) any other way is confined"
            + " once the kernel shows it listening, and may answer as root until then (at=main covers it)" : ""));
    agent.hand(options, jarUrlCache);
    if (!early) {
      waiter.start();
    }
  }

  private synchronized void hand(AgentOptions options, boolean jarUrlCache) {
    this.options = options;
    this.jarUrlCache = jarUrlCache;
    handed = true;
    notifyAll();
  }

  private synchronized void awaitHanded() {
    boolean interrupted = false;
    while (!handed) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true; // nothing interrupts this thread but someone else's bug: wait on, and say so after
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The agent's thread: the checks, then the wait for the ports (AgentRuntime.beside). */
  @Override
  public void run() {
    try {
      ClassLoader loader = Premain.class.getClassLoader();
      for (String name : AHEAD) {
        try {
          Class.forName(name, !name.startsWith("java."), loader);
        } catch (ClassNotFoundException e) {
          // a name out of date costs only the head start: premain loads what it needs itself
        }
      }
      awaitHanded();
      AgentRuntime.beside(options, instrumentation, jarUrlCache, err);
    } catch (RuntimeException | Error e) { // AgentRuntime not loaded, say: the gate would wait for a verdict forever
      stop(err, "the agent's thread failed: " + e);
    }
  }

  /** The gate's action, on the server's thread right before the first listed port's listen(2). */
  @Override
  public void accept(InetSocketAddress address) {
    AgentRuntime.confineAtListen(address, err);
  }

  /**
   * As AgentRuntime's stop (a bad option must not load the rest of the agent to say so): says
   * why, then ends the JVM at once.
   */
  private static void stop(PrintStream err, String why) {
    err.println("confine-agent: " + why);
    err.println("confine-agent: stopping the JVM (status " + AgentRuntime.NOT_CONFINED + "): a server asked to be confined does not run unconfined");
    err.flush();
    Runtime.getRuntime().halt(AgentRuntime.NOT_CONFINED);
  }
}
