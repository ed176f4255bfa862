package dev.confine.spring;

import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.PolicyOptions;
import dev.confine.PreflightReport;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;

/**
 * Confines the application once every web server it runs has bound its port: the main one, and
 * the management server when Actuator runs one on a port of its own. Boot publishes a
 * WebServerInitializedEvent for each (org.springframework.boot.web.context in 3.x,
 * ...web.server.context in 4.x: matched by name, so one jar serves both). How many to expect is
 * read from the context, as Boot decides it: a management server of its own exists exactly when
 * the context holds Actuator's ChildManagementContextInitializer (a property naming a port is
 * not enough: without Actuator nothing listens there). By ApplicationStartedEvent every server
 * the application has has started, so an application not yet confined then is confined then,
 * however many listened. Until it is confined, the gates ({@link ServletGate}, {@link
 * ReactiveGate}, on the management server too) hold every request. And it is bounded: not confined within {@code confine.listen-timeout} (default 30 s) of the
 * starter's creation, the JVM halts with 78. Fails closed: a policy that does not build, or a jail
 * preflight refuses, stops the application before it starts; apply() failing before chroot halts
 * the JVM (status 78) after logging why; past chroot the library halts it (71).
 */
public class ConfineOnListen implements ApplicationListener<ApplicationEvent>, org.springframework.context.ApplicationContextAware {
  /** The exit status when the application was stopped before it could be confined. */
  public static final int NOT_CONFINED = 78;

  /** -Dconfine.spring.noGate=true lets requests through before confinement: only to show what the gates prevent. */
  static final boolean NO_GATE = Boolean.getBoolean("confine.spring.noGate");

  /**
   * -Dconfine.spring.keepTempDirs=true leaves Boot's temporary directories behind as before (issue
   * 29): only to show what deleting them prevents.
   */
  static final boolean KEEP_TEMP_DIRS = Boolean.getBoolean("confine.spring.keepTempDirs");

  private static final String CHILD_MANAGEMENT_CONTEXT =
      "org.springframework.boot.actuate.autoconfigure.web.server.ChildManagementContextInitializer";

  private static final Log LOG = LogFactory.getLog("dev.confine.spring");

  private final Optional<ConfinementPolicy> policy;
  /** Given (tests), or 0 until the first server listens, then read from the context. */
  private int expectedServers;
  private org.springframework.context.ApplicationContext context;
  /** Completed once confined; the gates wait on it. Never completed otherwise: the JVM halts. */
  private final java.util.concurrent.CompletableFuture<ConfinementReport> confinement = new java.util.concurrent.CompletableFuture<>();
  private long firstListenNanos;
  /** Runtime.halt outside tests: nothing may run on unconfined once it is called. */
  private final java.util.function.IntConsumer halt;
  private final List<Integer> ports = new ArrayList<>();
  /** The web servers that listened (Boot's WebServer objects), for their temporary directories. */
  private final List<Object> servers = new ArrayList<>();
  private volatile Optional<ConfinementReport> report = Optional.empty();
  private volatile java.time.Instant confinedAt;

  ConfineOnListen(ConfineProperties properties, org.springframework.core.env.Environment environment) {
    this.halt = status -> Runtime.getRuntime().halt(status);
    String root = environment.getProperty("confine.root");
    if (root == null || root.isBlank()) {
      LOG.info("confine: no confine.root set: this application runs unconfined");
      this.policy = Optional.empty();
      this.expectedServers = 0;
      return;
    }
    java.time.Duration timeout = properties.getListenTimeout();
    if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.toSeconds() > 300) {
      throw new ConfineRefusal("confine: confine.listen-timeout must be between 1 ms and 300 s: " + timeout,
          "Set confine.listen-timeout to the time the application needs to start and listen (default 30s, at most 300s).", null);
    }
    ConfinementPolicy built;
    try {
      built = policy(environment);
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw new ConfineRefusal("confine: the confine.* properties do not make a policy: " + e.getMessage(),
          "Correct the property named above (the keys: docs/reference.md, \"Options: one vocabulary\"), or remove confine.root to run"
              + " unconfined.", e);
    }
    // The jail and the identity, checked while the application starts: a refusal stops it
    // before it ever listens.
    PreflightReport check = built.check();
    if (check.hasErrors()) {
      throw new ConfineRefusal("confine: the jail " + built.root() + " is refused:\n"
          + check.errors().stream().map(ConfineOnListen::line).collect(Collectors.joining("\n")),
          "Fix each finding as its fix says (bin/confine-doctor check --root " + built.root() + " --user "
              + built.userName().orElse(built.uid().isPresent() ? String.valueOf(built.uid().getAsLong()) : "USER")
              + " shows the same findings without starting the application), then start it again.", null);
    }
    this.policy = Optional.of(built);
    this.expectedServers = 0;
    LOG.info("confine: will confine to " + built.root() + " once every web server listens (the main one, and Actuator's management server"
        + " where it has a port of its own), or once the application has started, whichever comes first; requests are held until then;"
        + " halting (status " + NOT_CONFINED + ") if not confined within " + timeout.toMillis() + " ms");
    startDeadline(timeout);
    if (!Boolean.getBoolean("confine.spring.noWarmUp")) { // off only to measure what it gains
      // Readies the JVM while the application starts: apply() then finds most of it done.
      Thread warmUp = new Thread(() -> {
        built.prepareJvm();
        BootTempDirs.warmUp(built.root()); // its code runs cold otherwise, while requests are held
      }, "confine-warm-up");
      warmUp.setDaemon(true);
      warmUp.start();
    }
  }

  /** A listener that confines to {@code policy} once {@code expectedServers} listen (tests). */
  ConfineOnListen(Optional<ConfinementPolicy> policy, int expectedServers) {
    this(policy, expectedServers, status -> Runtime.getRuntime().halt(status));
  }

  /** As above, halting through {@code halt} (tests: a recorder). */
  ConfineOnListen(Optional<ConfinementPolicy> policy, int expectedServers, java.util.function.IntConsumer halt) {
    this.policy = policy;
    this.expectedServers = expectedServers;
    this.halt = halt;
  }

  /**
   * A daemon thread that halts the JVM if the application is not confined by {@code timeout}: a
   * server that never listens (a port taken, a management server the properties promised and
   * Boot never made) must not leave the application's other work running as root.
   */
  void startDeadline(java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Thread watchdog = new Thread(() -> {
      while (report.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          synchronized (this) {
            if (report.isPresent()) {
              return;
            }
            String listened = ports.isEmpty() ? "no web server listened" : ports.size() + " of " + expectedServers + " web server(s) listened: " + ports;
            LOG.error("confine: not confined within " + timeout.toMillis() + " ms (" + listened + "); stopping the JVM (status " + NOT_CONFINED
                + ") rather than run unconfined. Raise confine.listen-timeout if the application needs longer to start.");
            halt.accept(NOT_CONFINED);
            return;
          }
        }
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(left, 50_000_000L));
      }
    }, "confine-deadline");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private static String line(Finding f) {
    // The fix in the starter's words: confine.allow-writable=var/spool, not allowWritable("var/spool").
    return "  " + f.severity() + " " + f.code() + ": " + f.message() + " (fix: " + PolicyOptions.inTermsOf(f.fix(), PolicyOptions.FrontEnd.STARTER) + ")";
  }

  @Override
  public void setApplicationContext(org.springframework.context.ApplicationContext applicationContext) {
    this.context = applicationContext;
  }

  /**
   * Whether Boot runs a management server of its own: it does exactly when the context holds
   * Actuator's ChildManagementContextInitializer (the same class name in Boot 3.5 and 4.0), which
   * Actuator defines only for a management port different from the main one.
   */
  static boolean managementServerOfItsOwn(org.springframework.beans.factory.ListableBeanFactory beans, ClassLoader loader) {
    if (beans == null) {
      return false;
    }
    try {
      Class<?> initializer = Class.forName(CHILD_MANAGEMENT_CONTEXT, false, loader);
      return beans.getBeanNamesForType(initializer, false, false).length > 0;
    } catch (ClassNotFoundException | LinkageError noActuator) {
      return false;
    }
  }

  /** Waits until confined (the gates); the deadline halts the JVM if that never comes. */
  void awaitConfined() throws InterruptedException {
    try {
      confinement.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("never completed exceptionally", e);
    }
  }

  /** Completes once confined (the reactive gate). */
  java.util.concurrent.CompletionStage<ConfinementReport> confinement() {
    return confinement.minimalCompletionStage();
  }

  /** The starter's own keys (ConfineProperties); every other confine.* key is a policy option. */
  static final java.util.Set<String> OWN_KEYS = java.util.Set.of("enabled", "listen-timeout");
  /** The starter's keys before they became confine's one vocabulary: refused, naming the new one. */
  private static final java.util.Map<String, String> RENAMED = java.util.Map.of("supplementary-groups", "groups", "allow-device-nodes",
      "allow-device", "allow-setuid-files", "allow-setuid", "allow-mounts", "allow-mount", "syslog-ident", "syslog", "baseline-filter",
      "no-baseline-filter");

  /**
   * The policy the {@code confine.*} properties describe, bound by {@link PolicyOptions} (the same
   * keys as the agent's and the doctor's). Every confine.* name the environment holds that is
   * neither a policy option nor the starter's own is refused, with the nearest key suggested.
   */
  static ConfinementPolicy policy(org.springframework.core.env.Environment environment) {
    org.springframework.boot.context.properties.bind.Binder binder = org.springframework.boot.context.properties.bind.Binder.get(environment);
    List<java.util.Map.Entry<String, String>> entries = new ArrayList<>();
    for (String key : confineKeys(environment)) {
      if (RENAMED.containsKey(key)) {
        throw new IllegalArgumentException("confine." + key + " is now confine." + RENAMED.get(key)
            + " (the key the agent and the doctor take too)" + (key.equals("baseline-filter") ? ": write confine.no-baseline-filter=true" : ""));
      }
      if (PolicyOptions.find(key).isEmpty() && !OWN_KEYS.contains(key)) {
        entries.add(java.util.Map.entry(key, environment.getProperty("confine." + key, "")));
      }
    }
    for (PolicyOptions.Option option : PolicyOptions.all()) {
      String name = "confine." + option.key();
      if (option.repeats()) {
        binder.bind(name, org.springframework.boot.context.properties.bind.Bindable.listOf(String.class))
            .ifBound(values -> values.forEach(v -> entries.add(java.util.Map.entry(option.key(), v))));
      } else {
        binder.bind(name, String.class).ifBound(v -> entries.add(java.util.Map.entry(option.key(), v)));
      }
    }
    return PolicyOptions.bind(entries, PolicyOptions.FrontEnd.STARTER, OWN_KEYS).build();
  }

  /**
   * The keys of every confine.* property the environment's enumerable sources hold, as
   * PolicyOptions spells them: prefix and list index dropped, camelCase and underscores made
   * dashes (Boot's relaxed names: confine.allowWritable[0] is allow-writable).
   */
  static java.util.Set<String> confineKeys(org.springframework.core.env.Environment environment) {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    if (!(environment instanceof org.springframework.core.env.ConfigurableEnvironment)) {
      return keys;
    }
    for (org.springframework.core.env.PropertySource<?> source : ((org.springframework.core.env.ConfigurableEnvironment) environment).getPropertySources()) {
      if (!(source instanceof org.springframework.core.env.EnumerablePropertySource) || source.getName().contains("systemEnvironment")) {
        continue; // environment variables (CONFINE_ROOT) bind through Boot's relaxed names; their spelling is not checked here
      }
      for (String name : ((org.springframework.core.env.EnumerablePropertySource<?>) source).getPropertyNames()) {
        String rest = name.startsWith("confine.") ? name.substring("confine.".length()).replaceAll("\\[[0-9]+\\]$", "") : "";
        // A policy key has no dot; confine.spring.* and confine.agent.* are switches of the starter's and the agent's own.
        if (!rest.isEmpty() && rest.indexOf('.') < 0) {
          keys.add(rest.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-').toLowerCase(Locale.ROOT));
        }
      }
    }
    return keys;
  }

  /** The report, once confined. */
  public Optional<ConfinementReport> report() {
    return report;
  }

  /** Whether confinement was asked for (confine.root set). */
  public boolean asked() {
    return policy.isPresent();
  }

  /** UP unless confinement was asked for and has not happened (yet, or at all). */
  public boolean healthy() {
    return policy.isEmpty() || report.isPresent();
  }

  /** What Actuator shows: asked or not, and once confined the root, the ids and when. */
  public java.util.Map<String, Object> details() {
    java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();
    details.put("asked", policy.isPresent());
    details.put("confined", report.isPresent());
    policy.ifPresent(p -> details.put("root", p.root().toString()));
    report.ifPresent(r -> {
      details.put("uid", r.uid());
      details.put("gid", r.gid());
      details.put("groups", r.groups());
      details.put("ports", List.copyOf(ports));
      details.put("at", confinedAt.toString());
    });
    return details;
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (policy.isEmpty() || report.isPresent()) {
      return;
    }
    boolean started = is(event.getClass(), "ApplicationStartedEvent");
    if (!started && !is(event.getClass(), "WebServerInitializedEvent")) {
      return;
    }
    synchronized (this) {
      if (report.isPresent()) {
        return;
      }
      if (!started) {
        if (ports.isEmpty()) {
          firstListenNanos = System.nanoTime();
          if (expectedServers == 0) {
            expectedServers = 1 + (managementServerOfItsOwn(context, context == null ? null : context.getClassLoader()) ? 1 : 0);
            LOG.info("confine: " + expectedServers + " web server(s) in this application (from the context): confining once they listen");
          }
        }
        ports.add(port(event));
        webServer(event).ifPresent(servers::add);
        if (ports.size() < expectedServers) {
          return;
        }
      } else {
        LOG.info("confine: the application has started with " + ports.size() + " of the " + expectedServers
            + " web server(s) expected listening (" + ports + "): confining now");
        firstListenNanos = 0; // held since the application started, not since a listen
      }
      deleteTempDirs();
      try {
        ConfinementReport done = policy.get().apply();
        confined(done);
        String held = firstListenNanos == 0 ? "" : " (" + (System.nanoTime() - firstListenNanos) / 100_000 / 10.0
            + " ms after the first listened; requests were held until now)";
        LOG.info("confine: confined after " + ports + " listened" + held + ": " + done.summary());
      } catch (RuntimeException e) {
        // ConfinementException before chroot (past it the library halted already), or anything else.
        LOG.error("confine: apply() failed; stopping the JVM (status " + NOT_CONFINED + ") rather than serve unconfined: "
            + PolicyOptions.inTermsOf(String.valueOf(e.getMessage()), PolicyOptions.FrontEnd.STARTER), e);
        halt.accept(NOT_CONFINED);
      }
    }
  }

  /**
   * Deletes, right before chroot, the temporary directories Boot made for the servers that listened
   * and registered with deleteOnExit, which the JVM, confined, could not do from the jail (BootTempDirs);
   * says what it deleted and what it left, with why.
   */
  private void deleteTempDirs() {
    if (KEEP_TEMP_DIRS) {
      return;
    }
    long start = System.nanoTime();
    BootTempDirs.Cleaned cleaned;
    try {
      cleaned = BootTempDirs.deleteOutside(BootTempDirs.of(servers, java.nio.file.Path.of(System.getProperty("java.io.tmpdir"))), policy.get().root());
    } catch (RuntimeException e) { // never in the way of confinement: at worst they stay, as before
      LOG.warn("confine: could not look for the temporary directories Boot made for its web server(s); they stay behind: " + e);
      return;
    }
    if (!cleaned.deleted.isEmpty()) {
      LOG.info("confine: deleted before chroot the temporary directories Boot made for its web server(s), which the JVM was to delete"
          + " at exit (File.deleteOnExit) and could not reach from the jail: " + cleaned.deleted + " (in "
          + (System.nanoTime() - start) / 10_000 / 100.0 + " ms)");
    }
    if (!cleaned.left.isEmpty()) {
      LOG.warn("confine: left behind, outside the jail, temporary directories Boot made for its web server(s): " + cleaned.left);
    }
  }

  /** Records the confinement and releases the requests the gates hold. */
  void confined(ConfinementReport done) {
    confinedAt = java.time.Instant.now();
    report = Optional.of(done);
    confinement.complete(done);
  }

  /** By simple name: Boot 3.5 and 4.0 keep these events in different packages. */
  private static boolean is(Class<?> type, String simpleName) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getSimpleName().equals(simpleName)) {
        return true;
      }
    }
    return false;
  }

  /** The event's WebServer. */
  private static Optional<Object> webServer(ApplicationEvent event) {
    try {
      return Optional.ofNullable(event.getClass().getMethod("getWebServer").invoke(event));
    } catch (ReflectiveOperationException e) {
      return Optional.empty();
    }
  }

  private static int port(ApplicationEvent event) {
    try {
      Method getWebServer = event.getClass().getMethod("getWebServer");
      Object server = getWebServer.invoke(event);
      return (int) server.getClass().getMethod("getPort").invoke(server);
    } catch (ReflectiveOperationException e) {
      return -1;
    }
  }
}
