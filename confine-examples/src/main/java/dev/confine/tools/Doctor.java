package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.PreflightReport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Audits a jail for a user without confining anything: runs every preflight check
 * ({@link ConfinementPolicy#check()}), prints the findings as a table, and exits 1 when there is
 * an ERROR, 0 otherwise; 2 for bad arguments (with the usage, never a stack trace); 3 when the
 * check itself could not run.
 *
 * <pre>
 * java -cp confine-examples/target/confine-examples.jar dev.confine.tools.Doctor check --root /srv/jail --user www-data
 * </pre>
 */
public final class Doctor {
  public static final int OK = 0;
  public static final int ERRORS_FOUND = 1;
  public static final int USAGE = 2;
  public static final int CHECK_FAILED = 3;

  static final String USAGE_TEXT =
      String.join(
          System.lineSeparator(),
          "usage: confine-doctor check --root DIR --user NAME|UID [options]",
          "",
          "Runs confine's preflight checks against DIR for the user, as apply() would, and changes nothing.",
          "Exit status: 0 no error, 1 at least one ERROR finding, 2 bad arguments, 3 the check could not run.",
          "",
          "options:",
          "  --root DIR                  the directory the daemon will chroot into (absolute)",
          "  --user NAME|UID             the user the daemon will become",
          "  --group GID                 the group to become (default: the user's primary group)",
          "  --groups GID,GID,...        supplementary groups to keep (default: none)",
          "  --allow-writable SUBDIR     accept that the user may write SUBDIR of the root (repeatable)",
          "  --allow-device PATH         accept the device node PATH of the root, e.g. dev/null (repeatable)",
          "  --allow-setuid PATH         accept the setuid/setgid file PATH of the root, e.g. bin/ping (repeatable)",
          "  --allow-mount PATH          accept the mount at PATH of the root without nodev,nosuid (repeatable)",
          "  --same-path PATH            a path the server names (absolute, as outside): check that inside the jail",
          "                              it names the same file, as an unmodified server needs (repeatable)",
          "  --allow-shared-uid          accept other processes running as the user",
          "  --allow-open-directory FD   accept open directory FD inside the root (repeatable)",
          "  --name-lookups              the daemon resolves host names after confinement (NAME_LOOKUPS):",
          "                              check that the root has etc/nsswitch.conf, etc/hosts, etc/resolv.conf",
          "  -h, --help                  this text");

  /** The arguments were wrong; the message says which. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private Doctor() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, ConfinementPolicy::check));
  }

  /** Everything main does, with its streams and the check given, so it can be tested. */
  static int run(String[] args, PrintStream out, PrintStream err, Function<ConfinementPolicy, PreflightReport> check) {
    requireNonNull(args, "args");
    if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help"))) {
      out.println(USAGE_TEXT);
      return OK;
    }
    ConfinementPolicy policy;
    List<String> samePaths = new ArrayList<>();
    try {
      policy = parse(args, samePaths);
    } catch (UsageException e) {
      err.println("confine-doctor: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    PreflightReport report;
    try {
      report = check.apply(policy);
    } catch (ConfinementException | IllegalStateException e) {
      err.println("confine-doctor: the check could not run: " + e.getMessage());
      return CHECK_FAILED;
    }
    out.println("confine doctor: " + policy.root() + " for user " + policy.userName().orElseGet(() -> String.valueOf(policy.uid().getAsLong()))
        + " (nothing was changed)");
    out.println(report);
    boolean pathsDiffer = false;
    for (String path : samePaths) {
      Optional<String> problem = samePathProblem(policy.root(), path);
      out.println((problem.isPresent() ? "ERROR   same-path " : "OK      same-path ") + path + ": "
          + problem.orElse("inside the jail it names the same file as outside"));
      pathsDiffer |= problem.isPresent();
    }
    return report.hasErrors() || pathsDiffer ? ERRORS_FOUND : OK;
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
    return parse(args, new ArrayList<>());
  }

  /** As {@link #parse(String[])}, collecting the --same-path values. */
  static ConfinementPolicy parse(String[] args, List<String> samePaths) throws UsageException {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    if (rest.isEmpty()) {
      throw new UsageException("no command given");
    }
    String command = rest.remove(0);
    if (!command.equals("check")) {
      throw new UsageException("unknown command \"" + command + "\" (the only one is \"check\")");
    }
    ConfinementPolicy.Builder builder = Confinement.builder();
    boolean root = false;
    boolean user = false;
    try {
      for (int i = 0; i < rest.size(); i++) {
        String option = rest.get(i);
        switch (option) {
          case "--root":
            builder.root(value(rest, i++, option));
            root = true;
            break;
          case "--user":
            {
              String value = value(rest, i++, option);
              if (value.matches("[0-9]+")) {
                builder.user(number(value, option));
              } else {
                builder.user(value);
              }
              user = true;
              break;
            }
          case "--group":
            builder.group(number(value(rest, i++, option), option));
            break;
          case "--groups":
            {
              String value = value(rest, i++, option);
              String[] parts = value.isEmpty() ? new String[0] : value.split(",", -1);
              long[] gids = new long[parts.length];
              for (int g = 0; g < parts.length; g++) {
                gids[g] = number(parts[g], option);
              }
              builder.supplementaryGroups(gids);
              break;
            }
          case "--allow-writable":
            builder.allowWritable(value(rest, i++, option));
            break;
          case "--allow-device":
            builder.allowDeviceNodes(value(rest, i++, option));
            break;
          case "--allow-setuid":
            builder.allowSetuidFiles(value(rest, i++, option));
            break;
          case "--same-path":
            samePaths.add(value(rest, i++, option));
            break;
          case "--allow-mount":
            builder.allowMounts(value(rest, i++, option));
            break;
          case "--allow-shared-uid":
            builder.allowSharedUid();
            break;
          case "--allow-open-directory":
            {
              long fd = number(value(rest, i++, option), option);
              if (fd > Integer.MAX_VALUE) {
                throw new UsageException("--allow-open-directory: not a file descriptor: " + fd);
              }
              builder.allowOpenDirectory((int) fd);
              break;
            }
          case "--name-lookups":
            {
              java.util.EnumSet<dev.confine.JvmFacility> facilities = dev.confine.JvmFacility.networkServer();
              facilities.add(dev.confine.JvmFacility.NAME_LOOKUPS);
              dev.confine.JvmFacility[] all = facilities.toArray(new dev.confine.JvmFacility[0]);
              builder.prepare(all[0], java.util.Arrays.copyOfRange(all, 1, all.length));
              break;
            }
          default:
            throw new UsageException("unknown option \"" + option + "\"");
        }
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (!root) {
      throw new UsageException("--root DIR is required");
    }
    if (!user) {
      throw new UsageException("--user NAME|UID is required");
    }
    return builder.build();
  }

  private static String value(List<String> args, int i, String option) throws UsageException {
    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(i + 1);
  }

  private static long number(String text, String option) throws UsageException {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new UsageException(option + " takes a number, not \"" + text + "\"");
    }
  }
}
