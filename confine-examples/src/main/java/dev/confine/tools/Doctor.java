package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.PolicyOptions;
import dev.confine.Finding;
import dev.confine.JvmFacility;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The doctor: {@code check} audits a jail for a user without confining anything (every preflight
 * check, {@link ConfinementPolicy#check()}, as the daemon's apply() would run it), and
 * {@code init} lays out a jail that passes check, and {@code inspect} tells whether a running
 * process is confined as expected ({@link Inspect}). Exit status 0 no error, 1 an ERROR finding (or,
 * for init, existing paths in the way), 2 bad arguments (with the usage, never a stack trace), 3
 * the command could not run. docs/doctor.md describes both.
 *
 * <pre>
 * bin/confine-doctor check --root /srv/jail --user www-data [--json]
 * bin/confine-doctor init --root /srv/jail --user www-data --name-lookups
 * bin/confine-doctor inspect 4242 --root /srv/jail --user www-data [--json]
 * </pre>
 */
public final class Doctor {
  public static final int OK = 0;
  public static final int ERRORS_FOUND = 1;
  public static final int USAGE = 2;
  public static final int CHECK_FAILED = 3;

  /** The check command's policy flags, one line each, from confine's one declaration of them. */
  private static final String POLICY_FLAGS = policyFlags();

  private static String policyFlags() {
    List<String> lines = new ArrayList<>();
    for (PolicyOptions.Option option : PolicyOptions.all()) {
      String flag = "  --" + option.key() + (option.isFlag() ? "" : " " + option.valueShape().replace(" or ", "|"));
      lines.add(String.format("%-30s", flag.length() >= 30 ? flag + "  " : flag) + option.description() + (option.repeats() ? " (repeatable)" : ""));
    }
    return String.join(System.lineSeparator(), lines);
  }

  /** One line after an argument error: the whole text is one --help away. */
  static final String SEE_HELP = "run bin/confine-doctor --help for every command and flag";

  static final String USAGE_TEXT =
      String.join(
          System.lineSeparator(),
          "usage: confine-doctor check --root DIR --user NAME|UID [options] [--json]",
          "       confine-doctor init --root DIR --user NAME|UID [--group GID] [--name-lookups] [--dev-null] [--dev-urandom]",
          "                           [--writable SUBDIR]... [--jvm-files [--java-home DIR]] [--force]",
          "       confine-doctor inspect PID [--root DIR] [--user NAME|UID] [--group GID] [--groups GID,...]",
          "                              [--keep-capabilities CAP]... [--allow-new-privileges] [--no-baseline-filter]",
          "                              [--seccomp-filters N] [--json]",
          "       confine-doctor --help",
          "",
          "check  runs confine's preflight checks against DIR for the user, as the daemon's apply() would, and changes",
          "       nothing. Findings about the doctor's own process (its uid, capabilities, threads, open descriptors,",
          "       working directory, class path) say nothing about the daemon and are left out, with a note.",
          "init   lays out DIR as a jail that passes check: DIR root-owned 0755 (its parents must already be root-owned and",
          "       writable by no one else), and what the flags ask for. It changes nothing that exists unless --force is",
          "       given, never deletes, and prints each thing it made and the check command that passes on it.",
          "inspect  tells, from outside and as root, whether the running process PID is confined and how, from /proc alone:",
          "       every thread's uids, gids, groups, capabilities, no_new_privs and seccomp filters, its root and working",
          "       directory, whether it is dumpable, its controlling terminal and its descriptors open outside its root.",
          "       Exit 0 when it is confined as expected (no ERROR finding), 1 otherwise.",
          "",
          "Exit status: 0 no error; 1 an ERROR finding (init: existing paths in the way, nothing changed); 2 bad arguments;",
          "3 the command could not run.",
          "",
          "check options: confine's policy options, each as --KEY (the agent's KEY=, the starter's confine.KEY;",
          "  docs/reference.md), a list flag repeatable or comma-separated, a flag without a value:",
          POLICY_FLAGS,
          "  --same-path PATH            a path the server names (absolute, as outside): check that inside the jail",
          "                              it names the same file, as an unmodified server needs (repeatable)",
          "  --name-lookups              the daemon resolves host names after confinement (NAME_LOOKUPS):",
          "                              check that the root has etc/nsswitch.conf, etc/hosts, etc/resolv.conf",
          "  --json                      print the findings as one JSON array of objects with the fields",
          "                              code, severity, what, why, fix (notes go to stderr)",
          "",
          "init options:",
          "  --root DIR                  the jail to make (absolute); its parent must exist",
          "  --user NAME|UID             the daemon's user: owns the --writable directories",
          "  --group GID                 their group (default: the user's primary group)",
          "  --name-lookups              etc/nsswitch.conf (hosts: files dns), and copies of the host's etc/hosts and",
          "                              etc/resolv.conf, root-owned 0644",
          "  --dev-null                  dev/null (character device 1,3, root-owned 0666); check reports a device",
          "                              node as an ERROR unless accepted: check --allow-device dev/null",
          "  --dev-urandom               dev/urandom (character device 1,9, root-owned 0666); as --dev-null",
          "  --writable SUBDIR           SUBDIR of DIR owned by the user, mode 0700, its parents root-owned 0755",
          "                              (repeatable; relative, no \"..\"); check needs --allow-writable SUBDIR",
          "  --jvm-files                 copies of the files the JVM reads lazily under its java.home (trust store,",
          "                              java.security and the JCE policy, tzdb.dat, logging and net properties, the",
          "                              libraries of net and management), at the same path in DIR, root-owned 0444,",
          "                              and etc/confine/jvm-files.sha256: apply() skips the preparations they make",
          "                              unnecessary; check warns when the host's files change since",
          "  --java-home DIR             the daemon's java.home for --jvm-files (default: this JVM's)",
          "  --force                     fix the owner and mode of existing paths that differ (never deletes,",
          "                              never rewrites a file's content)",
          "",
          "inspect options (what is expected; by default what confine's default policy leaves):",
          "  --root DIR                  the jail the process is meant to be in (default: any, but not \"/\")",
          "  --user NAME|UID             the user every thread is meant to run as (default: any but root, one per thread)",
          "  --group GID                 the group (default: the --user's primary group)",
          "  --groups GID,GID,...        the supplementary groups it is meant to keep (default: none)",
          "  --keep-capabilities CAP     NET_BIND_SERVICE or NET_RAW: accept it in threads' permitted and effective sets",
          "                              (repeatable; default: no capability)",
          "  --allow-new-privileges      accept threads without no_new_privs",
          "  --no-baseline-filter        accept threads without confine's baseline seccomp filter (one filter fewer)",
          "  --seccomp-filters N         expect at least N seccomp filters in every thread, instead of confine's own",
          "                              count (2 with no_new_privs, 1 without): for a process that stacks its own",
          "  --json                      print one JSON object: what was seen, every thread and descriptor, the findings",
          "",
          "  -h, --help                  this text");

  /** The arguments were wrong; the message says which. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** A parsed check command: the policy to check, and what the doctor does beyond it. */
  static final class CheckRequest {
    final ConfinementPolicy policy;
    final List<String> samePaths;
    final boolean json;
    final DoctorFindings.Invocation invocation;

    CheckRequest(ConfinementPolicy policy, List<String> samePaths, boolean json, DoctorFindings.Invocation invocation) {
      this.policy = policy;
      this.samePaths = List.copyOf(samePaths);
      this.json = json;
      this.invocation = invocation;
    }
  }

  private Doctor() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, ConfinementPolicy::check, JailInit.Machine.system()));
  }

  /** As main, with its streams and the check given, so it can be tested. */
  static int run(String[] args, PrintStream out, PrintStream err, Function<ConfinementPolicy, PreflightReport> check) {
    return run(args, out, err, check, JailInit.Machine.system());
  }

  /** Everything main does, with its streams, the check and init's machine given, so it can be tested. */
  static int run(String[] args, PrintStream out, PrintStream err, Function<ConfinementPolicy, PreflightReport> check, JailInit.Machine machine) {
    requireNonNull(args, "args");
    List<String> all = Arrays.asList(args);
    if (all.contains("-h") || all.contains("--help") || all.equals(List.of("help"))) {
      out.println(USAGE_TEXT);
      return OK;
    }
    if (!all.isEmpty() && all.get(0).equals("init")) {
      return JailInit.run(all.subList(1, all.size()), out, err, machine);
    }
    if (!all.isEmpty() && all.get(0).equals("inspect")) {
      return Inspect.run(all.subList(1, all.size()), out, err, Path.of("/proc"), machine.passwd);
    }
    CheckRequest request;
    try {
      request = parseCheck(args);
    } catch (UsageException e) {
      err.println("confine-doctor: " + e.getMessage());
      err.println(SEE_HELP);
      return USAGE;
    }
    ConfinementPolicy policy = request.policy;
    PreflightReport report;
    try {
      report = check.apply(policy);
    } catch (ConfinementException | IllegalStateException e) {
      err.println("confine-doctor: the check could not run: " + e.getMessage());
      return CHECK_FAILED;
    }
    List<Finding> shown = new ArrayList<>();
    Set<String> skipped = new TreeSet<>();
    for (Finding finding : report.findings()) {
      if (DoctorFindings.aboutTheDaemon(finding)) {
        shown.add(DoctorFindings.translate(finding, request.invocation));
      } else {
        skipped.add(finding.code());
      }
    }
    for (String path : request.samePaths) {
      shown.add(samePathFinding(policy.root(), path));
    }
    shown.addAll(jvmFilesFindings(policy.root()));
    PreflightReport doctors = new PreflightReport(shown);
    String note =
        "not shown: " + skipped.size() + " kind" + (skipped.size() == 1 ? "" : "s") + " of finding about this doctor process, not the daemon ("
            + String.join(", ", skipped) + "); the daemon's own apply() checks its own process.";
    if (request.json) {
      out.println(Json.array(doctors.findings()));
      if (!skipped.isEmpty()) {
        err.println("confine-doctor: " + note);
      }
    } else {
      out.println("confine doctor: " + policy.root() + " for user " + request.invocation.user + " (nothing was changed)");
      // The summary line even for none: scripts and people look for "0 error(s)".
      out.println(doctors.findings().isEmpty() ? "no findings" + System.lineSeparator() + "0 error(s), 0 warning(s), 0 info" : doctors);
      if (!skipped.isEmpty()) {
        out.println(note);
      }
    }
    return doctors.hasErrors() ? ERRORS_FOUND : OK;
  }

  /**
   * What init --jvm-files recorded against the host's files now: a WARNING for each host file that
   * changed since (apply() then finds the copy different and prepares as before, at the old cost)
   * or copy that no longer matches the record; an INFO when all match. Nothing without a record.
   */
  static List<Finding> jvmFilesFindings(Path root) {
    Path manifest = root.resolve(JailInit.JVM_FILES_MANIFEST);
    List<String> lines;
    try {
      if (!Files.isRegularFile(manifest, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        return List.of();
      }
      lines = Files.readAllLines(manifest, java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return List.of(new Finding(Severity.WARNING, "jvm-files-unreadable", manifest + " could not be read: " + e.getMessage(),
          "init --jvm-files records there what it copied, to tell when the host's JDK files change.",
          "Make it a root-owned regular file again: remove it and run confine-doctor init --jvm-files."));
    }
    List<Finding> findings = new ArrayList<>();
    int matching = 0;
    for (String line : lines) {
      int gap = line.indexOf("  ");
      if (gap != 64) {
        continue;
      }
      String recorded = line.substring(0, gap);
      String relative = line.substring(gap + 2);
      Path host = Path.of("/").resolve(relative);
      Path copy = root.resolve(relative);
      String fix = "Copy it again: remove " + copy + " and run confine-doctor init --root " + DoctorFindings.shell(root.toString())
          + " --jvm-files (with the same --user and flags as before).";
      String why = "apply() skips a JVM preparation only where the jail's copy holds the host's bytes; where they differ it prepares"
          + " as without the copies, and starts as slowly.";
      String hostNow = digest(host);
      // A link in the jail would be followed here on the host's side: only a regular file counts.
      String copyNow = Files.isRegularFile(copy, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? digest(copy) : "";
      if (!recorded.equals(hostNow)) {
        findings.add(new Finding(Severity.WARNING, "jvm-file-changed",
            host + (hostNow.isEmpty() ? " is gone" : " changed") + " since init copied it into the jail (an update of the JDK?)", why, fix));
      } else if (!recorded.equals(copyNow)) {
        findings.add(new Finding(Severity.WARNING, "jvm-file-copy-differs",
            copy + (copyNow.isEmpty() ? " is missing" : " no longer holds what init copied") + " from " + host, why, fix));
      } else {
        matching++;
      }
    }
    if (findings.isEmpty()) {
      findings.add(new Finding(Severity.INFO, "jvm-files-current",
          matching + " copies of JDK files in the jail match the host's files and init's record (" + JailInit.JVM_FILES_MANIFEST + ")",
          "apply() skips the JVM preparations these copies make unnecessary.", "Nothing to do."));
    }
    return findings;
  }

  /** The SHA-256 of a regular file (links followed: the host's JDK links its files into /etc), "" if it cannot be read. */
  private static String digest(Path file) {
    try {
      return JailInit.sha256(Files.readAllBytes(file));
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** A --same-path result as a finding: ERROR if the path names another file (or none) inside the jail. */
  static Finding samePathFinding(Path root, String path) {
    Optional<String> problem = samePathProblem(root, path);
    return problem.isPresent()
        ? new Finding(Severity.ERROR, "same-path", path + ": " + problem.get(),
            "The server was started with this path as it is outside; once confined it resolves the same name inside the jail.",
            "Put the server's files in the jail and start it with their path as seen outside; inside the jail make the jail's own"
                + " path a link to \"/\" (see docs/agent.md).")
        : new Finding(Severity.INFO, "same-path", path + ": inside the jail it names the same file as outside",
            "The server was started with this path as it is outside; once confined it resolves the same name inside the jail.",
            "Nothing to do.");
  }

  /**
   * Empty if {@code absolute}, resolved as the confined process will resolve it (from the root,
   * links inside the jail followed as the jail sees them, ".." stopping at the root), is the same
   * file as {@code absolute} outside; otherwise what differs and how to lay it out.
   */
  public static Optional<String> samePathProblem(Path root, String absolute) {
    Path outside = Path.of(absolute);
    if (!outside.isAbsolute()) {
      return Optional.of("not an absolute path");
    }
    if (!Files.exists(outside)) {
      return Optional.of("does not exist outside the jail");
    }
    java.util.Deque<String> pending = new java.util.ArrayDeque<>();
    for (Path name : outside) {
      pending.add(name.toString());
    }
    Path current = root;
    for (int hops = 0; !pending.isEmpty(); ) {
      String name = pending.poll();
      if (name.equals("..")) {
        current = current.equals(root) ? root : current.getParent();
        continue;
      }
      Path next = current.resolve(name);
      if (Files.isSymbolicLink(next)) {
        if (++hops > 40) {
          return Optional.of("too many links inside the jail (a loop?)");
        }
        Path target;
        try {
          target = Files.readSymbolicLink(next);
        } catch (java.io.IOException e) {
          return Optional.of("cannot read the link " + next + ": " + e.getMessage());
        }
        java.util.List<String> names = new ArrayList<>();
        for (Path part : target) {
          names.add(part.toString());
        }
        java.util.Collections.reverse(names);
        names.forEach(pending::addFirst);
        if (target.isAbsolute()) {
          current = root;
        }
        continue;
      }
      current = next;
    }
    try {
      if (!Files.exists(current) || !Files.isSameFile(current, outside)) {
        return Optional.of("inside the jail it is " + current + (Files.exists(current) ? ", another file" : ", which does not exist")
            + ": put the server's files in the jail, and make the jail's own path a link to \"/\" inside it"
            + " (ln -s / " + root + root + ", see docs/agent.md)");
      }
    } catch (java.io.IOException e) {
      return Optional.of("cannot compare " + current + " with " + absolute + ": " + e.getMessage());
    }
    return Optional.empty();
  }

  /** Parses "check --root DIR --user U [options]" into a policy. */
  static ConfinementPolicy parse(String[] args) throws UsageException {
    return parseCheck(args).policy;
  }

  /** Parses "check --root DIR --user U [options]": the policy, the --same-path values, --json. */
  static CheckRequest parseCheck(String[] args) throws UsageException {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    if (rest.isEmpty()) {
      throw new UsageException("no command given");
    }
    String command = rest.remove(0);
    if (!command.equals("check")) {
      throw new UsageException("unknown command \"" + command + "\" (the commands are \"check\", \"init\" and \"inspect\")");
    }
    // The policy's flags are confine's one vocabulary (PolicyOptions: --allow-writable here is
    // allow-writable for the agent and confine.allow-writable for the starter); the doctor's own
    // are --same-path, --json and --name-lookups.
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    List<String> samePaths = new ArrayList<>();
    boolean json = false;
    boolean nameLookups = false;
    for (int i = 0; i < rest.size(); i++) {
      String option = rest.get(i);
      if (option.equals("--json")) {
        json = true;
      } else if (option.equals("--name-lookups")) {
        nameLookups = true;
      } else if (option.equals("--same-path")) {
        samePaths.add(value(rest, i++, option));
      } else if (!option.startsWith("--")) {
        throw new UsageException("\"" + option + "\" is not a flag (flags begin with --)");
      } else {
        String key = option.substring(2);
        Optional<PolicyOptions.Option> declared = PolicyOptions.find(key);
        if (declared.isPresent() && declared.get().isFlag()) {
          entries.add(Map.entry(key, ""));
        } else if (declared.isPresent()) {
          String value = value(rest, i++, option);
          // A list flag takes several values at once, comma-separated (--groups 44,45), or repeats.
          for (String one : declared.get().repeats() ? value.split(",", -1) : new String[] {value}) {
            entries.add(Map.entry(key, one));
          }
        } else {
          entries.add(Map.entry(key, i + 1 < rest.size() && !rest.get(i + 1).startsWith("--") ? rest.get(++i) : ""));
        }
      }
    }
    ConfinementPolicy.Builder builder;
    try {
      builder = PolicyOptions.bind(entries, PolicyOptions.FrontEnd.DOCTOR, Set.of());
      if (nameLookups) {
        EnumSet<JvmFacility> facilities = JvmFacility.networkServer();
        facilities.add(JvmFacility.NAME_LOOKUPS);
        JvmFacility[] chosen = facilities.toArray(new JvmFacility[0]);
        builder.prepare(chosen[0], Arrays.copyOfRange(chosen, 1, chosen.length));
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    Path root = Path.of(first(entries, "root").orElseThrow());
    String user = first(entries, "user").orElseThrow();
    OptionalLong group = first(entries, "group").map(g -> OptionalLong.of(Long.parseLong(g))).orElse(OptionalLong.empty());
    return new CheckRequest(builder.build(), samePaths, json, new DoctorFindings.Invocation(root, user, group));
  }

  private static Optional<String> first(List<Map.Entry<String, String>> entries, String key) {
    return entries.stream().filter(e -> e.getKey().equals(key)).map(Map.Entry::getValue).findFirst();
  }

  static String value(List<String> args, int i, String option) throws UsageException {
    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(i + 1);
  }

  static long number(String text, String option) throws UsageException {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new UsageException(option + " takes a number, not \"" + text + "\"");
    }
  }
}
