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
    String name = "";
    List<Long> uid = null;
    List<Long> gid = null;
    List<Long> groups = null;
    long[] caps = {-1, -1, -1, -1, -1};
    int noNewPrivs = -1;
    int seccomp = -1;
    long sigBlk = 0;
    int seccompFilters = -1;
    for (String line : status.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String value = line.substring(colon + 1).trim();
      switch (line.substring(0, colon)) {
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
        case "Seccomp_filters": seccompFilters = Integer.parseInt(value); break;
        case "SigBlk": sigBlk = Long.parseUnsignedLong(value, 16); break;
        default: break;
      }
    }
    if (uid == null || uid.size() != 4 || gid == null || gid.size() != 4 || groups == null || noNewPrivs < 0 || seccomp < 0
        || caps[0] < 0 || caps[1] < 0 || caps[2] < 0 || caps[3] < 0 || caps[4] < 0) {
      throw new IllegalStateException(
          "status of thread " + tid + " lacks one of Uid, Gid, Groups, CapInh/Prm/Eff/Bnd/Amb, NoNewPrivs, Seccomp (kernel too old?)");
    }
    return new ThreadStatus(tid, name, uid, gid, groups, caps[0], caps[1], caps[2], caps[3], caps[4], noNewPrivs, seccomp, sigBlk, seccompFilters);
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
    // By hand, not split("\\s+"): that compiles a regex per call, three per thread, twice per
    // apply(), in the timed sections of a cold JVM.
    List<Long> ids = new ArrayList<>();
    int at = 0;
    int length = value.length();
    while (at < length) {
      while (at < length && Character.isWhitespace(value.charAt(at))) {
        at++;
      }
      int end = at;
      while (end < length && !Character.isWhitespace(value.charAt(end))) {
        end++;
      }
      if (end > at) {
        ids.add(Long.parseLong(value.substring(at, end)));
      }
      at = end;
    }
    return ids;
  }

  @Override
  public String toString() {
    return String.format(
        "tid %d %s: Uid=%s Gid=%s Groups=%s CapInh=%016x CapPrm=%016x CapEff=%016x CapBnd=%016x CapAmb=%016x NoNewPrivs=%d Seccomp=%d",
        tid, name, uid, gid, groups, capInh, capPrm, capEff, capBnd, capAmb, noNewPrivs, seccomp);
  }
}
