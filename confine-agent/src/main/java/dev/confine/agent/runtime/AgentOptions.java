package dev.confine.agent.runtime;

import dev.confine.Capability;
import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.SyslogFacility;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The agent's options: {@code key=value} pairs separated by commas, a key given twice adding to a
 * list, or {@code @/path/file.properties} with the same keys. Keys are the doctor's flags without
 * their dashes; each becomes the builder call of the same name. Every mistake is an
 * {@link IllegalArgumentException} naming the key and the value, before anything is done.
 */
public final class AgentOptions {
  /** The keys, in the order they are documented. */
  static final List<String> KEYS =
      List.of("root", "user", "group", "groups", "at", "listen", "allow-writable", "allow-device", "allow-setuid", "allow-mount",
          "allow-shared-uid", "keep-capabilities", "deny-syscalls", "deny-exec", "allow-syscalls", "no-baseline-filter", "syslog", "timeout");

  private static final Set<String> FLAGS = Set.of("allow-shared-uid", "deny-exec", "no-baseline-filter");
  private static final Set<String> LISTS =
      Set.of("groups", "listen", "allow-writable", "allow-device", "allow-setuid", "allow-mount", "keep-capabilities", "deny-syscalls", "allow-syscalls");
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
    return parse(arguments, AgentOptions::checkOwnedByRoot);
  }

  /** As {@link #parse(String)}, with {@code fileCheck} judging an options file before it is read (tests). */
  static AgentOptions parse(String arguments, java.util.function.Consumer<Path> fileCheck) {
    if (arguments == null || arguments.isBlank()) {
      throw new IllegalArgumentException("no options: give at least root=DIR,user=NAME,listen=PORT (or @FILE)");
    }
    Map<String, List<String>> values = new LinkedHashMap<>();
    if (arguments.startsWith("@")) {
      Path file = Path.of(arguments.substring(1));
      fileCheck.accept(file);
      readFile(file, values);
    } else {
      for (String pair : arguments.split(",", -1)) {
        int eq = pair.indexOf('=');
        String key = (eq < 0 ? pair : pair.substring(0, eq)).trim();
        String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
        add(values, key, value, pair);
      }
    }
    return build(values);
  }

  private static void readFile(Path file, Map<String, List<String>> values) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new IllegalArgumentException("@" + file + ": cannot read it: " + e, e);
    }
    List<String> keys = new ArrayList<>(properties.stringPropertyNames());
    Collections.sort(keys);
    for (String key : keys) {
      // In a file a list is one line, its values separated by commas.
      String value = properties.getProperty(key).trim();
      for (String one : LISTS.contains(key) ? value.split(",") : new String[] {value}) {
        add(values, key, one.trim(), key + "=" + value + " (in @" + file + ")");
      }
    }
  }

  /**
   * The options decide whether, where and as whom the server is confined, and they are read as
   * root at every start: whoever can rewrite them (the confined server itself, if the file lies
   * in a directory it may write) can keep the next start root. So the file and every directory
   * above it, as given and as resolved, must be root-owned and not writable by group or others,
   * as OpenSSH asks of a ChrootDirectory's path.
   */
  static void checkOwnedByRoot(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    List<Path> chain = new ArrayList<>();
    for (Path p = absolute; p != null; p = p.getParent()) {
      chain.add(p);
    }
    try {
      Path real = absolute.toRealPath();
      for (Path p = real; p != null; p = p.getParent()) {
        chain.add(p);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("@" + file + ": cannot read it: " + e, e);
    }
    for (Path p : chain) {
      int uid;
      int mode;
      try {
        uid = (Integer) Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
      } catch (IOException | UnsupportedOperationException e) {
        throw new IllegalArgumentException("@" + file + ": cannot read the owner and mode of " + p + ": " + e, e);
      }
      boolean symlink = (mode & 0170000) == 0120000; // a link's own mode is 0777 and means nothing
      if (uid != 0 || (!symlink && (mode & 0022) != 0)) {
        throw new IllegalArgumentException(
            "@" + file + ": " + p + (uid != 0 ? " is owned by uid " + uid : "") + (uid != 0 && !symlink && (mode & 0022) != 0 ? " and" : "")
                + (!symlink && (mode & 0022) != 0 ? " is writable by " + ((mode & 0020) != 0 ? "its group" : "others") + String.format(" (mode %04o)", mode & 07777) : "")
                + ": whoever can rewrite the options can keep the server root at its next start. Keep the file in a directory"
                + " only root may write, such as /etc/confine (root-owned, mode 0755), never inside the jail");
      }
    }
  }

  private static void add(Map<String, List<String>> values, String key, String value, String where) {
    if (!KEYS.contains(key)) {
      throw new IllegalArgumentException("unknown key \"" + key + "\" in \"" + where + "\"; the keys are " + String.join(", ", KEYS));
    }
    if (!FLAGS.contains(key) && value.isEmpty()) {
      throw new IllegalArgumentException(key + ": no value in \"" + where + "\"");
    }
    List<String> list = values.computeIfAbsent(key, k -> new ArrayList<>());
    if (!list.isEmpty() && !LISTS.contains(key)) {
      throw new IllegalArgumentException(key + " is given twice (\"" + list.get(0) + "\" and \"" + value + "\"); only list keys repeat");
    }
    list.add(value);
  }

  private static String one(Map<String, List<String>> values, String key) {
    List<String> list = values.get(key);
    return list == null ? null : list.get(0);
  }

  private static AgentOptions build(Map<String, List<String>> values) {
    ConfinementPolicy.Builder builder = Confinement.builder();
    String root = one(values, "root");
    if (root == null) {
      throw new IllegalArgumentException("root is missing: the directory to confine the server to (root=/srv/jail)");
    }
    builder.root(root);
    String user = one(values, "user");
    if (user == null) {
      throw new IllegalArgumentException("user is missing: the user the server becomes (user=NAME or user=UID)");
    }
    if (user.matches("[0-9]+")) {
      builder.user(number("user", user));
    } else {
      builder.user(user);
    }
    if (one(values, "group") != null) {
      builder.group(number("group", one(values, "group")));
    }
    List<String> groups = values.getOrDefault("groups", List.of());
    long[] gids = new long[groups.size()];
    for (int i = 0; i < gids.length; i++) {
      gids[i] = number("groups", groups.get(i));
    }
    builder.supplementaryGroups(gids);
    for (String dir : values.getOrDefault("allow-writable", List.of())) {
      builder.allowWritable(dir);
    }
    for (String node : values.getOrDefault("allow-device", List.of())) {
      builder.allowDeviceNodes(node);
    }
    for (String file : values.getOrDefault("allow-setuid", List.of())) {
      builder.allowSetuidFiles(file);
    }
    for (String mount : values.getOrDefault("allow-mount", List.of())) {
      builder.allowMounts(mount);
    }
    if (values.containsKey("allow-shared-uid")) {
      flag(values, "allow-shared-uid");
      builder.allowSharedUid();
    }
    for (String name : values.getOrDefault("keep-capabilities", List.of())) {
      String bare = name.toUpperCase(java.util.Locale.ROOT).replaceFirst("^CAP_", "");
      Capability capability;
      try {
        capability = Capability.valueOf(bare);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("keep-capabilities: \"" + name + "\" is not one confine can keep (NET_BIND_SERVICE, NET_RAW)", e);
      }
      builder.keepCapabilities(capability);
    }
    for (String call : values.getOrDefault("deny-syscalls", List.of())) {
      if (call.equals("default")) {
        builder.denySyscalls();
      } else {
        builder.denySyscalls(call);
      }
    }
    for (String entry : values.getOrDefault("allow-syscalls", List.of())) {
      builder.allowSyscalls(entry);
    }
    if (values.containsKey("no-baseline-filter")) {
      flag(values, "no-baseline-filter");
      builder.noBaselineFilter();
    }
    if (values.containsKey("deny-exec")) {
      flag(values, "deny-exec");
      builder.denyExec();
    }
    if (one(values, "syslog") != null) {
      builder.openSyslogFirst(one(values, "syslog"), SyslogFacility.DAEMON);
    }
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

  private static void flag(Map<String, List<String>> values, String key) {
    String value = values.get(key).get(0);
    if (!value.isEmpty() && !value.equals("true")) {
      throw new IllegalArgumentException(key + " takes no value (or true): \"" + value + "\"");
    }
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
