package dev.confine;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every option a policy can be given as text, declared once: its key, whether it repeats or is a
 * flag, its value, its default, what it does and the builder call it stands for. The agent's
 * options, the starter's {@code confine.*} properties, the doctor's flags and a policy file
 * ({@link ConfinementPolicy#fromFile}) are all bound here, by {@link #bind}, so the four cannot
 * disagree: the same key means the same builder call everywhere, and each front end names it its
 * own way ({@link FrontEnd#name}).
 *
 * <p>A value is text as the user wrote it; every mistake (an unknown key, with the nearest known
 * one suggested; a value given twice to a key that does not repeat; a value the builder refuses)
 * is an {@link IllegalArgumentException} naming the key as that front end spells it, and the
 * value, before any policy exists.
 */
public final class PolicyOptions {
  private PolicyOptions() {}

  /** Where a key was written: each spells the same option its own way. */
  public enum FrontEnd {
    /** The builder: {@code allowWritable("var/spool")}. */
    API,
    /** The agent's options: {@code allow-writable=var/spool}. */
    AGENT,
    /** The starter's properties: {@code confine.allow-writable=var/spool}. */
    STARTER,
    /** The doctor's flags: {@code --allow-writable var/spool}. */
    DOCTOR,
    /** A policy file: {@code allow-writable=var/spool} (a list on one line, comma-separated). */
    FILE;

    /** The option as this front end spells it. */
    public String name(Option option) {
      Objects.requireNonNull(option, "option");
      return name(option.key(), option.builderCall());
    }

    /** A key (declared or not) as this front end spells it, for messages. */
    public String name(String key) {
      Objects.requireNonNull(key, "key");
      return find(key).map(this::name).orElseGet(() -> name(key, key));
    }

    private String name(String key, String builderCall) {
      switch (this) {
        case API: return builderCall;
        case STARTER: return "confine." + key;
        case DOCTOR: return "--" + key;
        default: return key;
      }
    }
  }

  /** One option: a key, its value's shape, its default, what it does, and its builder call. */
  public static final class Option {
    private final String key;
    private final boolean list;
    private final boolean flag;
    private final String value;
    private final String defaultValue;
    private final String description;
    private final String builderCall;

    private Option(String key, boolean list, boolean flag, String value, String defaultValue, String description, String builderCall) {
      this.key = key;
      this.list = list;
      this.flag = flag;
      this.value = value;
      this.defaultValue = defaultValue;
      this.description = description;
      this.builderCall = builderCall;
    }

    /** The key, in lower case with dashes: {@code allow-writable}. */
    public String key() {
      return key;
    }

    /** Whether it may be given more than once, each value adding. */
    public boolean repeats() {
      return list;
    }

    /** Whether it takes no value (or {@code true}; {@code false} leaves it unset). */
    public boolean isFlag() {
      return flag;
    }

    /** What its value looks like: {@code PATH}, {@code NAME or UID}, ... ("" for a flag). */
    public String valueShape() {
      return value;
    }

    /** What happens without it. */
    public String defaultValue() {
      return defaultValue;
    }

    /** One line: what it does. */
    public String description() {
      return description;
    }

    /** The builder call it stands for, as the API spells it: {@code allowWritable(String)}. */
    public String builderCall() {
      return builderCall;
    }

    @Override
    public String toString() {
      return key;
    }
  }

  private static final Map<String, Option> OPTIONS = declare();

  private static Map<String, Option> declare() {
    // Each option's builder call is made by apply(), a switch on the key, not by a lambda per
    // option: each lambda's first evaluation spins a class, and this table is built in
    // confine-agent's premain (with 26 lambdas, parsing the agent's options took a median 37 ms
    // on Java 17 and 93 ms on Temurin 25 under load, 25 and 34 ms without them).
    // PolicyOptionsTest reaches every key's call, so a key without its case fails there.
    Map<String, Option> o = new LinkedHashMap<>();
    one(o, "root", "PATH", "(required)", "the directory to chroot into: absolute, root-owned", "root(String)");
    one(o, "user", "NAME or UID", "(required)", "the user to become; digits are a uid", "user(String or long)");
    one(o, "group", "GID", "the user's primary group", "the group to become", "group(long)");
    list(o, "groups", "GID", "none", "a supplementary group to keep", "supplementaryGroups(long...)");
    list(o, "allow-writable", "PATH", "none", "a subdirectory of the root the user may write (relative)", "allowWritable(String)");
    list(o, "allow-device", "PATH", "none", "a device node in the root to accept, such as dev/null", "allowDeviceNodes(String...)");
    list(o, "allow-setuid", "PATH", "none", "a setuid or setgid file in the root to accept", "allowSetuidFiles(String...)");
    list(o, "allow-mount", "PATH", "none", "a mount below the root to accept without nodev,nosuid", "allowMounts(String...)");
    flag(o, "allow-shared-uid", "accept other processes running as the target uid", "allowSharedUid()");
    list(o, "keep-capabilities", "NET_BIND_SERVICE or NET_RAW", "none", "a capability the confining thread keeps", "keepCapabilities(Capability...)");
    list(o, "deny-syscalls", "default or NAME", "none", "system calls refused in every thread: default for confine's list, or a name (not `setuid` or `setgid`: the verification's own attempt to regain root)",
        "denySyscalls(String...)");
    flag(o, "deny-exec", "no thread may run a program or start a process", "denyExec()");
    list(o, "allow-syscalls", "ENTRY", "none", "an entry taken out of the baseline filter (perf_event_open, ioctl:TIOCSTI, ...)",
        "allowSyscalls(String...)");
    flag(o, "no-baseline-filter", "install no baseline seccomp filter", "noBaselineFilter()");
    flag(o, "allow-new-privileges", "leave no_new_privs unset (setuid programs may gain privileges)", "allowNewPrivileges()");
    flag(o, "refuse-inherited-descriptors", "an inherited descriptor is an ERROR, not a WARNING", "refuseInheritedDescriptors()");
    one(o, "syslog", "IDENT", "no syslog connection", "connect to syslog (facility DAEMON) before chroot, with this ident",
        "openSyslogFirst(String, SyslogFacility)");
    one(o, "umask", "OCTAL", "unchanged", "the umask set during the sequence, such as 027", "umask(int)");
    list(o, "prepare", "FACILITY", "a network server's", "a JDK facility to ready before chroot (JvmFacility names: network, tls, ...)",
        "prepare(JvmFacility...)");
    one(o, "open-all-jars", "true or false", "true", "open every class-path jar before chroot, so each stays readable in the jail",
        "openAllJars(boolean)");
    flag(o, "preload-directory-classes", "load every class of the class path's directories before chroot", "preloadDirectoryClasses()");
    flag(o, "prepare-nothing", "ready no JDK facility before chroot", "prepareNothing()");
    flag(o, "no-service-notification", "send nothing to systemd's NOTIFY_SOCKET", "noServiceNotification()");
    return java.util.Collections.unmodifiableMap(o);
  }

  /** The builder call of one value of the option {@code key} (groups and prepare are bound whole, in bind). */
  private static void apply(String key, ConfinementPolicy.Builder b, String v) {
    switch (key) {
      case "root": b.root(v); break;
      case "user":
        if (digits(v)) {
          b.user(number(v));
        } else {
          b.user(v);
        }
        break;
      case "group": b.group(number(v)); break;
      case "allow-writable": b.allowWritable(v); break;
      case "allow-device": b.allowDeviceNodes(v); break;
      case "allow-setuid": b.allowSetuidFiles(v); break;
      case "allow-mount": b.allowMounts(v); break;
      case "allow-shared-uid": b.allowSharedUid(); break;
      case "keep-capabilities": b.keepCapabilities(capability(v)); break;
      case "deny-syscalls":
        if (v.equals("default")) {
          b.denySyscalls();
        } else {
          b.denySyscalls(v);
        }
        break;
      case "deny-exec": b.denyExec(); break;
      case "allow-syscalls": b.allowSyscalls(v); break;
      case "no-baseline-filter": b.noBaselineFilter(); break;
      case "allow-new-privileges": b.allowNewPrivileges(); break;
      case "refuse-inherited-descriptors": b.refuseInheritedDescriptors(); break;
      case "syslog": b.openSyslogFirst(v, SyslogFacility.DAEMON); break;
      case "umask": b.umask(octal(v)); break;
      case "open-all-jars": b.openAllJars(bool(v)); break;
      case "preload-directory-classes": b.preloadDirectoryClasses(); break;
      case "prepare-nothing": b.prepareNothing(); break;
      case "no-service-notification": b.noServiceNotification(); break;
      default: throw new IllegalStateException("PolicyOptions declares " + key + " but apply() has no builder call for it");
    }
  }

  /**
   * Whether {@code v} is one or more ASCII digits, as {@code v.matches("[0-9]+")} but without a
   * regular expression: bound in confine-agent's premain, where compiling one costs milliseconds.
   */
  private static boolean digits(String v) {
    if (v.isEmpty()) {
      return false;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static void one(Map<String, Option> o, String key, String value, String dflt, String description, String call) {
    o.put(key, new Option(key, false, false, value, dflt, description, call));
  }

  private static void list(Map<String, Option> o, String key, String value, String dflt, String description, String call) {
    o.put(key, new Option(key, true, false, value, dflt, description, call));
  }

  private static void flag(Map<String, Option> o, String key, String description, String call) {
    o.put(key, new Option(key, false, true, "", "off", description, call));
  }

  /** Every option, in the order the docs list them. */
  public static List<Option> all() {
    return List.copyOf(OPTIONS.values());
  }

  /** The option of this key, if there is one. */
  public static Optional<Option> find(String key) {
    return Optional.ofNullable(OPTIONS.get(Objects.requireNonNull(key, "key")));
  }

  /**
   * A builder holding every {@code (key, value)} of {@code entries}, in order, as written in
   * {@code frontEnd}; keys in {@code ownKeys} (a front end's own: the agent's {@code listen}) are
   * passed over. {@code root} and {@code user} must be among them.
   *
   * @throws IllegalArgumentException an unknown key (the nearest known one suggested), a key that
   *     does not repeat given twice, a flag with a value, a missing root or user, or a value the
   *     builder refuses: each naming the key as {@code frontEnd} spells it, and the value
   */
  public static ConfinementPolicy.Builder bind(List<Map.Entry<String, String>> entries, FrontEnd frontEnd, Set<String> ownKeys) {
    Objects.requireNonNull(entries, "entries");
    Objects.requireNonNull(frontEnd, "frontEnd");
    Objects.requireNonNull(ownKeys, "ownKeys");
    Map<Option, List<String>> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : entries) {
      String key = Objects.requireNonNull(entry.getKey(), "key");
      String value = Objects.requireNonNull(entry.getValue(), "value of " + key).trim();
      if (ownKeys.contains(key)) {
        continue;
      }
      Option option = OPTIONS.get(key);
      if (option == null) {
        Set<String> known = new TreeSet<>(OPTIONS.keySet());
        known.addAll(ownKeys);
        throw new IllegalArgumentException("unknown " + what(frontEnd) + " " + frontEnd.name(key) + (value.isEmpty() ? "" : " (value \"" + value + "\")")
            + nearest(key, known).map(k -> "; did you mean " + frontEnd.name(k) + "?").orElse(""));
      }
      if (option.flag) {
        if (value.equalsIgnoreCase("false")) {
          continue;
        }
        if (!value.isEmpty() && !value.equalsIgnoreCase("true")) {
          throw new IllegalArgumentException(frontEnd.name(option) + " takes no value (or true/false): \"" + value + "\"");
        }
      } else if (value.isEmpty()) {
        throw new IllegalArgumentException(frontEnd.name(option) + ": no value (" + option.value + ")");
      }
      List<String> given = values.get(option); // not computeIfAbsent's lambda: bound in the agent's premain
      if (given == null) {
        given = new ArrayList<>();
        values.put(option, given);
      }
      if (!given.isEmpty() && !option.list) {
        throw new IllegalArgumentException(frontEnd.name(option) + " is given twice (\"" + given.get(0) + "\" and \"" + value + "\"); only "
            + (frontEnd == FrontEnd.FILE ? "list keys take several values, comma-separated" : "list options repeat"));
      }
      if (option.list && frontEnd == FrontEnd.FILE) {
        for (String one : value.split(",")) {
          given.add(one.trim());
        }
      } else {
        given.add(value);
      }
    }
    for (String required : List.of("root", "user")) {
      if (!values.containsKey(OPTIONS.get(required))) {
        Option option = OPTIONS.get(required);
        throw new IllegalArgumentException(frontEnd.name(option) + " is missing: " + option.description);
      }
    }
    ConfinementPolicy.Builder builder = Confinement.builder();
    for (Map.Entry<Option, List<String>> given : values.entrySet()) {
      Option option = given.getKey();
      try {
        if (option.key.equals("groups")) {
          builder.supplementaryGroups(given.getValue().stream().mapToLong(PolicyOptions::number).toArray());
        } else if (option.key.equals("prepare")) {
          List<JvmFacility> facilities = new ArrayList<>();
          for (String name : given.getValue()) {
            facilities.add(facility(name));
          }
          builder.prepare(facilities.get(0), facilities.subList(1, facilities.size()).toArray(new JvmFacility[0]));
        } else {
          for (String value : given.getValue()) {
            apply(option.key, builder, value);
          }
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new IllegalArgumentException(frontEnd.name(option) + " " + given.getValue() + ": " + e.getMessage(), e);
      }
    }
    return builder;
  }

  private static String what(FrontEnd frontEnd) {
    switch (frontEnd) {
      case STARTER: return "property";
      case DOCTOR: return "flag";
      case API: return "builder call";
      default: return "key";
    }
  }

  /**
   * inTermsOf's patterns, compiled at its first use rather than when the options are bound:
   * compiling them took 4 to 6 ms of confine-agent's premain, which binds the options but writes
   * no message.
   */
  private static final class Calls {
    static final java.util.regex.Pattern CALL = java.util.regex.Pattern.compile("\\b([a-z][A-Za-z]*)\\(([^()]*)\\)");
    static final java.util.regex.Pattern FIRST_STRING = java.util.regex.Pattern.compile("\"([^\"]*)\"");
  }

  /**
   * A text (a finding's fix, a message) with every builder call of a declared option in it written
   * as {@code frontEnd} writes that option: {@code allowWritable("var/spool")} becomes
   * {@code allow-writable=var/spool} for the agent, {@code confine.allow-writable=var/spool} for the
   * starter, {@code --allow-writable var/spool} for the doctor; {@code allowSharedUid()} becomes
   * {@code allow-shared-uid}, {@code confine.allow-shared-uid=true}, {@code --allow-shared-uid}.
   * Calls of methods no option declares are left as they are.
   */
  public static String inTermsOf(String text, FrontEnd frontEnd) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(frontEnd, "frontEnd");
    if (frontEnd == FrontEnd.API) {
      return text;
    }
    java.util.regex.Matcher m = Calls.CALL.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Optional<Option> option = byMethod(m.group(1));
      if (option.isEmpty()) {
        m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(m.group()));
        continue;
      }
      java.util.regex.Matcher value = Calls.FIRST_STRING.matcher(m.group(2));
      String arg = m.group(2).trim();
      // A literal is the value; a placeholder (group(gid)) becomes the option's value shape (GID).
      String v = value.find() ? value.group(1) : arg.isEmpty() || arg.matches("[0-9]+|true|false") ? arg : option.get().value;
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(written(option.get(), v, frontEnd)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The option whose builder call is this method, if one is. */
  public static Optional<Option> byMethod(String method) {
    Objects.requireNonNull(method, "method");
    for (Option option : OPTIONS.values()) {
      String call = option.builderCall;
      if (call.substring(0, call.indexOf('(')).equals(method)) {
        return Optional.of(option);
      }
    }
    return Optional.empty();
  }

  private static String written(Option option, String value, FrontEnd frontEnd) {
    boolean bare = option.flag || value.isEmpty();
    switch (frontEnd) {
      case STARTER: return "confine." + option.key + "=" + (bare ? "true" : value);
      case DOCTOR: return "--" + option.key + (bare ? "" : " " + (value.matches("[A-Za-z0-9_./:@%+=,-]+") ? value : "'" + value.replace("'", "'\\''") + "'"));
      default: return option.key + (bare ? "" : "=" + value);
    }
  }

  /**
   * The lines of a policy file as {@code (key, value)} entries, in the file's order (a list's
   * values on one line, comma-separated: {@link #bind} with {@link FrontEnd#FILE} splits them),
   * after checking who may rewrite it: the file decides where and as
   * whom a process is confined and is read as root, so it and every directory above it (as given
   * and as resolved) must be root-owned and not writable by group or others, as OpenSSH asks of
   * a ChrootDirectory's path.
   *
   * @throws IllegalArgumentException the file cannot be read, or someone other than root could
   *     rewrite it (naming the path and its owner or mode), or a key appears twice
   */
  public static List<Map.Entry<String, String>> readFile(Path file) {
    Objects.requireNonNull(file, "file");
    checkOnlyRootWrites(file);
    return read(file);
  }

  /** The entries of a policy file, unchecked (tests: a file in a temporary directory). */
  static List<Map.Entry<String, String>> read(Path file) {
    Map<String, String> lines = new LinkedHashMap<>();
    Properties properties = new Properties() {
      private static final long serialVersionUID = 1L;

      @Override
      public synchronized Object put(Object key, Object value) {
        // Properties keeps the last of two lines with one key; a policy file refuses the second.
        if (lines.containsKey(key)) {
          throw new IllegalArgumentException(file + ": " + key + " is given twice (\"" + lines.get(key) + "\" and \"" + value
              + "\"); a list takes its values on one line, comma-separated");
        }
        lines.put((String) key, (String) value);
        return super.put(key, value);
      }
    };
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read it: " + e, e);
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    for (Map.Entry<String, String> line : lines.entrySet()) {
      entries.add(Map.entry(line.getKey(), line.getValue().trim()));
    }
    return entries;
  }

  private static void checkOnlyRootWrites(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    List<Path> chain = new ArrayList<>();
    for (Path p = absolute; p != null; p = p.getParent()) {
      chain.add(p);
    }
    try {
      for (Path p = absolute.toRealPath(); p != null; p = p.getParent()) {
        chain.add(p);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read it: " + e, e);
    }
    for (Path p : chain) {
      int uid;
      int mode;
      try {
        uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      } catch (IOException | UnsupportedOperationException e) {
        throw new IllegalArgumentException(file + ": cannot read the owner and mode of " + p + ": " + e, e);
      }
      boolean symlink = (mode & 0170000) == 0120000; // a link's own mode is 0777 and means nothing
      boolean writable = !symlink && (mode & 0022) != 0;
      if (uid != 0 || writable) {
        throw new IllegalArgumentException(file + ": " + p + (uid != 0 ? " is owned by uid " + uid : "") + (uid != 0 && writable ? " and" : "")
            + (writable ? " is writable by " + ((mode & 0022) == 0022 ? "its group and others" : (mode & 0020) != 0 ? "its group" : "others")
                + String.format(" (mode %04o)", mode & 07777) : "")
            + ": whoever can rewrite the policy can keep the process root at its next start. Keep the file in a directory"
            + " only root may write, such as /etc/confine (root-owned, mode 0755), never inside the jail");
      }
    }
  }

  /**
   * The known key nearest to a misspelt one (at most a third of its letters off, by edit distance),
   * if any is near enough to suggest.
   */
  public static Optional<String> nearest(String key, Collection<String> known) {
    Objects.requireNonNull(key, "key");
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = distance(key.toLowerCase(Locale.ROOT), candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 3) ? Optional.of(best) : Optional.empty();
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static long number(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + value + "\" is not a number", e);
    }
  }

  private static boolean bool(String value) {
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new IllegalArgumentException("\"" + value + "\" is not true or false");
  }

  private static int octal(String value) {
    try {
      return Integer.parseInt(value, 8);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + value + "\" is not an octal number such as 027", e);
    }
  }

  private static Capability capability(String name) {
    String bare = name.toUpperCase(Locale.ROOT).replaceFirst("^CAP_", "");
    try {
      return Capability.valueOf(bare);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + name + "\" is not a capability confine can keep (NET_BIND_SERVICE, NET_RAW)", e);
    }
  }

  private static JvmFacility facility(String name) {
    try {
      return JvmFacility.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      List<String> names = new ArrayList<>();
      for (JvmFacility f : JvmFacility.values()) {
        names.add(f.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      }
      throw new IllegalArgumentException("\"" + name + "\" is not a JDK facility confine readies (" + String.join(", ", names) + ")", e);
    }
  }
}
