package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The doctor's parsers of /proc files, one per file: a thread's {@code status}, a process's
 * {@code stat} and a descriptor's {@code fdinfo}.
 *
 * <p>Why the doctor has its own status parser when confine-core has one
 * ({@code dev.confine.internal.linux.ThreadStatus}, the verifier's): that class is internal.
 * confine-core's module exports only {@code dev.confine} (its internals only to the test kit, {@code dev.confine.testing}), and the
 * doctor uses only that API (it runs from the class path today, where the internal class would
 * load, but then the doctor would break the day it runs on the module path, and would tie a
 * command operators script against to a class that may change without notice). The core's parser
 * also has no {@code Seccomp_filters}, which inspect reports. So the tools package keeps exactly
 * this one parser of status, and nothing else in it reads status.
 */
final class ProcFiles {
  private ProcFiles() {}

  /**
   * A /proc file as text. Not Files.readString: a command or thread name is whatever bytes the
   * process set (prctl(PR_SET_NAME)), and one that is not UTF-8 must not stop the inspection; such
   * bytes become U+FFFD.
   */
  static String read(java.nio.file.Path file) throws java.io.IOException {
    return new String(java.nio.file.Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** One thread's credentials and confinement as its /proc/PID/task/TID/status shows them. */
  static final class Status {
    final long tid;
    final String name;
    /** Real, effective, saved and file-system uid. */
    final List<Long> uid;
    /** Real, effective, saved and file-system gid. */
    final List<Long> gid;
    final List<Long> groups;
    final long capInh;
    final long capPrm;
    final long capEff;
    final long capBnd;
    final long capAmb;
    final int noNewPrivs;
    /** 0 none, 1 strict, 2 filter. */
    final int seccomp;
    /** How many filters are attached (Linux 5.9 and later); empty where the kernel does not say. */
    final OptionalInt seccompFilters;

    Status(long tid, String name, List<Long> uid, List<Long> gid, List<Long> groups, long capInh, long capPrm, long capEff,
        long capBnd, long capAmb, int noNewPrivs, int seccomp, OptionalInt seccompFilters) {
      this.tid = tid;
      this.name = requireNonNull(name, "name");
      this.uid = List.copyOf(uid);
      this.gid = List.copyOf(gid);
      this.groups = List.copyOf(groups);
      this.capInh = capInh;
      this.capPrm = capPrm;
      this.capEff = capEff;
      this.capBnd = capBnd;
      this.capAmb = capAmb;
      this.noNewPrivs = noNewPrivs;
      this.seccomp = seccomp;
      this.seccompFilters = requireNonNull(seccompFilters, "seccompFilters");
    }

    long effectiveUid() {
      return uid.get(1);
    }
  }

  /**
   * Parses a status file. A field inspect judges that is missing is an error, never "fine": what
   * cannot be read cannot be vouched for. Seccomp_filters alone may be missing (kernels before 5.9).
   *
   * @throws IllegalArgumentException naming the thread and the field when one is missing or malformed
   */
  static Status status(long tid, String text) {
    requireNonNull(text, "text");
    String name = "";
    List<Long> uid = null;
    List<Long> gid = null;
    List<Long> groups = null;
    long[] caps = {-1, -1, -1, -1, -1};
    int noNewPrivs = -1;
    int seccomp = -1;
    OptionalInt filters = OptionalInt.empty();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String field = line.substring(0, colon);
      String value = line.substring(colon + 1).trim();
      try {
        switch (field) {
          case "Name": name = value; break;
          case "Uid": uid = ids(value); break;
          case "Gid": gid = ids(value); break;
          case "Groups": groups = ids(value); break;
          case "CapInh": caps[0] = Long.parseUnsignedLong(value, 16); break;
          case "CapPrm": caps[1] = Long.parseUnsignedLong(value, 16); break;
          case "CapEff": caps[2] = Long.parseUnsignedLong(value, 16); break;
          case "CapBnd": caps[3] = Long.parseUnsignedLong(value, 16); break;
          case "CapAmb": caps[4] = Long.parseUnsignedLong(value, 16); break;
          case "NoNewPrivs": noNewPrivs = Integer.parseInt(value); break;
          case "Seccomp": seccomp = Integer.parseInt(value); break;
          case "Seccomp_filters": filters = OptionalInt.of(Integer.parseInt(value)); break;
          default: break;
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("status of thread " + tid + ": " + field + " is not a number: \"" + value + "\"", e);
      }
    }
    if (uid == null || uid.size() != 4 || gid == null || gid.size() != 4 || groups == null || noNewPrivs < 0 || seccomp < 0
        || caps[0] < 0 || caps[1] < 0 || caps[2] < 0 || caps[3] < 0 || caps[4] < 0) {
      throw new IllegalArgumentException(
          "status of thread " + tid + " lacks one of Uid, Gid (four ids each), Groups, CapInh/Prm/Eff/Bnd/Amb, NoNewPrivs, Seccomp"
              + " (a kernel older than 4.10?)");
    }
    return new Status(tid, name, uid, gid, groups, caps[0], caps[1], caps[2], caps[3], caps[4], noNewPrivs, seccomp, filters);
  }

  /** The whitespace-separated ids of a status line's value ("0\t0\t0\t0"). */
  static List<Long> ids(String value) {
    List<Long> ids = new ArrayList<>();
    for (String id : value.trim().split("\\s+")) {
      if (!id.isEmpty()) {
        ids.add(Long.parseLong(id));
      }
    }
    return ids;
  }

  /** What inspect takes from /proc/PID/stat: the command and the controlling terminal. */
  static final class Stat {
    final String command;
    /** The session id. */
    final long session;
    /** The controlling terminal's device number (major in bits 8-15 and 20-31, minor in 0-7 and 12-19); 0: none. */
    final long ttyNr;

    Stat(String command, long session, long ttyNr) {
      this.command = requireNonNull(command, "command");
      this.session = session;
      this.ttyNr = ttyNr;
    }

    int ttyMajor() {
      return (int) ((ttyNr >> 8) & 0xfff);
    }

    int ttyMinor() {
      return (int) ((ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00));
    }
  }

  /**
   * Parses /proc/PID/stat ("pid (comm) state ppid pgrp session tty_nr ..."). The command may hold
   * spaces and parentheses, so the fields are counted from the last ')'.
   *
   * @throws IllegalArgumentException when the text is not a stat line
   */
  static Stat stat(String text) {
    requireNonNull(text, "text");
    int open = text.indexOf('(');
    int close = text.lastIndexOf(')');
    if (open < 0 || close < open) {
      throw new IllegalArgumentException("not a /proc/PID/stat line: \"" + text.strip() + "\"");
    }
    String[] after = text.substring(close + 1).trim().split("\\s+");
    // after: state(3) ppid(4) pgrp(5) session(6) tty_nr(7)
    if (after.length < 5) {
      throw new IllegalArgumentException("/proc/PID/stat ends before tty_nr: \"" + text.strip() + "\"");
    }
    try {
      return new Stat(text.substring(open + 1, close), Long.parseLong(after[3]), Long.parseLong(after[4]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("/proc/PID/stat: session or tty_nr is not a number: \"" + text.strip() + "\"", e);
    }
  }

  /** What inspect takes from /proc/PID/fdinfo/N: the open flags and the mount. */
  static final class FdInfo {
    /** The open flags (octal in the file); O_ACCMODE of them says read, write or both. */
    final int flags;
    /** The mount the descriptor's file lies on; empty before Linux 3.15. */
    final OptionalLong mountId;

    FdInfo(int flags, OptionalLong mountId) {
      this.flags = flags;
      this.mountId = requireNonNull(mountId, "mountId");
    }

    /** "read", "write" or "read-write", from O_ACCMODE; "path" for O_PATH. */
    String access() {
      if ((flags & O_PATH) != 0) {
        return "path";
      }
      switch (flags & 3) {
        case 0: return "read";
        case 1: return "write";
        default: return "read-write";
      }
    }

    boolean writable() {
      return (flags & O_PATH) == 0 && (flags & 3) != 0;
    }
  }

  /** O_PATH on every Linux architecture the JDK runs on (asm-generic: 010000000). */
  static final int O_PATH = 010000000;

  /**
   * Parses /proc/PID/fdinfo/N ("pos:\t0\nflags:\t0100000\nmnt_id:\t25\n...").
   *
   * @throws IllegalArgumentException when flags is missing or not octal
   */
  static FdInfo fdinfo(String text) {
    requireNonNull(text, "text");
    int flags = -1;
    OptionalLong mount = OptionalLong.empty();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String value = line.substring(colon + 1).trim();
      try {
        switch (line.substring(0, colon)) {
          case "flags": flags = Integer.parseInt(value, 8); break;
          case "mnt_id": mount = OptionalLong.of(Long.parseLong(value)); break;
          default: break;
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("fdinfo: " + line.substring(0, colon) + " is not a number: \"" + value + "\"", e);
      }
    }
    if (flags < 0) {
      throw new IllegalArgumentException("fdinfo has no flags line: \"" + text.strip() + "\"");
    }
    return new FdInfo(flags, mount);
  }
}
