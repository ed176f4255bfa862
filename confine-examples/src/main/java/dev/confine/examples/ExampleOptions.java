package dev.confine.examples;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * The command-line options every example takes: where to listen, which jail, which ids, and how
 * long to run (tests use a free port and a bounded run; 0 seconds runs until killed).
 */
final class ExampleOptions {
  final String program;
  final int port;
  final Path root;
  final long uid;
  final long gid;
  final String bind;
  final long seconds;
  /** False with --no-confine: the control run the benchmarks compare against. */
  final boolean confine;

  /** The arguments asked for the usage, or were wrong: what to print, where, and the exit status. */
  static final class Exit extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Exit(int status, String text) {
      super(text);
      this.status = status;
    }
  }

  private ExampleOptions(String program, int port, Path root, long uid, long gid, String bind, long seconds, boolean confine) {
    this.program = program;
    this.port = port;
    this.root = root;
    this.uid = uid;
    this.gid = gid;
    this.bind = bind;
    this.seconds = seconds;
    this.confine = confine;
  }

  /** As {@link #parse}, for main: prints the usage (stdout, 0) or the problem and the usage (stderr, 2) and exits. */
  static ExampleOptions parseOrExit(String program, int defaultPort, Path defaultRoot, String[] args) {
    try {
      return parse(program, defaultPort, defaultRoot, args);
    } catch (Exit exit) {
      (exit.status == 0 ? System.out : System.err).println(exit.getMessage());
      System.exit(exit.status);
      throw new AssertionError("System.exit returned");
    }
  }

  /**
   * The options, or {@link Exit}: status 0 with the usage for {@code -h}/{@code --help}, status 2
   * with the problem (naming the value) and the usage for anything wrong.
   */
  static ExampleOptions parse(String program, int defaultPort, Path defaultRoot, String[] args) throws Exit {
    requireNonNull(program, "program");
    requireNonNull(defaultRoot, "defaultRoot");
    requireNonNull(args, "args");
    int port = defaultPort;
    Path root = defaultRoot;
    long uid = 65534;
    long gid = 65534;
    String bind = "127.0.0.1";
    long seconds = 0;
    boolean confine = true;
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (option.equals("-h") || option.equals("--help")) {
        throw new Exit(0, usage(program, defaultPort, defaultRoot));
      }
      if (option.equals("--no-confine")) {
        confine = false;
        continue;
      }
      if (i + 1 >= args.length) {
        throw problem(program, defaultPort, defaultRoot, "missing value after " + option);
      }
      String value = args[++i];
      try {
        switch (option) {
          case "--port": port = Integer.parseInt(value); break;
          case "--root": root = Path.of(value); break;
          case "--user": uid = Long.parseLong(value); break;
          case "--group": gid = Long.parseLong(value); break;
          case "--bind": bind = value; break;
          case "--seconds": seconds = Long.parseLong(value); break;
          default: throw problem(program, defaultPort, defaultRoot, "unknown option " + option);
        }
      } catch (NumberFormatException e) {
        throw problem(program, defaultPort, defaultRoot, "not a number after " + option + ": " + value);
      }
    }
    if (port < 0 || port > 65535) {
      throw problem(program, defaultPort, defaultRoot, "--port must be 0..65535: " + port);
    }
    if (!root.isAbsolute()) {
      throw problem(program, defaultPort, defaultRoot, "--root must be an absolute path: " + root);
    }
    if (seconds < 0) {
      throw problem(program, defaultPort, defaultRoot, "--seconds must be 0 or more: " + seconds);
    }
    return new ExampleOptions(program, port, root, uid, gid, bind, seconds, confine);
  }

  private static Exit problem(String program, int defaultPort, Path defaultRoot, String problem) {
    return new Exit(2, program + ": " + problem + System.lineSeparator() + usage(program, defaultPort, defaultRoot));
  }

  static String usage(String program, int defaultPort, Path defaultRoot) {
    return String.join(
        System.lineSeparator(),
        "usage: " + program + " [--port N] [--root DIR] [--user UID] [--group GID] [--bind ADDR] [--seconds N] [--no-confine]",
        "",
        "Binds ADDR:N as root, confines itself into DIR as UID:GID (chroot, then gives up root),",
        "and answers each request with the ids it now holds and what its \"/\" holds. Run it as root.",
        "",
        "options:",
        "  --port N       the port to listen on (default " + defaultPort + "; 0 picks a free one)",
        "  --root DIR     the jail, an absolute path (default " + defaultRoot + "); made root-owned 0755",
        "                 if missing, and its parent directories must be root-owned, not writable by others",
        "  --user UID     the uid to become (default 65534)",
        "  --group GID    the gid to become (default 65534)",
        "  --bind ADDR    the address to listen on (default 127.0.0.1)",
        "  --seconds N    stop after N seconds and exit 0 (default 0: run until killed)",
        "  --no-confine   serve as root without confining: a control run for comparisons (bash bench/run);",
        "                 the page then lists DIR instead of \"/\"",
        "  -h, --help     this text");
  }
}
