package dev.confine.agent.runtime;

import dev.confine.Capability;
import dev.confine.ConfinementPolicy;
import dev.confine.PolicyOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The agent's options: {@code key=value} pairs separated by commas, a key given twice adding to a
 * list, or {@code @/path/file.properties} with the same keys (a list on one line, comma-separated).
 * The policy's keys are confine's one vocabulary ({@link PolicyOptions}: the starter's
 * {@code confine.*} properties and the doctor's flags are the same keys); the agent adds its own:
 * {@code at}, {@code listen}, {@code timeout}. Every mistake is an {@link IllegalArgumentException}
 * naming the key and the value, before anything is done.
 */
public final class AgentOptions {
  /** The agent's own keys; every other key is a policy option. */
  static final Set<String> OWN_KEYS = Set.of("at", "listen", "timeout");

  /**
   * From the agent's start until every listed port listens. Under the agent, on this 2-core
   * machine, Tomcat 11 listened 1.0 s (3.4 s with two other builds running) and H2 0.5 s after
   * the JVM started (AgentIT's lines, 2026-12-07); 30 s leaves a margin of about nine times the
   * slowest.
   * While no port listens the server answers nobody, but its other work (schedulers, consumers)
   * runs as root: hence a short default and a cap.
   */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** The most a user may give: five minutes of a server starting as root is already a lot. */
  static final long MAX_TIMEOUT_SECONDS = 300;

  /** One port to wait for: any local address, or one address. */
  public static final class Listen {
    public final String host;
    public final int port;

    Listen(String host, int port) {
      this.host = host;
      this.port = port;
    }

    @Override
    public String toString() {
      return host.isEmpty() ? String.valueOf(port) : host + ":" + port;
    }
  }

  /** When the agent confines the server. */
  public enum At {
    /**
     * Once every listed port listens (the default): the server starts as root and may read what
     * only root can (its TLS keys) and bind low ports, and runs as root until then, answering any
     * connection it accepts in that moment as root.
     */
    LISTEN,
    /**
     * In premain, on the thread that then runs the server's main, before any of the server's code:
     * no request is ever answered as root, by construction. That thread keeps CAP_NET_BIND_SERVICE
     * (and the threads it starts), so the server binds its ports below 1024 itself, confined; what
     * it reads at start must be in the jail and readable by the user.
     */
    MAIN
  }

  public final ConfinementPolicy policy;
  public final At at;
  public final List<Listen> listen;
  public final Duration timeout;

  private AgentOptions(ConfinementPolicy policy, At at, List<Listen> listen, Duration timeout) {
    this.policy = policy;
    this.at = at;
    this.listen = List.copyOf(listen);
    this.timeout = timeout;
  }

  /** Parses the agent's argument string (what follows {@code -javaagent:confine-agent.jar=}). */
  public static AgentOptions parse(String arguments) {
    // A class, not a method reference: parsed in premain, where each lambda's first evaluation
    // spins one; and made only for an options file, one class fewer loaded before main otherwise.
    return parse(arguments, arguments == null || !arguments.startsWith("@") ? null : new Function<Path, List<Map.Entry<String, String>>>() {
      @Override
      public List<Map.Entry<String, String>> apply(Path file) {
        return PolicyOptions.readFile(file);
      }
    });
  }

  /**
   * As {@link #parse(String)}, reading an options file with {@code readFile} (in production
   * {@link PolicyOptions#readFile}, which first refuses a file anyone but root could rewrite;
   * null when {@code arguments} names no file).
   */
  static AgentOptions parse(String arguments, Function<Path, List<Map.Entry<String, String>>> readFile) {
    if (arguments == null || arguments.isBlank()) {
      throw new IllegalArgumentException("no options: give at least root=DIR,user=NAME,listen=PORT (or @FILE)");
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    PolicyOptions.FrontEnd frontEnd;
    if (arguments.startsWith("@")) {
      entries.addAll(readFile.apply(Path.of(arguments.substring(1))));
      frontEnd = PolicyOptions.FrontEnd.FILE;
    } else {
      for (String pair : arguments.split(",", -1)) {
        int eq = pair.indexOf('=');
        entries.add(Map.entry((eq < 0 ? pair : pair.substring(0, eq)).trim(), eq < 0 ? "" : pair.substring(eq + 1).trim()));
      }
      frontEnd = PolicyOptions.FrontEnd.AGENT;
    }
    ConfinementPolicy.Builder builder = PolicyOptions.bind(entries, frontEnd, OWN_KEYS);
    Map<String, List<String>> own = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : entries) {
      if (OWN_KEYS.contains(entry.getKey())) {
        // In a file a list is one line, its values separated by commas.
        for (String value : frontEnd == PolicyOptions.FrontEnd.FILE && entry.getKey().equals("listen")
            ? entry.getValue().split(",") : new String[] {entry.getValue()}) {
          addOwn(own, entry.getKey(), value.trim());
        }
      }
    }
    return build(builder, own);
  }

  private static void addOwn(Map<String, List<String>> own, String key, String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(key + ": no value");
    }
    List<String> list = own.get(key);
    if (list == null) {
      list = new ArrayList<>();
      own.put(key, list);
    }
    if (!list.isEmpty() && !key.equals("listen")) {
      throw new IllegalArgumentException(key + " is given twice (\"" + list.get(0) + "\" and \"" + value + "\"); only list keys repeat");
    }
    list.add(value);
  }

  private static String one(Map<String, List<String>> values, String key) {
    List<String> list = values.get(key);
    return list == null ? null : list.get(0);
  }

  private static AgentOptions build(ConfinementPolicy.Builder builder, Map<String, List<String>> values) {
    At at = At.LISTEN;
    if (one(values, "at") != null) {
      switch (one(values, "at")) {
        case "listen": at = At.LISTEN; break;
        case "main": at = At.MAIN; break;
        default: throw new IllegalArgumentException("at: \"" + one(values, "at") + "\" is not main or listen");
      }
    }
    if (at == At.MAIN) {
      // The server binds its low ports itself, confined: the thread that runs main keeps this.
      builder.keepCapabilities(Capability.NET_BIND_SERVICE);
    }
    List<Listen> listen = new ArrayList<>();
    for (String value : values.getOrDefault("listen", List.of())) {
      listen.add(listen(value));
    }
    if (listen.isEmpty() && at == At.LISTEN) {
      throw new IllegalArgumentException("listen is missing: the port(s) the server binds, after which it is confined (listen=8080, listen=127.0.0.1:443),"
          + " or at=main to confine before the server's main");
    }
    if (!listen.isEmpty() && at == At.MAIN) {
      throw new IllegalArgumentException("listen=" + listen + " with at=main: the server is confined before its main runs, and no port is waited for");
    }
    Duration timeout = DEFAULT_TIMEOUT;
    if (one(values, "timeout") != null) {
      String t = one(values, "timeout");
      long seconds = number("timeout", t.endsWith("s") ? t.substring(0, t.length() - 1) : t);
      if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
        throw new IllegalArgumentException("timeout: " + t + " is not between 1 and " + MAX_TIMEOUT_SECONDS + " seconds");
      }
      timeout = Duration.ofSeconds(seconds);
    }
    return new AgentOptions(builder.build(), at, listen, timeout);
  }

  private static long number(String key, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": \"" + value + "\" is not a number", e);
    }
  }

  private static Listen listen(String value) {
    int colon = value.lastIndexOf(':');
    String host = colon < 0 ? "" : value.substring(0, colon).replace("[", "").replace("]", "");
    long port = number("listen", colon < 0 ? value : value.substring(colon + 1));
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("listen: port " + port + " in \"" + value + "\" is not between 1 and 65535");
    }
    return new Listen(host, (int) port);
  }
}
