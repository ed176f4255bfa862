package dev.confine.internal.linux;

import java.util.ArrayList;
import java.util.List;

/** One thread's credentials as /proc/self/task/TID/status shows them. */
public final class ThreadStatus {
  public final long tid;
  public final String name;
  /** Real, effective, saved and file-system uid. */
  public final List<Long> uid;
  /** Real, effective, saved and file-system gid. */
  public final List<Long> gid;
  public final List<Long> groups;
  public final long capInh;
  public final long capPrm;
  public final long capEff;
  public final long capBnd;
  public final long capAmb;
  public final int noNewPrivs;
  /** 0 none, 1 strict, 2 filter. */
  public final int seccomp;
  /** The signals this thread blocks (SigBlk, bit n-1 for signal n); 0 where unread. */
  public final long sigBlk;
  /** How many seccomp filters the thread has (Seccomp_filters, kernel 5.9+); -1 where the kernel does not say. */
  public final int seccompFilters;

  public ThreadStatus(long tid, String name, List<Long> uid, List<Long> gid, List<Long> groups, long capInh, long capPrm,
      long capEff, long capBnd, long capAmb, int noNewPrivs, int seccomp) {
    this(tid, name, uid, gid, groups, capInh, capPrm, capEff, capBnd, capAmb, noNewPrivs, seccomp, 0, -1);
  }

  public ThreadStatus(long tid, String name, List<Long> uid, List<Long> gid, List<Long> groups, long capInh, long capPrm,
      long capEff, long capBnd, long capAmb, int noNewPrivs, int seccomp, long sigBlk, int seccompFilters) {
    this.sigBlk = sigBlk;
    this.seccompFilters = seccompFilters;
    this.tid = tid;
    this.name = name;
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
  }

  /**
   * Parses a status file. A field confine verifies that is missing (an old kernel) is an error,
   * never "fine": what cannot be read cannot be verified.
   */
  public static ThreadStatus parse(long tid, String status) {
    byte[] text = status.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return parse(tid, text, text.length);
  }

  /**
   * Parses the first {@code length} bytes of a status file as read: the one parser of it. apply()
   * reads every thread's status before and after the drop, thousands in a large server, mostly
   * in a cold JVM whose interpreter spends about 70 ns on each byte a Java loop looks at (100 µs
   * a status, more than the kernel's read; issue 28). So no Java loop walks the lines: each field
   * is found with String.indexOf(String) ("\nUid:"), which the JDK's own start has compiled
   * already, searched from where the field before it ended (the kernel writes them in this
   * order) and, should it not be there, from the start; only the values are looked at byte by
   * byte. A walk line by line cost about 40 µs a status in a cold JVM with 4,000 threads (a
   * classification, a colon search and a name comparison for each of some 30 lines).
   */
  public static ThreadStatus parse(long tid, byte[] text, int length) {
    String lines = new String(text, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    int[] at = {0};
    String name = "";
    int from = field(lines, "\nName:", at);
    if (from >= 0) {
      name = new String(text, from, at[0] - from, java.nio.charset.StandardCharsets.UTF_8);
    }
    List<Long> uid = (from = field(lines, "\nUid:", at)) < 0 ? null : ids(text, from, at[0]);
    List<Long> gid = (from = field(lines, "\nGid:", at)) < 0 ? null : ids(text, from, at[0]);
    List<Long> groups = (from = field(lines, "\nGroups:", at)) < 0 ? null : ids(text, from, at[0]);
    long sigBlk = (from = field(lines, "\nSigBlk:", at)) < 0 ? 0 : hex(text, from, at[0]);
    long capInh = (from = field(lines, "\nCapInh:", at)) < 0 ? -1 : hex(text, from, at[0]);
    long capPrm = (from = field(lines, "\nCapPrm:", at)) < 0 ? -1 : hex(text, from, at[0]);
    long capEff = (from = field(lines, "\nCapEff:", at)) < 0 ? -1 : hex(text, from, at[0]);
    long capBnd = (from = field(lines, "\nCapBnd:", at)) < 0 ? -1 : hex(text, from, at[0]);
    long capAmb = (from = field(lines, "\nCapAmb:", at)) < 0 ? -1 : hex(text, from, at[0]);
    int noNewPrivs = (from = field(lines, "\nNoNewPrivs:", at)) < 0 ? -1 : (int) decimal(text, from, at[0]);
    int seccomp = (from = field(lines, "\nSeccomp:", at)) < 0 ? -1 : (int) decimal(text, from, at[0]);
    int seccompFilters = (from = field(lines, "\nSeccomp_filters:", at)) < 0 ? -1 : (int) decimal(text, from, at[0]);
    if (uid == null || uid.size() != 4 || gid == null || gid.size() != 4 || groups == null || noNewPrivs < 0 || seccomp < 0
        || capInh < 0 || capPrm < 0 || capEff < 0 || capBnd < 0 || capAmb < 0) {
      throw new IllegalStateException(
          "status of thread " + tid + " lacks one of Uid, Gid, Groups, CapInh/Prm/Eff/Bnd/Amb, NoNewPrivs, Seccomp (kernel too old?)");
    }
    return new ThreadStatus(tid, name, uid, gid, groups, capInh, capPrm, capEff, capBnd, capAmb, noNewPrivs, seccomp, sigBlk, seccompFilters);
  }

  /**
   * Where the value of the line {@code key} ("\nUid:", the line's start included) begins, its
   * leading blanks skipped, or -1 if there is no such line; {@code at[0]} holds where the last
   * field's line ended, searched from first, and is set to the end of this value (its trailing
   * blanks left out). The first line has no "\n" before it: it is compared apart.
   */
  private static int field(String lines, String key, int[] at) {
    int found = lines.indexOf(key, at[0]);
    if (found < 0 && at[0] > 0) {
      found = lines.indexOf(key);
    }
    int from;
    if (found >= 0) {
      from = found + key.length();
    } else if (lines.regionMatches(0, key, 1, key.length() - 1)) {
      from = key.length() - 1;
    } else {
      return -1;
    }
    int end = lines.indexOf('\n', from);
    if (end < 0) {
      end = lines.length();
    }
    while (from < end && (lines.charAt(from) == '\t' || lines.charAt(from) == ' ')) {
      from++;
    }
    int to = end;
    while (to > from && (lines.charAt(to - 1) == ' ' || lines.charAt(to - 1) == '\t' || lines.charAt(to - 1) == '\r')) {
      to--;
    }
    at[0] = to;
    return from;
  }

  /**
   * A capability or signal mask: at most 16 hex digits (Long.parseUnsignedLong's range); anything
   * else is not a mask the kernel wrote, and an error.
   */
  private static long hex(byte[] text, int from, int to) {
    if (to == from || to - from > 16) {
      throw new NumberFormatException("not a 64-bit hex mask: \"" + new String(text, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1) + "\"");
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      // By hand, not Character.digit: four calls a digit, 16 digits a mask, in the interpreter.
      int c = text[i];
      int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (digit < 0) {
        throw new NumberFormatException("not a 64-bit hex mask: \"" + new String(text, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1) + "\"");
      }
      value = value << 4 | digit;
    }
    return value;
  }

  private static long decimal(byte[] text, int from, int to) {
    if (to == from || to - from > 18) {
      throw new NumberFormatException("not a decimal number: \"" + new String(text, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1) + "\"");
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      int digit = text[i] - '0';
      if (digit < 0 || digit > 9) {
        throw new NumberFormatException("not a decimal number: \"" + new String(text, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1) + "\"");
      }
      value = value * 10 + digit;
    }
    return value;
  }

  /**
   * How many CPUs the thread may run on: its status's Cpus_allowed_list ("0-3,8,10-11"), the
   * affinity the JVM counts when it knows no cgroup limit; empty if the line is missing or not a list.
   */
  public static java.util.OptionalInt allowedCpus(String status) {
    for (String line : status.split("\n")) {
      if (!line.startsWith("Cpus_allowed_list:")) {
        continue;
      }
      int count = 0;
      try {
        for (String range : line.substring("Cpus_allowed_list:".length()).trim().split(",")) {
          int dash = range.indexOf('-');
          int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
          int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
          count += last - first + 1;
        }
      } catch (NumberFormatException e) {
        return java.util.OptionalInt.empty();
      }
      return count > 0 ? java.util.OptionalInt.of(count) : java.util.OptionalInt.empty();
    }
    return java.util.OptionalInt.empty();
  }

  /** The whitespace-separated ids of a status line's value ("0\t0\t0\t0"): the one parser of them. */
  public static List<Long> ids(String value) {
    byte[] text = value.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    return ids(text, 0, text.length);
  }

  /**
   * The ids between {@code from} and {@code to}, by hand: split("\\s+") compiles a regex per
   * call, three per thread, twice per apply(), in the timed sections of a cold JVM.
   */
  private static List<Long> ids(byte[] text, int from, int to) {
    List<Long> ids = new ArrayList<>(4);
    int at = from;
    while (at < to) {
      while (at < to && isSpace(text[at])) {
        at++;
      }
      int end = at;
      while (end < to && !isSpace(text[end])) {
        end++;
      }
      if (end > at) {
        ids.add(decimal(text, at, end));
      }
      at = end;
    }
    return ids;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
  }

  @Override
  public String toString() {
    return String.format(
        "tid %d %s: Uid=%s Gid=%s Groups=%s CapInh=%016x CapPrm=%016x CapEff=%016x CapBnd=%016x CapAmb=%016x NoNewPrivs=%d Seccomp=%d",
        tid, name, uid, gid, groups, capInh, capPrm, capEff, capBnd, capAmb, noNewPrivs, seccomp);
  }
}
