package dev.confine.internal.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one parser of /proc/self/cgroup: one line per hierarchy, "ID:CONTROLLERS:PATH". cgroup v1
 * lines name their controllers ("4:memory:/a", "2:cpu,cpuacct:/a"); the v2 line is "0::/a".
 */
public final class ProcCgroup {
  /** One line: the hierarchy's id, its controllers (empty for v2 and for named hierarchies' own names), the path. */
  public static final class Line {
    public final int hierarchy;
    public final List<String> controllers;
    /** The cgroup's path from its hierarchy's root, as the kernel shows it to this process. */
    public final String path;

    Line(int hierarchy, List<String> controllers, String path) {
      this.hierarchy = hierarchy;
      this.controllers = List.copyOf(controllers);
      this.path = path;
    }

    @Override
    public String toString() {
      return hierarchy + ":" + String.join(",", controllers) + ":" + path;
    }
  }

  private final List<Line> lines;

  private ProcCgroup(List<Line> lines) {
    this.lines = List.copyOf(lines);
  }

  /** Parses the file's text; a line that does not have the three fields is skipped. */
  public static ProcCgroup parse(String text) {
    List<Line> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      int first = line.indexOf(':');
      int second = first < 0 ? -1 : line.indexOf(':', first + 1);
      if (second < 0) {
        continue;
      }
      int hierarchy;
      try {
        hierarchy = Integer.parseInt(line.substring(0, first));
      } catch (NumberFormatException e) {
        continue;
      }
      String names = line.substring(first + 1, second);
      // The path is the rest of the line: a cgroup's name may hold a colon.
      lines.add(new Line(hierarchy, names.isEmpty() ? List.of() : List.of(names.split(",")), line.substring(second + 1)));
    }
    return new ProcCgroup(lines);
  }

  public List<Line> lines() {
    return lines;
  }

  /** The cgroup v1 line of the hierarchy that holds {@code controller} ("cpu", "memory"), if any. */
  public Optional<Line> v1(String controller) {
    // Loops, not streams with lambdas: preflight calls these on apply()'s cold path, where each
    // lambda spins a class.
    for (Line l : lines) {
      if (l.hierarchy != 0 && l.controllers.contains(controller)) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }

  /** The cgroup v2 line ("0::/path"), if the process is in a v2 hierarchy. */
  public Optional<Line> v2() {
    for (Line l : lines) {
      if (l.hierarchy == 0 && l.controllers.isEmpty()) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }
}
