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
   * a status, more than the kernel's read; issue 28). So the line ends are found by
   * String.indexOf(int), which the JDK's own start has compiled already; a line is looked at only
   * if its first letter may start a field named here, only the values of those fields are read,
   * and the reading stops once all of them are seen (Seccomp_filters, kernel 5.9+, is near the
   * end; the lines after it are never needed).
   */
  public static ThreadStatus parse(long tid, byte[] text, int length) {
    String name = "";
    List<Long> uid = null;
    List<Long> gid = null;
    List<Long> groups = null;
    long capInh = -1;
    long capPrm = -1;
    long capEff = -1;
    long capBnd = -1;
    long capAmb = -1;
    int noNewPrivs = -1;
    int seccomp = -1;
    long sigBlk = 0;
    int seccompFilters = -1;
    int seen = 0;
    String lines = new String(text, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    for (int at = 0; at < length && seen < FIELDS; ) {
      int end = lines.indexOf('\n', at);
      if (end < 0) {
        end = length;
      }
      byte first = text[at];
      if (first == 'N' || first == 'U' || first == 'G' || first == 'C' || first == 'S') {
        int colon = at + 1;
        while (colon < end && text[colon] != ':') {
          colon++;
        }
        int from = colon + 1;
        while (from < end && (text[from] == '\t' || text[from] == ' ')) {
          from++;
        }
        int to = end;
        while (to > from && (text[to - 1] == ' ' || text[to - 1] == '\t' || text[to - 1] == '\r')) {
          to--;
        }
        int before = seen;
        seen++;
        switch (colon < end ? colon - at : 0) {
          case 3:
            if (is(text, at, "Uid")) {
              uid = ids(text, from, to);
            } else if (is(text, at, "Gid")) {
              gid = ids(text, from, to);
            } else {
              seen = before;
            }
            break;
          case 4:
            if (is(text, at, "Name")) {
              name = new String(text, from, to - from, java.nio.charset.StandardCharsets.UTF_8);
            } else {
              seen = before;
            }
            break;
          case 6:
            if (is(text, at, "Groups")) {
              groups = ids(text, from, to);
            } else if (is(text, at, "CapInh")) {
              capInh = hex(text, from, to);
            } else if (is(text, at, "CapPrm")) {
              capPrm = hex(text, from, to);
            } else if (is(text, at, "CapEff")) {
              capEff = hex(text, from, to);
            } else if (is(text, at, "CapBnd")) {
              capBnd = hex(text, from, to);
            } else if (is(text, at, "CapAmb")) {
              capAmb = hex(text, from, to);
            } else if (is(text, at, "SigBlk")) {
              sigBlk = hex(text, from, to);
            } else {
              seen = before;
            }
            break;
          case 7:
            if (is(text, at, "Seccomp")) {
              seccomp = (int) decimal(text, from, to);
            } else {
              seen = before;
            }
            break;
          case 10:
            if (is(text, at, "NoNewPrivs")) {
              noNewPrivs = (int) decimal(text, from, to);
            } else {
              seen = before;
            }
            break;
          case 15:
            if (is(text, at, "Seccomp_filters")) {
              seccompFilters = (int) decimal(text, from, to);
            } else {
              seen = before;
            }
            break;
          default:
            seen = before;
            break;
        }
      }
      at = end + 1;
    }
    if (uid == null || uid.size() != 4 || gid == null || gid.size() != 4 || groups == null || noNewPrivs < 0 || seccomp < 0
        || capInh < 0 || capPrm < 0 || capEff < 0 || capBnd < 0 || capAmb < 0) {
      throw new IllegalStateException(
          "status of thread " + tid + " lacks one of Uid, Gid, Groups, CapInh/Prm/Eff/Bnd/Amb, NoNewPrivs, Seccomp (kernel too old?)");
    }
    return new ThreadStatus(tid, name, uid, gid, groups, capInh, capPrm, capEff, capBnd, capAmb, noNewPrivs, seccomp, sigBlk, seccompFilters);
  }

  /**
   * How many fields {@link #parse(long, byte[], int)} reads: Name, Uid, Gid, Groups, SigBlk,
   * CapInh, CapPrm, CapEff, CapBnd, CapAmb, NoNewPrivs, Seccomp, Seccomp_filters.
   */
  private static final int FIELDS = 13;

  /** Whether the field name at {@code at} is {@code key} (its length already matched). */
  private static boolean is(byte[] text, int at, String key) {
    for (int i = 0; i < key.length(); i++) {
      if (text[at + i] != key.charAt(i)) {
        return false;
      }
    }
    return true;
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
      int digit = Character.digit(text[i], 16);
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
