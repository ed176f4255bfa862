package dev.confine.agent.runtime;

import dev.confine.ConfinementException;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.PreflightReport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The agent itself, loaded in its own class loader (see {@code ConfineAgent}): with the options
 * parsed in premain ({@link Premain}; at=main: {@link #atMain}), check the jail while the server
 * starts, wait for every listed port to listen in this process, then apply(), from its own
 * thread. Nothing irreversible happens before the ports listen. It fails closed: a bad option
 * stops the JVM before the server's main runs, a refused check before any listed port listens
 * (at=main: before main); a port that never listens, or an apply() that fails before chroot,
 * halts the JVM with {@link #NOT_CONFINED}; past chroot the library halts it (71). A server that
 * was asked to be confined never goes on serving unconfined.
 */
public final class AgentRuntime {
  /** The exit status when the agent stopped the JVM before confinement: BSD's EX_CONFIG. */
  public static final int NOT_CONFINED = 78;

  private static final long POLL_MILLIS = 5;
  /**
   * Once one listed port listens the server answers on it as root; the others must follow within
   * this long. Servers open their connectors one after another in the same start-up step
   * (Dropwizard's application and admin ports, Tomcat's HTTP and AJP): milliseconds apart.
   */
  static final long LISTEN_GAP_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);

  private AgentRuntime() {}

  /** The report once confined (by the gate or by the waiter): confinement happens once. */
  private static volatile ConfinementReport confined;
  /** The gate has begun to confine: from chroot on /proc is gone, and the waiter must stand aside. */
  private static volatile boolean gateConfining;
  /**
   * Held by the waiter for each piece of its own work (the warm-up, each look at /proc/self/fd and
   * /proc/self/net) and by the gate for apply(): the two never overlap. A look in flight holds
   * /proc/self/fd open, a directory outside the jail, and apply()'s preflight rightly refused it
   * as an escape route (seen with Tomcat, whose deploy gives the waiter seconds of looks).
   */
  private static final Object WAITER_WORK = new Object();
  /** Set once JarUrlCache's rewrite is registered: the JDK's lookup loaded before is rewritten off premain. */
  private static volatile java.lang.instrument.Instrumentation instrumentation;

  /**
   * The verdict of the checks that run off the path to main with at=listen (a listed port taken,
   * the jail's check()): counted down once they passed (a refusal halts the JVM instead).
   * The gate and the waiter wait for it before apply(), so nothing is confined into a jail that was
   * not checked, and no listed port listens before a refusal could stop the JVM.
   */
  private static final java.util.concurrent.CountDownLatch VERDICT = new java.util.concurrent.CountDownLatch(1);
  /**
   * The preflight's findings about a moment of the process rather than the jail: seen beside a
   * starting server (Tomcat's logs directory open; a thread being created), left to apply()'s.
   */
  private static final java.util.Set<String> PASSING_STATE = java.util.Set.of("open-directory-fd", "setxid-signal-blocked");
  /** The gate's policy, set before {@link #VERDICT} is counted down. */
  private static volatile dev.confine.ConfinementPolicy gatePolicy;

  /**
   * at=main, from premain (or agentmain): confined before the server's first instruction, every
   * check before it, on this thread. (at=listen: {@link Premain}, then {@link #beside} on the
   * agent's thread.)
   */
  static void atMain(AgentOptions options, java.lang.instrument.Instrumentation instrumentation, PrintStream err) {
    checkJail(options, instrumentation, err, false);
    checkJars(options, err);
    checkPorts(options, err);
    registerJarUrlCache(instrumentation);
    confineNow(options, err);
  }

  /**
   * at=listen, the agent's thread, started by {@link Premain} once its transformers and the gate
   * were in place: the checks (the jail's check() loads jffi and walks the jail: most of what the
   * agent used to add before main) while the server starts; the gate and the waiter wait for
   * their verdict before apply(), and a refusal halts the JVM before any listed port listens
   * (through the gate), though after the server's main began (at=main: before it). Then the
   * warm-up and the wait for the ports. {@code jarUrlCache}: whether premain registered
   * JarUrlCache's rewrite.
   */
  static void beside(AgentOptions options, java.lang.instrument.Instrumentation instrumentation, boolean jarUrlCache, PrintStream err) {
    try {
      if (jarUrlCache) {
        AgentRuntime.instrumentation = instrumentation; // before the verdict, which the gate awaits before confine()
      }
      checkPorts(options, err); // first: a server whose bind of a taken port fails may stop on its own
      checkJail(options, instrumentation, err, true);
      // The gate's policy (the same, keeping NET_BIND_SERVICE) built here, off premain and off
      // the server's listen, which waits for it.
      gatePolicy = options.policy.toBuilder().keepCapabilities(dev.confine.Capability.NET_BIND_SERVICE).build();
      VERDICT.countDown();
      waitThenConfine(options, err);
    } catch (RuntimeException | Error e) {
      stop(err, "the agent's thread failed: " + e);
    }
  }

  /**
   * The jail's check() (jffi, the preflight's walk of the jail: most of what the agent used to add
   * before main) and the JVM's deleteOnExit list opened: at=listen on the agent's thread while the
   * server starts, at=main in premain. A refusal halts the JVM with {@link #NOT_CONFINED}.
   */
  private static void checkJail(AgentOptions options, java.lang.instrument.Instrumentation instrumentation, PrintStream err, boolean besideTheServer) {
    // The jail and the identity: a refusal here costs the operator nothing but a failed start.
    PreflightReport check;
    try {
      check = options.policy.check();
    } catch (ConfinementException e) {
      stop(err, "cannot check the jail: " + e.getMessage());
      return;
    }
    List<Finding> errors = check.errors();
    if (besideTheServer) {
      // What a starting server holds for a moment (a directory open, a thread being created, which
      // blocks every signal until it runs) is not refused here, while it starts: apply()'s
      // preflight, at the gate before the listen, looks again and refuses what is still there.
      errors = errors.stream().filter(f -> !PASSING_STATE.contains(f.code())).collect(Collectors.toList());
    }
    if (!errors.isEmpty()) {
      stop(err, "the jail is refused:\n" + errors.stream().map(AgentRuntime::line).collect(Collectors.joining("\n")));
      return;
    }
    try {
      ExitDeletions.open(instrumentation);
    } catch (ReflectiveOperationException | RuntimeException e) {
      err.println("confine-agent: cannot read the JVM's deleteOnExit list (" + e + "): what it names stays behind outside the jail");
    }
  }

  /**
   * An application whose class loader reopens its jars by path after start (Quarkus's fast-jar):
   * confined in an empty jail it would hang, so it is refused before main, with the fixes. Cheap
   * enough for premain: only a jar named quarkus-run.jar is opened. A refusal halts the JVM.
   */
  static void checkJars(AgentOptions options, PrintStream err) {
    try {
      java.util.Optional<String> reopens = ReopenedJars.refusal(System.getProperty("java.class.path"),
          java.nio.file.Path.of(System.getProperty("user.dir")), options.policy.root());
      if (reopens.isPresent()) {
        stop(err, reopens.get());
      }
    } catch (java.io.IOException | RuntimeException e) {
      stop(err, "cannot tell whether the application reopens its jars after start: " + e);
    }
  }

  /**
   * A listed port another process already listens on: the server could never listen there. Said
   * at once, rather than after the server has started on its other ports. Not in premain with
   * at=listen: reading /proc/self/net/tcp and tcp6 costs 8 ms each of the kernel's time on this
   * host (it walks its socket tables, however few sockets there are). A refusal halts the JVM.
   */
  private static void checkPorts(AgentOptions options, PrintStream err) {
    try {
      Listening.Look look = Listening.look(options.listen);
      if (!look.taken.isEmpty()) {
        stop(err, "port(s) taken by another process, which this server cannot listen on: " + look.taken + "; the server is not confined");
      }
    } catch (java.io.IOException e) {
      stop(err, "cannot tell which ports listen (/proc/self/net/tcp): " + e);
    }
  }

  private static void registerJarUrlCache(java.lang.instrument.Instrumentation instrumentation) {
    if (!Boolean.getBoolean("confine.agent.noJarUrlCache")) { // off only to show what it prevents
      JarUrlCache.register(instrumentation);
      AgentRuntime.instrumentation = instrumentation;
    }
  }

  /** Waits for the checks' verdict: they passed when this returns (a refusal halted the JVM instead). */
  private static void awaitVerdict() {
    boolean interrupted = false;
    while (true) {
      try {
        VERDICT.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // the server's thread must not listen unchecked: wait on, and say so after
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The gate's confinement, on the server's thread right before its listen(2): nothing has been
   * accepted on the port yet. A failure halts: the listen must never happen as root.
   */
  static void confineAtListen(java.net.InetSocketAddress address, PrintStream err) {
    String sinceStart = sinceJvmStart();
    gateConfining = true;
    awaitVerdict(); // the checks may still run on the agent's thread: the listen waits for them
    dev.confine.ConfinementPolicy policy = gatePolicy;
    synchronized (WAITER_WORK) { // the waiter's look or warm-up in flight ends first; it then sees gateConfining and stops
      confine(policy, err, () -> "right before " + address + " listened, on thread \"" + Thread.currentThread().getName() + "\"" + sinceStart);
    }
  }

  /**
   * The one place the agent confines: apply(), then one line saying when ({@code when}, built
   * after apply() returns) and the report if asked for; a failure before chroot halts with 78 (past
   * it the library has halted already): a server asked to be confined never serves on as root.
   */
  private static void confine(dev.confine.ConfinementPolicy policy, PrintStream err, java.util.function.Supplier<String> when) {
    rewriteLoadedServiceLoader(err);
    for (String unheld : instrumentation == null ? List.<String>of() : JarUrlCache.holdClassPathJars(System.getProperty("java.class.path"))) {
      err.println("confine-agent: cannot hold " + unheld + " open: reads of it through jar: URLs will fail once confined");
    }
    ExitDeletions.Cleaned cleaned = ExitDeletions.deleteOutside(ExitDeletions.registered(), policy.root());
    if (!cleaned.deleted.isEmpty()) {
      err.println("confine-agent: deleted before chroot what the JVM was to delete at exit (File.deleteOnExit) and could not reach"
          + " from the jail: " + cleaned.deleted);
    }
    if (!cleaned.left.isEmpty()) {
      err.println("confine-agent: left behind, outside the jail, though the JVM was to delete it at exit: " + cleaned.left);
    }
    try {
      ConfinementReport report = policy.apply();
      confined = report;
      err.println("confine-agent: confined " + when.get() + ": " + report.summary());
      printReport(report, err);
      err.flush();
    } catch (ConfinementException e) {
      stop(err, "apply() failed: " + dev.confine.PolicyOptions.inTermsOf(e.getMessage(), dev.confine.PolicyOptions.FrontEnd.AGENT));
    } catch (RuntimeException | Error e) {
      stop(err, "apply() failed: " + e);
    }
  }

  /**
   * at=main: confines here, in premain, on the thread that runs the server's main next (it keeps
   * CAP_NET_BIND_SERVICE, and so do the threads it starts): the server's first instruction runs
   * confined, and so does its bind and every answer.
   */
  private static void confineNow(AgentOptions options, PrintStream err) {
    confine(options.policy, err, () -> "before main, on thread \"" + Thread.currentThread().getName() + "\"");
  }


  /** JarUrlCache's rewrite of the JDK's ServiceLoader lookup loaded in premain: once, before apply(). */
  private static void rewriteLoadedServiceLoader(PrintStream err) {
    java.lang.instrument.Instrumentation registered = instrumentation;
    if (registered == null) {
      return;
    }
    try {
      JarUrlCache.rewriteLoaded(registered);
    } catch (java.lang.instrument.UnmodifiableClassException | RuntimeException e) {
      err.println("confine-agent: cannot make the JDK's META-INF/services reads cached (" + e + "): once confined, ServiceLoader"
          + " lookups in the application's jars may fail");
    }
  }

  private static String line(Finding f) {
    // The fix in the agent's words: allow-writable=var/spool, not allowWritable("var/spool").
    return "  " + f.severity() + " " + f.code() + ": " + f.message() + " (fix: " + dev.confine.PolicyOptions.inTermsOf(f.fix(), dev.confine.PolicyOptions.FrontEnd.AGENT) + ")";
  }

  /**
   * Readies the JVM for the jail while the server starts (TLS, time zones, sockets...: what
   * apply() readies first), so that apply() after the listen finds most of it done and the
   * moment the server serves as root is short. A failure here is not fatal: apply() will say.
   */
  private static void warmUp(AgentOptions options, PrintStream err) {
    long start = System.nanoTime();
    rewriteLoadedServiceLoader(err);
    options.policy.prepareJvm();
    err.println("confine-agent: warmed up in " + (System.nanoTime() - start) / 1_000_000 + " ms");
  }

  private static void waitThenConfine(AgentOptions options, PrintStream err) {
    long deadline = System.nanoTime() + options.timeout.toNanos();
    if (!Boolean.getBoolean("confine.agent.noWarmUp")) {
      synchronized (WAITER_WORK) {
        if (gateConfining) {
          return;
        }
        warmUp(options, err);
      }
    }
    List<AgentOptions.Listen> listening = List.of();
    long firstListened = 0;
    try {
      while (true) {
        Listening.Look look;
        synchronized (WAITER_WORK) {
          if (gateConfining) {
            return; // the gate confines (or halts) on the server's thread: nothing left to wait for
          }
          look = Listening.look(options.listen);
        }
        listening = look.mine;
        if (listening.size() == options.listen.size()) {
          break;
        }
        if (!look.taken.isEmpty()) {
          stop(err, "port(s) taken by another process, which this server cannot listen on: " + look.taken
              + "; the server is not confined");
          return;
        }
        if (!listening.isEmpty() && firstListened == 0) {
          firstListened = System.nanoTime();
        }
        if (firstListened != 0 && System.nanoTime() - firstListened > LISTEN_GAP_NANOS) {
          List<AgentOptions.Listen> missing = new ArrayList<>(options.listen);
          missing.removeAll(listening);
          stop(err, listening + " listened, but " + missing + " did not within " + LISTEN_GAP_NANOS / 1_000_000
              + " ms after it, while the server answers as root; the server is not confined");
          return;
        }
        if (System.nanoTime() > deadline) {
          List<AgentOptions.Listen> missing = new ArrayList<>(options.listen);
          missing.removeAll(listening);
          stop(err, "port(s) " + missing + " did not listen within " + options.timeout.toSeconds() + " s; the server is not confined");
          return;
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (Exception e) {
      if (gateConfining) {
        return; // /proc went with chroot, under the gate's confinement
      }
      stop(err, "cannot tell which ports listen (/proc/self/net/tcp): " + e);
      return;
    }
    if (confined != null) {
      // The gate confined at the first listed listen; the rest listened as the target.
      err.println("confine-agent: " + listening + " listen, the server confined before any of them did");
      return;
    }
    if (ListenGate.installed().isPresent()) {
      err.println("confine-agent: " + listening + " listened without passing the gate (listen(2) called neither through the JDK"
          + " nor through Netty's Socket.listen): confining now; connections accepted until then were answered as root");
    }
    long listenedAt = System.nanoTime();
    // Read while /proc is still there: the confined line is printed from inside the jail.
    String sinceStart = sinceJvmStart();
    List<AgentOptions.Listen> listened = listening;
    confine(options.policy, err, () -> (System.nanoTime() - listenedAt) / 1_000_000 + " ms after " + listened + " listened" + sinceStart);
  }

  /**
   * The whole report (a line per step, per check, per thread: 64 threads for H2) only with
   * -Dconfine.agent.verbose=true: by default the one summary line says what a start needs to say.
   */
  private static void printReport(ConfinementReport report, PrintStream err) {
    if (Boolean.getBoolean("confine.agent.verbose")) {
      for (String reportLine : report.toString().split("\n")) {
        err.println("confine-agent: " + reportLine);
      }
    }
  }

  /**
   * " (N ms after the JVM started)", from the kernel's clock: /proc/uptime less the process's
   * start time (/proc/self/stat's 22nd field, in clock ticks of 1/100 s on Linux); "" if unreadable.
   */
  private static String sinceJvmStart() {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(fields[19]); // field 22 counted from 1; "state" is field 3
      double uptime = Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime")).split(" ")[0]);
      return " (" + Math.round(uptime * 1000 - startTicks * 10) + " ms after the JVM started)";
    } catch (java.io.IOException | RuntimeException e) {
      return "";
    }
  }

  /** Says why, then ends the JVM at once: no shutdown hook runs, nothing serves on. */
  static void stop(PrintStream err, String why) {
    err.println("confine-agent: " + why);
    err.println("confine-agent: stopping the JVM (status " + NOT_CONFINED + "): a server asked to be confined does not run unconfined");
    err.flush();
    Runtime.getRuntime().halt(NOT_CONFINED);
  }
}
