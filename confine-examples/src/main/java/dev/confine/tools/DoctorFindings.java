package dev.confine.tools;

import static java.util.Map.entry;
import static java.util.Objects.requireNonNull;

import dev.confine.Finding;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Preflight's findings as the doctor shows them. The library writes its fixes for the programmer
 * of a daemon ({@code allowSetuidFiles("bin/su")}, {@code group(gid)}); the doctor's user types
 * flags, so every code the doctor shows has its fix here, in the doctor's terms. Findings about
 * the process that runs the check describe the doctor, not the daemon it stands in for, and are
 * left out.
 */
final class DoctorFindings {
  /**
   * Codes of findings about the calling process (its uid and capabilities, its threads' launch
   * state, its open descriptors, its working directory, its class path): in the doctor they would
   * describe the doctor, whose state says nothing of the daemon's. The daemon's own apply() checks
   * its own process.
   */
  static final Set<String> ABOUT_THIS_PROCESS =
      Set.of(
          "not-root", "missing-capability", "inheritable-capabilities", "ambient-capabilities", "securebits",
          "setxid-signal-blocked", "seccomp-filters-differ",
          "open-directory-fd", "cwd-outside-root",
          "classpath-directory", "classpath-directory-preloaded", "classpath-jar-unopened",
          // NOTIFY_SOCKET, WATCHDOG_*: the doctor's own environment, not the daemon's unit's.
          "notify-socket",
          // The doctor's own JVM's cgroup limits and -XX flags, not the daemon's.
          "container-cpu-limit-lost", "container-cpu-limit-pinned", "container-memory-limit-lost",
          // The doctor's own descriptors and standard streams, not the daemon's.
          "inherited-descriptor", "io-uring-ring", "terminal");

  /** What the doctor was told, for fixes that repeat part of its command line. */
  static final class Invocation {
    final Path root;
    final String user;
    final OptionalLong group;

    Invocation(Path root, String user, OptionalLong group) {
      this.root = requireNonNull(root, "root");
      this.user = requireNonNull(user, "user");
      this.group = requireNonNull(group, "group");
    }

    /** "--root R --user U [--group G]", quoted for a shell where needed. */
    String identityArgs() {
      return "--root " + shell(root.toString()) + " --user " + shell(user) + (group.isPresent() ? " --group " + group.getAsLong() : "");
    }
  }

  /** A finding's fix in the doctor's terms. */
  @FunctionalInterface
  interface Fix {
    String text(Finding finding, Invocation invocation);
  }

  /** The library's fix with its builder calls written as the doctor's flags: right where the library names a shell command. */
  static final Fix FLAGS = (finding, invocation) -> flags(finding.fix());

  /**
   * Every code of confine-core's preflight that the doctor shows, with its fix. DoctorFindingsTest
   * fails when confine-core has a code that is neither here nor in {@link #ABOUT_THIS_PROCESS}.
   */
  static final Map<String, Fix> FIXES =
      Map.ofEntries(
          entry("root-missing",
              (f, i) -> "Create it: confine-doctor init " + i.identityArgs() + " (root-owned, mode 0755; see docs/doctor.md)."),
          entry("root-symlink", (f, i) -> "Give --root the real path (realpath " + shell(i.root.toString()) + ")."),
          entry("root-not-directory", (f, i) -> "Give --root a directory."),
          entry("symlink-in-path", (f, i) -> "Give --root the canonical path (realpath " + shell(i.root.toString()) + ")."),
          entry("component-not-root-owned", FLAGS),
          entry("component-writable", FLAGS),
          entry("jail-writable", FLAGS),
          entry("setuid-file", FLAGS),
          entry("setgid-file", FLAGS),
          entry("file-capabilities", FLAGS),
          entry("fifo-or-socket", FLAGS),
          entry("device-node", FLAGS),
          entry("hard-link", FLAGS),
          entry("special-mount", FLAGS),
          entry("mount-inside-jail", FLAGS),
          entry("shared-uid", FLAGS),
          entry("name-lookup-file-missing", DoctorFindings::nameLookupFix),
          // Only with openSyslogFirst(), which the doctor's policy never sets; the fixes name the log daemon's settings.
          // Only with noBaselineFilter() or allowSyscalls(...), which the doctor's policy never sets.
          entry("baseline-filter", FLAGS),
          entry("allowed-path-missing", FLAGS),
          entry("syslog-jail-socket", FLAGS),
          entry("syslog-jail-socket-missing", FLAGS),
          entry("syslog-socket-missing", FLAGS),
          entry("target-is-root",
              (f, i) -> "Give --user (and --group) an unprivileged user and group, for example a dedicated system user."),
          entry("unknown-identity",
              (f, i) -> "Give --user an existing user (NAME or UID); for a uid without a passwd entry give --group GID too."));

  /**
   * What the doctor says differently beyond the options (those PolicyOptions.inTermsOf writes as
   * flags, from confine's one declaration of them).
   */
  private static final List<Map.Entry<Pattern, String>> CALLS =
      List.of(
          entry(Pattern.compile("\\bgroup\\(gid\\)()"), "--group GID"),
          entry(Pattern.compile("\\bapply\\(\\)()"), "confinement"));

  /** Marks a finding a policy option accepted (preflight's Allowance). */
  private static final String ALLOWED = " (allowed by ";

  private DoctorFindings() {}

  /** True for the findings the doctor shows: not about its own process. */
  static boolean aboutTheDaemon(Finding finding) {
    return !ABOUT_THIS_PROCESS.contains(finding.code());
  }

  /** The finding in the doctor's terms: its message and fix name flags, not builder calls. */
  static Finding translate(Finding finding, Invocation invocation) {
    // An accepted finding's fix is "Accepted knowingly with <the call>", whatever its code.
    Fix fix = finding.message().contains(ALLOWED) ? FLAGS : FIXES.getOrDefault(finding.code(), FLAGS);
    String message = flags(finding.message()).replace("NAME_LOOKUPS is prepared", "--name-lookups is given");
    return new Finding(finding.severity(), finding.code(), message, finding.why(), fix.text(finding, invocation));
  }

  /** The text with each builder call of {@link #CALLS} replaced by its flag and value. */
  static String flags(String text) {
    String result = dev.confine.PolicyOptions.inTermsOf(text, dev.confine.PolicyOptions.FrontEnd.DOCTOR);
    for (Map.Entry<Pattern, String> call : CALLS) {
      Matcher m = call.getKey().matcher(result);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = m.group(1);
        m.appendReplacement(out, Matcher.quoteReplacement(call.getValue() + (value.isEmpty() ? "" : shell(value))));
      }
      m.appendTail(out);
      result = out.toString();
    }
    return result;
  }

  private static String nameLookupFix(Finding finding, Invocation invocation) {
    String init = "confine-doctor init " + invocation.identityArgs() + " --name-lookups lays out all three";
    Optional<String> copy = Optional.empty();
    int end = finding.message().indexOf(" is not a regular file");
    String prefix = invocation.root + "/";
    if (end > 0 && finding.message().startsWith(prefix)) {
      String path = finding.message().substring(0, end);
      copy = Optional.of("; or cp /" + path.substring(prefix.length()) + " " + shell(path) + " (root-owned, mode 0644: it holds no secret)");
    }
    return init + copy.orElse("") + ". If the daemon looks up no names once confined (it resolved them before, with"
        + " -Dnetworkaddress.cache.ttl=-1), leave out --name-lookups.";
  }

  /** The value as a shell word: as it is when it has nothing a shell would read, else in single quotes. */
  static String shell(String value) {
    return value.matches("[A-Za-z0-9_@%+=:,./-]+") ? value : "'" + value.replace("'", "'\\''") + "'";
  }
}
