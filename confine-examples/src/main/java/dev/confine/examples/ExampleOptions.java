package dev.confine.examples;

import java.nio.file.Path;

/**
 * The command-line options every example takes: where to listen, which jail, which ids, and how
 * long to run (tests use a free port and a bounded run; 0 seconds runs until killed).
 */
final class ExampleOptions {
  final String program;
  int port;
  Path root;
  long uid = 65534;
  long gid = 65534;
  String bind = "127.0.0.1";
  long seconds;

  private ExampleOptions(String program, int port, Path root) {
    this.program = program;
    this.port = port;
    this.root = root;
  }

  static ExampleOptions parse(String program, int defaultPort, Path defaultRoot, String[] args) {
    ExampleOptions o = new ExampleOptions(program, defaultPort, defaultRoot);
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        o.usage("missing value after " + args[i]);
      }
      try {
        switch (args[i]) {
          case "--port": o.port = Integer.parseInt(value); break;
          case "--root": o.root = Path.of(value); break;
          case "--user": o.uid = Long.parseLong(value); break;
          case "--group": o.gid = Long.parseLong(value); break;
          case "--bind": o.bind = value; break;
          case "--seconds": o.seconds = Long.parseLong(value); break;
          default: o.usage("unknown option " + args[i]);
        }
      } catch (NumberFormatException e) {
        o.usage("not a number after " + args[i] + ": " + value);
      }
      i++;
    }
    if (o.port < 0 || o.port > 65535) {
      o.usage("--port must be 0..65535: " + o.port);
    }
    if (!o.root.isAbsolute()) {
      o.usage("--root must be an absolute path: " + o.root);
    }
    return o;
  }

  private void usage(String problem) {
    System.err.println(program + ": " + problem);
    System.err.println(
        "usage: " + program + " [--port N] [--root DIR] [--user UID] [--group GID] [--bind ADDR] [--seconds N]");
    System.exit(2);
  }
}
