package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import dev.confine.Capability;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code confine-doctor inspect PID}: from outside, as root, whether a running process is confined
 * and how, read from /proc alone ({@link InspectedProcess}), judged against what the flags expect
 * (by default what confine's default policy leaves: no root in any thread, a chroot, no
 * capability, no supplementary group, no_new_privs, a seccomp filter, not dumpable, no
 * controlling terminal, no directory open outside the root). Exit status 0 when confined as
 * expected (no ERROR finding), 1 with an ERROR finding, 2 bad arguments, 3 could not run.
 */
final class Inspect {
  static final String USAGE_LINE =
      "usage: confine-doctor inspect PID [--root DIR] [--user NAME|UID] [--group GID] [--groups GID,...]"
          + " [--keep-capabilities CAP]... [--allow-new-privileges] [--no-baseline-filter] [--seccomp-filters N] [--json]";

  /** The names of capabilities(7) by number, for findings; a number past the table is shown as "cap_N". */
  private static final List<String> CAPABILITY_NAMES =
      List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
          "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE",
          "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
          "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
          "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

  /** Character devices that give nothing away when open outside the root: null, zero, full, random, urandom. */
  private static final Set<String> HARMLESS_DEVICES = Set.of("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom");

  /** At most this many threads or descriptors are named in a finding; the rest are counted. */
  private static final int NAMED = 5;

  /** What the flags say the process should look like. */
  static final class Expectations {
    final long pid;
    final Optional<Path> root;
    /** The --user as given, for messages. */
    final Optional<String> user;
    final OptionalLong uid;
    final OptionalLong gid;
    final Set<Long> groups;
    final Set<Capability> kept;
    final boolean newPrivilegesAllowed;
    final boolean noFilterAllowed;
    /** --seccomp-filters N: at least N filters in every thread, instead of what confine's policies leave. */
    final OptionalInt seccompFilters;
    final boolean json;

    Expectations(long pid, Optional<Path> root, Optional<String> user, OptionalLong uid, OptionalLong gid, Set<Long> groups,
        Set<Capability> kept, boolean newPrivilegesAllowed, boolean noFilterAllowed, OptionalInt seccompFilters, boolean json) {
      this.pid = pid;
      this.root = requireNonNull(root, "root");
      this.user = requireNonNull(user, "user");
      this.uid = requireNonNull(uid, "uid");
      this.gid = requireNonNull(gid, "gid");
      this.groups = Set.copyOf(groups);
      this.kept = kept.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(kept));
      this.newPrivilegesAllowed = newPrivilegesAllowed;
      this.noFilterAllowed = noFilterAllowed;
      this.seccompFilters = requireNonNull(seccompFilters, "seccompFilters");
      this.json = json;
    }

    /**
     * The fewest seccomp filters a thread may have. confine's apply() installs its baseline filter
     * (unless noBaselineFilter()) and, with no_new_privs, a closing filter with TSYNC that puts
     * every thread under the same filters (an allow-all one, or the denySyscalls() list); denyExec()
     * adds one. /proc shows only how many filters a thread has, not what they refuse, so the count
     * is the one outside sign of the baseline: 2 with no_new_privs, 1 without; one less with
     * noBaselineFilter(). A process that stacks filters of its own (a unit's SystemCallFilter=)
     * says how many with --seccomp-filters N.
     */
    int fewestFilters(ProcFiles.Status thread) {
      if (seccompFilters.isPresent()) {
        return seccompFilters.getAsInt();
      }
      return (noFilterAllowed ? 0 : 1) + (thread.noNewPrivs == 1 ? 1 : 0);
    }

    long keptMask() {
      return kept.stream().mapToLong(Capability::mask).reduce(0, (a, b) -> a | b);
    }
  }

  private Inspect() {}

  /**
   * Runs inspect: {@code args} are those after "inspect"; {@code proc} is /proc (a test's copy of
   * its files otherwise), {@code passwd} resolves --user as {@link JailInit.Machine#passwd} does.
   */
  static int run(List<String> args, PrintStream out, PrintStream err, Path proc, Function<String, Optional<long[]>> passwd) {
    Expectations expected;
    try {
      expected = parse(args, passwd);
    } catch (Doctor.UsageException e) {
      err.println("confine-doctor: " + e.getMessage());
      err.println(USAGE_LINE);
      err.println("(confine-doctor --help describes every flag)");
      return Doctor.USAGE;
    } catch (UncheckedIOException e) {
      err.println("confine-doctor: inspect could not run: " + e.getMessage());
      return Doctor.CHECK_FAILED;
    }
    Optional<InspectedProcess.Place> expectedRoot;
    InspectedProcess process;
    try {
      long doctorUid = ProcFiles.status(0, ProcFiles.read(proc.resolve("self/status"))).effectiveUid();
      if (doctorUid != 0) {
        err.println("confine-doctor: inspect runs as root (it reads another user's /proc/PID/fd and task files); this runs as uid "
            + doctorUid);
        return Doctor.CHECK_FAILED;
      }
      expectedRoot = expected.root.isEmpty() ? Optional.empty() : Optional.of(place(expected.root.get()));
      process = InspectedProcess.read(proc, expected.pid);
    } catch (NoSuchFileException e) {
      // The process's directory gone: no such process (or it ended); a file of it gone: it ended meanwhile, or is a zombie.
      err.println("confine-doctor: inspect could not run: " + (Files.isDirectory(proc.resolve(String.valueOf(expected.pid)))
          ? "process " + expected.pid + " has no " + e.getFile() + " (it ended while it was read, or is a zombie)"
          : "no process " + expected.pid + " (" + e.getFile() + (e.getReason() == null ? "" : ": " + e.getReason()) + ")"));
      return Doctor.CHECK_FAILED;
    } catch (IOException | IllegalArgumentException e) {
      err.println("confine-doctor: inspect could not run: " + e);
      return Doctor.CHECK_FAILED;
    }
    PreflightReport report = new PreflightReport(judge(process, expected, expectedRoot));
    out.println(expected.json ? json(process, report) : human(process, expected, report));
    return report.hasErrors() ? Doctor.ERRORS_FOUND : Doctor.OK;
  }

  /** The expected root as the doctor sees it: its real path, device, inode and mount. */
  private static InspectedProcess.Place place(Path root) throws IOException {
    Path real = root.toRealPath();
    Map<String, Object> a = Files.readAttributes(real, "unix:dev,ino");
    return new InspectedProcess.Place(real.toString(), InspectedProcess.device((Long) a.get("dev")), (Long) a.get("ino"),
        InspectedProcess.mountId(real));
  }

  /** Parses the arguments after "inspect". */
  static Expectations parse(List<String> args, Function<String, Optional<long[]>> passwd) throws Doctor.UsageException {
    OptionalLong pid = OptionalLong.empty();
    Optional<Path> root = Optional.empty();
    Optional<String> user = Optional.empty();
    OptionalLong group = OptionalLong.empty();
    Set<Long> groups = new HashSet<>();
    Set<Capability> kept = EnumSet.noneOf(Capability.class);
    boolean newPrivileges = false;
    boolean noFilter = false;
    OptionalInt filters = OptionalInt.empty();
    boolean json = false;
    for (int i = 0; i < args.size(); i++) {
      String option = args.get(i);
      switch (option) {
        case "--root":
          {
            String value = Doctor.value(args, i++, option);
            Path path = Path.of(value);
            if (!path.isAbsolute()) {
              throw new Doctor.UsageException("--root " + value + ": give an absolute path");
            }
            if (!Files.isDirectory(path)) {
              throw new Doctor.UsageException("--root " + value + " is not a directory");
            }
            root = Optional.of(path);
            break;
          }
        case "--user":
          user = Optional.of(Doctor.value(args, i++, option));
          break;
        case "--group":
          group = OptionalLong.of(id(Doctor.value(args, i++, option), option));
          break;
        case "--groups":
          {
            String value = Doctor.value(args, i++, option);
            for (String part : value.isEmpty() ? new String[0] : value.split(",", -1)) {
              groups.add(id(part, option));
            }
            break;
          }
        case "--keep-capabilities":
          {
            String value = Doctor.value(args, i++, option);
            String name = value.toUpperCase(Locale.ROOT).replaceFirst("^CAP_", "");
            try {
              kept.add(Capability.valueOf(name));
            } catch (IllegalArgumentException e) {
              throw new Doctor.UsageException("--keep-capabilities " + value + ": confine keeps only "
                  + EnumSet.allOf(Capability.class).stream().map(Capability::name).collect(Collectors.joining(" or ")));
            }
            break;
          }
        case "--allow-new-privileges":
          newPrivileges = true;
          break;
        case "--no-baseline-filter":
          noFilter = true;
          break;
        case "--seccomp-filters":
          {
            String value = Doctor.value(args, i++, option);
            long n = Doctor.number(value, option);
            if (n < 0 || n > 1000) {
              throw new Doctor.UsageException("--seccomp-filters " + value + ": a count of filters, 0 to 1000");
            }
            filters = OptionalInt.of((int) n);
            break;
          }
        case "--json":
          json = true;
          break;
        default:
          if (option.startsWith("-")) {
            throw new Doctor.UsageException("unknown option \"" + option + "\" for inspect");
          }
          if (pid.isPresent()) {
            throw new Doctor.UsageException("one PID only: \"" + option + "\" follows " + pid.getAsLong());
          }
          if (!option.matches("[0-9]{1,10}") || Long.parseLong(option) < 1 || Long.parseLong(option) > Integer.MAX_VALUE) {
            throw new Doctor.UsageException("the PID must be a process id (a number from 1), not \"" + option + "\"");
          }
          pid = OptionalLong.of(Long.parseLong(option));
      }
    }
    if (pid.isEmpty()) {
      throw new Doctor.UsageException("inspect needs the PID of the process to inspect");
    }
    OptionalLong uid = OptionalLong.empty();
    OptionalLong gid = group;
    if (user.isPresent()) {
      String name = user.get();
      boolean numeric = name.matches("[0-9]{1,10}");
      if (numeric && Long.parseLong(name) > ConfinementPolicy.MAX_ID) {
        throw new Doctor.UsageException("--user " + name + " is above " + ConfinementPolicy.MAX_ID + ", the largest uid");
      }
      Optional<long[]> entry = passwd.apply(name);
      if (!numeric && entry.isEmpty()) {
        throw new Doctor.UsageException("--user " + name + ": no such user in the passwd database (give a uid)");
      }
      uid = OptionalLong.of(numeric ? Long.parseLong(name) : entry.get()[0]);
      // As apply() does: without --group, the user's primary group, if the passwd database has the user.
      if (gid.isEmpty() && entry.isPresent()) {
        gid = OptionalLong.of(entry.get()[1]);
      }
    }
    return new Expectations(pid.getAsLong(), root, user, uid, gid, groups, kept, newPrivileges, noFilter, filters, json);
  }

  private static long id(String text, String option) throws Doctor.UsageException {
    long id = Doctor.number(text, option);
    if (id < 0 || id > ConfinementPolicy.MAX_ID) {
      throw new Doctor.UsageException(option + " " + text + ": an id is 0 to " + ConfinementPolicy.MAX_ID);
    }
    return id;
  }

  // ---- judgement ----

  /** Every finding about the process, against what was expected. */
  static List<Finding> judge(InspectedProcess p, Expectations e, Optional<InspectedProcess.Place> expectedRoot) {
    List<Finding> found = new ArrayList<>();
    identity(p, e, found);
    capabilities(p, e, found);
    privilegesAndFilter(p, e, found);
    places(p, e, expectedRoot, found);
    if (p.dumpable == InspectedProcess.Dumpable.YES) {
      found.add(new Finding(Severity.ERROR, "dumpable", "the process is dumpable (" + p.dumpableSignal + ")",
          "Any other process of its uid may ptrace it, read its memory and /proc/" + p.pid + "/environ, and take a core dump of it.",
          "Confine the daemon: apply() clears it (PR_SET_DUMPABLE 0) after the drop and verifies it. A process that confine"
              + " confined and is dumpable again set it itself (prctl(PR_SET_DUMPABLE, 1)): remove that call."));
    }
    if (p.stat.ttyNr != 0) {
      found.add(new Finding(Severity.ERROR, "controlling-terminal",
          "the process has a controlling terminal (tty_nr " + p.stat.ttyNr + ", device " + p.stat.ttyMajor() + ":" + p.stat.ttyMinor()
              + ", session " + p.stat.session + ")",
          "Through its controlling terminal a process can push input into the shell that started it (TIOCSTI, CVE-2005-4890) and"
              + " read what is typed there.",
          "Start the daemon without a terminal (a service manager, setsid), or confine it: apply() leaves the controlling terminal."));
    }
    descriptors(p, found);
    return found;
  }

  private static void identity(InspectedProcess p, Expectations e, List<Finding> found) {
    List<ProcFiles.Status> rootUid = threads(p, t -> t.uid.contains(0L));
    if (!rootUid.isEmpty()) {
      found.add(new Finding(Severity.ERROR, "uid-0",
          of(rootUid, p) + " " + verb(rootUid, "hold") + " uid 0 (real, effective, saved or file-system): " + ids(rootUid, true),
          "A thread with uid 0 is root: it can leave the chroot, take capabilities back, and undo every other protection.",
          "Confine the daemon so that every thread drops root: apply() changes the ids of all threads at once and verifies each;"
              + " a thread that holds uid 0 after apply() is a bug to report."));
    }
    List<ProcFiles.Status> rootGid = threads(p, t -> t.gid.contains(0L));
    if (!rootGid.isEmpty()) {
      found.add(new Finding(Severity.ERROR, "gid-0",
          of(rootGid, p) + " " + verb(rootGid, "hold") + " gid 0 (real, effective, saved or file-system): " + ids(rootGid, false),
          "Group 0 (root) may read and write what the host gives group root: configuration, logs, devices.",
          "Confine the daemon to a group of its own (--group GID in the doctor, group(gid) in the policy)."));
    }
    if (e.uid.isPresent()) {
      long want = e.uid.getAsLong();
      List<ProcFiles.Status> other = threads(p, t -> !t.uid.contains(0L) && t.uid.stream().anyMatch(u -> u != want));
      if (!other.isEmpty()) {
        found.add(new Finding(Severity.ERROR, "unexpected-uid",
            count(other) + " " + verb(other, "hold") + " another uid than " + want + " (--user " + e.user.orElseThrow() + "): " + ids(other, true),
            "The process runs as a user it was not meant to: what that user may read and write is what it may.",
            "Give the daemon's policy user(" + want + "), or inspect with the --user it is meant to run as."));
      }
    } else {
      List<ProcFiles.Status> mixed = threads(p, t -> !t.uid.contains(0L) && new HashSet<>(t.uid).size() > 1);
      if (!mixed.isEmpty()) {
        found.add(new Finding(Severity.ERROR, "uids-differ",
            count(mixed) + " " + verb(mixed, "hold") + " more than one uid (real, effective, saved, file-system differ): " + ids(mixed, true),
            "A thread that holds two uids can switch between them (setresuid to its saved uid): it is both users.",
            "Confine the daemon: apply() sets all four uids of every thread to the one user and verifies it."));
      }
      Set<String> ids = p.threads.stream().map(t -> "Uid " + t.uid + " Gid " + t.gid).collect(Collectors.toCollection(TreeSet::new));
      if (rootUid.isEmpty() && rootGid.isEmpty() && ids.size() > 1) {
        found.add(new Finding(Severity.ERROR, "threads-differ",
            "the threads do not all hold the same ids: " + String.join("; ", ids),
            "A thread left with other ids than the rest (a partial drop, a setuid(2) made by one thread alone) still acts as that user.",
            "Confine the daemon: apply() changes the ids of every thread together (glibc's setxid broadcast) and verifies each."));
      }
    }
    if (e.gid.isPresent()) {
      long want = e.gid.getAsLong();
      List<ProcFiles.Status> other = threads(p, t -> !t.gid.contains(0L) && t.gid.stream().anyMatch(g -> g != want));
      if (!other.isEmpty()) {
        found.add(new Finding(Severity.ERROR, "unexpected-gid",
            count(other) + " " + verb(other, "hold") + " another gid than " + want + ": " + ids(other, false),
            "The process runs with a group it was not meant to: what that group may read and write is what it may.",
            "Give the daemon's policy group(" + want + "), or inspect with the --group it is meant to run with."));
      }
    }
    List<ProcFiles.Status> groups = threads(p, t -> !new HashSet<>(t.groups).equals(e.groups));
    if (!groups.isEmpty()) {
      found.add(new Finding(Severity.ERROR, "supplementary-groups",
          count(groups) + " " + verb(groups, "hold") + " supplementary groups other than " + (e.groups.isEmpty() ? "none" : new TreeSet<>(e.groups))
              + ": " + groups.stream().limit(NAMED).map(t -> who(t) + " Groups " + t.groups).collect(Collectors.joining(", "))
              + more(groups),
          "Each supplementary group grants what that group may read and write; root's own groups (0, disk, adm) reach the host.",
          "Confine the daemon: apply() sets the groups to supplementaryGroups(...) (none by default); if these are meant,"
              + " inspect with --groups " + groups.get(0).groups.stream().map(String::valueOf).collect(Collectors.joining(","))));
    }
  }

  private static void capabilities(InspectedProcess p, Expectations e, List<Finding> found) {
    long kept = e.keptMask();
    List<ProcFiles.Status> holding = threads(p, t -> ((t.capPrm | t.capEff) & ~kept) != 0);
    if (!holding.isEmpty()) {
      found.add(new Finding(Severity.ERROR, "capabilities",
          of(holding, p) + " " + verb(holding, "hold") + " capabilities in their permitted or effective set" + (kept == 0 ? "" : " beyond " + names(kept))
              + ": " + byMask(holding, t -> (t.capPrm | t.capEff) & ~kept),
          "A capability is a piece of root: CAP_SYS_CHROOT or CAP_SYS_ADMIN leave the chroot, CAP_SETUID takes uid 0 back,"
              + " CAP_DAC_OVERRIDE reads any file.",
          "Confine the daemon: apply() clears every capability but those of keepCapabilities(...), which only its calling thread"
              + " keeps; if NET_BIND_SERVICE or NET_RAW is meant, inspect with --keep-capabilities NAME."));
    }
    List<ProcFiles.Status> passOn = threads(p, t -> t.capInh != 0 || t.capAmb != 0);
    if (!passOn.isEmpty()) {
      found.add(new Finding(Severity.ERROR, "inheritable-or-ambient",
          count(passOn) + " " + verb(passOn, "hold") + " inheritable or ambient capabilities: "
              + passOn.stream().limit(NAMED).map(t -> who(t) + " CapInh " + names(t.capInh) + " CapAmb " + names(t.capAmb))
                  .collect(Collectors.joining("; "))
              + more(passOn),
          "Ambient capabilities survive execve: a program the daemon starts gets them back; inheritable ones do for programs"
              + " with file capabilities.",
          "Confine the daemon: apply() empties the inheritable and ambient sets of every thread."));
    }
    List<ProcFiles.Status> bounding = threads(p, t -> t.noNewPrivs == 0 && (t.capBnd & ~kept) != 0);
    if (!bounding.isEmpty()) {
      found.add(new Finding(Severity.WARNING, "bounding-set",
          count(bounding) + " " + verb(bounding, "keep") + " capabilities in their bounding set without no_new_privs: " + named(bounding),
          "Without no_new_privs, a setuid-root program (or one with file capabilities) exec'd from such a thread gains the"
              + " capabilities its bounding set still holds.",
          "Keep no_new_privs on (leave out allowNewPrivileges()); confine also empties the bounding set of the thread that"
              + " calls apply() and of threads it starts later."));
    }
  }

  /** The threads grouped by a mask of theirs: "CAP_X in 100 \"java\"; 40 capabilities (...) in 101 \"a\", 102 \"b\" and 3 more". */
  private static String byMask(List<ProcFiles.Status> threads, java.util.function.ToLongFunction<ProcFiles.Status> mask) {
    Map<Long, List<ProcFiles.Status>> groups = new LinkedHashMap<>();
    threads.forEach(t -> groups.computeIfAbsent(mask.applyAsLong(t), m -> new ArrayList<>()).add(t));
    return groups.entrySet().stream().limit(NAMED).map(g -> names(g.getKey()) + " in " + named(g.getValue()))
        .collect(Collectors.joining("; ")) + (groups.size() > NAMED ? "; and " + (groups.size() - NAMED) + " other sets" : "");
  }

  private static void privilegesAndFilter(InspectedProcess p, Expectations e, List<Finding> found) {
    List<ProcFiles.Status> newPrivileges = threads(p, t -> t.noNewPrivs == 0);
    if (!newPrivileges.isEmpty()) {
      found.add(e.newPrivilegesAllowed
          ? new Finding(Severity.INFO, "new-privileges",
              count(newPrivileges) + " " + verb(newPrivileges, "run") + " without no_new_privs (allowed by --allow-new-privileges)",
              "execve of a setuid or file-capability program raises privileges again.", "Accepted knowingly with --allow-new-privileges.")
          : new Finding(Severity.ERROR, "new-privileges",
              of(newPrivileges, p) + " " + verb(newPrivileges, "run") + " without no_new_privs (NoNewPrivs 0): " + named(newPrivileges),
              "Without no_new_privs, execve of a setuid-root program (su, sudo, ping on some hosts) or one with file capabilities"
                  + " makes the daemon root or gives it capabilities again.",
              "Leave out allowNewPrivileges() (agent key allow-new-privileges) from the daemon's policy; if it is meant,"
                  + " inspect with --allow-new-privileges."));
    }
    // Strict mode (1) allows only read, write, exit and sigreturn: stronger than any filter.
    List<ProcFiles.Status> unfiltered = threads(p, t -> t.seccomp == 0 && e.fewestFilters(t) > 0);
    if (!unfiltered.isEmpty()) {
      found.add(new Finding(Severity.ERROR, "no-seccomp-filter",
          of(unfiltered, p) + " " + verb(unfiltered, "run") + " without a seccomp filter (Seccomp 0): " + named(unfiltered),
          "Without a filter, the calls confine's baseline refuses (mount, unshare, ptrace, bpf, io_uring, keyctl and more) reach"
              + " the kernel: its attack surface, and routes out of a jail for a process that regains a capability.",
          "Confine the daemon; leave out noBaselineFilter() (agent key no-baseline-filter) from its policy. If no filter is meant,"
              + " inspect with --no-baseline-filter" + (e.newPrivilegesAllowed ? "" : " --allow-new-privileges") + "."));
    }
    List<ProcFiles.Status> fewer =
        threads(p, t -> t.seccomp == 2 && t.seccompFilters.isPresent() && t.seccompFilters.getAsInt() < e.fewestFilters(t));
    if (!fewer.isEmpty()) {
      ProcFiles.Status first = fewer.get(0);
      found.add(new Finding(Severity.ERROR, "baseline-filter-missing",
          of(fewer, p) + " " + verb(fewer, "have") + " fewer seccomp filters than expected: " + who(first) + " has "
              + first.seccompFilters.getAsInt() + " where " + e.fewestFilters(first) + " are expected"
              + (e.seccompFilters.isPresent() ? " (--seccomp-filters)"
                  : " (confine's baseline" + (first.noNewPrivs == 1 ? " and its closing filter, with no_new_privs)" : ")"))
              + (fewer.size() > 1 ? "; also " + named(fewer.subList(1, fewer.size())) : ""),
          "/proc shows how many filters a thread has, not what they refuse: one filter fewer than confine's policy leaves means"
              + " its baseline is missing (noBaselineFilter()), and the calls it refuses (keyctl, setns, TIOCSTI, io_uring, bpf and"
              + " more) reach the kernel.",
          "Leave out noBaselineFilter() (agent key no-baseline-filter) from the daemon's policy; if it is meant, inspect with"
              + " --no-baseline-filter; if the process stacks filters of its own, say how many it has with --seccomp-filters N."));
    }
    if (e.noFilterAllowed && e.seccompFilters.isEmpty()) {
      List<ProcFiles.Status> without = threads(p, t -> !unfiltered.contains(t) && !fewer.contains(t)
          && (t.seccomp == 0 || (t.seccomp == 2 && t.seccompFilters.isPresent() && t.seccompFilters.getAsInt() < 1 + t.noNewPrivs)));
      if (!without.isEmpty()) {
        found.add(new Finding(Severity.INFO, "baseline-filter-missing",
            count(without) + " " + verb(without, "run") + " without confine's baseline filter (allowed by --no-baseline-filter)",
            "The calls the baseline refuses reach the kernel.", "Accepted knowingly with --no-baseline-filter."));
      }
    }
    List<ProcFiles.Status> uncounted = threads(p, t -> t.seccomp == 2 && t.seccompFilters.isEmpty());
    if (!uncounted.isEmpty()) {
      found.add(new Finding(Severity.INFO, "seccomp-filters-uncounted",
          count(uncounted) + " " + verb(uncounted, "run") + " under a seccomp filter, but the kernel does not say how many"
              + " (Seccomp_filters, Linux 5.9 and later)",
          "Without the count, whether confine's baseline is among the filters cannot be told from outside.",
          "Nothing to do; the daemon's own report (\"baseline seccomp filter in every thread\") says it."));
    }
  }

  private static void places(InspectedProcess p, Expectations e, Optional<InspectedProcess.Place> expectedRoot, List<Finding> found) {
    if (!p.chrooted()) {
      found.add(new Finding(Severity.ERROR, "not-chrooted", "the process's root is \"/\": it is not in a jail",
          "Every file of the host that its uid may read or write is within its reach.",
          "Confine the daemon into a jail: root(DIR) in its policy (agent key root), laid out with confine-doctor init."));
    } else if (expectedRoot.isPresent()
        && !(expectedRoot.get().path.equals(InspectedProcess.undeleted(p.root.path)) && expectedRoot.get().sameDirectory(p.root))) {
      InspectedProcess.Place want = expectedRoot.get();
      found.add(new Finding(Severity.ERROR, "unexpected-root",
          "the process's root is " + p.root.path + " (" + where(p.root) + "), not " + e.root.orElseThrow()
              + (want.path.equals(e.root.orElseThrow().toString()) ? "" : " (" + want.path + ")") + " (" + where(want) + ")",
          "The process is in another jail than the one that was laid out and checked for it.",
          "Give the daemon's policy root(\"" + want.path + "\"), or inspect with the --root it is meant to have."));
    }
    if (p.chrooted() && !p.cwdUnderRoot()) {
      found.add(new Finding(Severity.ERROR, "cwd-outside-jail",
          "the working directory " + p.cwd.path + " is outside the root " + p.root.path,
          "A working directory outside the root is a way out of the chroot: relative paths (\"..\") climb from it to the host's \"/\".",
          "Confine the daemon with apply(), which changes the directory to the new root (chdir \"/\") and verifies it."));
    }
  }

  private static void descriptors(InspectedProcess p, List<Finding> found) {
    List<InspectedProcess.Descriptor> directories = descriptors(p, d -> d.outsideRoot && d.kind == InspectedProcess.Kind.DIRECTORY);
    if (!directories.isEmpty()) {
      found.add(new Finding(Severity.ERROR, "directory-outside-root",
          directories.size() + " open descriptor" + plural(directories.size()) + " of a directory outside the root: " + fds(directories),
          "fchdir to a directory outside the root, then \"..\", leaves the chroot: the classic escape.",
          "Close them before confinement, or let apply() refuse them (it does by default: open-directory-fd); allowOpenDirectory(fd)"
              + " accepts one knowingly."));
    }
    List<InspectedProcess.Descriptor> namespaces = descriptors(p, d -> d.kind == InspectedProcess.Kind.NAMESPACE);
    if (!namespaces.isEmpty()) {
      found.add(new Finding(Severity.WARNING, "namespace-descriptor",
          namespaces.size() + " open descriptor" + plural(namespaces.size()) + " of a namespace: " + fds(namespaces),
          "setns(2) on it enters that namespace, with its own \"/\", for a thread that holds CAP_SYS_ADMIN in it.",
          "Close it before confinement."));
    }
    List<InspectedProcess.Descriptor> terminals = descriptors(p, d -> d.kind == InspectedProcess.Kind.TERMINAL);
    if (!terminals.isEmpty()) {
      found.add(new Finding(Severity.WARNING, "terminal-descriptor",
          terminals.size() + " open descriptor" + plural(terminals.size()) + " of a terminal: " + fds(terminals),
          "Whoever holds a terminal reads what is typed there and writes to its screen.",
          "Start the daemon with its standard streams on /dev/null, a file or the journal, not a terminal."));
    }
    Predicate<InspectedProcess.Descriptor> harmlessDevice =
        d -> d.kind == InspectedProcess.Kind.DEVICE && HARMLESS_DEVICES.contains(InspectedProcess.undeleted(d.target));
    List<InspectedProcess.Descriptor> devices =
        descriptors(p, d -> d.outsideRoot && d.kind == InspectedProcess.Kind.DEVICE && !harmlessDevice.test(d));
    if (!devices.isEmpty()) {
      found.add(new Finding(Severity.WARNING, "device-outside-root",
          devices.size() + " open descriptor" + plural(devices.size()) + " of a device outside the root: " + fds(devices),
          "A device reaches the hardware or the kernel directly, past every file permission of the jail.",
          "Close it before confinement, unless the daemon needs that device."));
    }
    Predicate<InspectedProcess.Descriptor> other =
        d -> d.outsideRoot && (d.kind == InspectedProcess.Kind.FILE || d.kind == InspectedProcess.Kind.FIFO
            || d.kind == InspectedProcess.Kind.OTHER || harmlessDevice.test(d));
    List<InspectedProcess.Descriptor> writable = descriptors(p, d -> other.test(d) && d.writable && !harmlessDevice.test(d));
    if (!writable.isEmpty()) {
      found.add(new Finding(Severity.WARNING, "writable-outside-root",
          writable.size() + " descriptor" + plural(writable.size()) + " open for writing on a file outside the root: " + fds(writable),
          "The process can write those files (a log opened before confinement, often meant) whatever the jail holds.",
          "If not meant, close them before confinement."));
    }
    List<InspectedProcess.Descriptor> readOnly = descriptors(p, d -> other.test(d) && !writable.contains(d));
    if (!readOnly.isEmpty()) {
      found.add(new Finding(Severity.INFO, "read-only-outside-root",
          readOnly.size() + " descriptor" + plural(readOnly.size()) + " open for reading only on files outside the root: " + fds(readOnly),
          "The process can read those files, and nothing else through them: a JVM keeps its class path's jars and its modules"
              + " file open, /dev/null and /dev/urandom are harmless.",
          "Nothing to do, unless one of them holds a secret."));
    }
  }

  // ---- wording ----

  private static List<ProcFiles.Status> threads(InspectedProcess p, Predicate<ProcFiles.Status> test) {
    return p.threads.stream().filter(test).collect(Collectors.toList());
  }

  private static List<InspectedProcess.Descriptor> descriptors(InspectedProcess p, Predicate<InspectedProcess.Descriptor> test) {
    return p.descriptors.stream().filter(test).collect(Collectors.toList());
  }

  /** "1 thread" or "3 threads". */
  private static String count(List<ProcFiles.Status> threads) {
    return threads.size() + " thread" + plural(threads.size());
  }

  /** "all 21 threads" or "2 threads of 21". */
  private static String of(List<ProcFiles.Status> threads, InspectedProcess p) {
    return threads.size() == p.threads.size() && threads.size() > 1 ? "all " + count(threads) : count(threads) + " of " + p.threads.size();
  }

  /** The verb for the threads' count: "holds" for one, "hold" for more. */
  private static String verb(List<?> threads, String verb) {
    return threads.size() == 1 ? verb + "s" : verb;
  }

  private static String plural(int n) {
    return n == 1 ? "" : "s";
  }

  /** A thread as "tid \"name\"". */
  private static String who(ProcFiles.Status t) {
    return t.tid + " \"" + t.name + "\"";
  }

  /** The first threads named, and how many more. */
  private static String named(List<ProcFiles.Status> threads) {
    return threads.stream().limit(NAMED).map(Inspect::who).collect(Collectors.joining(", ")) + more(threads);
  }

  /** The threads grouped by their uids or gids: "Uid [0, 0, 0, 0] in 100 \"java\", 101 \"GC Thread#0\" and 3 more". */
  private static String ids(List<ProcFiles.Status> threads, boolean uid) {
    Map<List<Long>, List<ProcFiles.Status>> groups = new LinkedHashMap<>();
    threads.forEach(t -> groups.computeIfAbsent(uid ? t.uid : t.gid, ids -> new ArrayList<>()).add(t));
    return groups.entrySet().stream().limit(NAMED).map(g -> (uid ? "Uid " : "Gid ") + g.getKey() + " in " + named(g.getValue()))
        .collect(Collectors.joining("; ")) + (groups.size() > NAMED ? "; and " + (groups.size() - NAMED) + " other sets" : "");
  }

  private static String more(List<?> all) {
    return all.size() > NAMED ? " and " + (all.size() - NAMED) + " more" : "";
  }

  private static String fds(List<InspectedProcess.Descriptor> descriptors) {
    return descriptors.stream().limit(NAMED).map(d -> d.fd + " -> " + d.target + (d.access.isEmpty() ? "" : " (" + d.access + ")"))
        .collect(Collectors.joining(", ")) + more(descriptors);
  }

  /**
   * A capability mask as names ("CAP_NET_RAW,CAP_SYS_ADMIN"), "none" for 0; more than six as their
   * count and mask, with those among them that undo confinement at once named.
   */
  static String names(long mask) {
    if (mask == 0) {
      return "none";
    }
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < 64; bit++) {
      if ((mask & (1L << bit)) != 0) {
        names.add(bit < CAPABILITY_NAMES.size() ? "CAP_" + CAPABILITY_NAMES.get(bit) : "cap_" + bit);
      }
    }
    if (names.size() <= 6) {
      return String.join(",", names);
    }
    List<String> worst = new ArrayList<>(List.of("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"));
    worst.retainAll(names);
    return names.size() + " capabilities (" + hex(mask) + ")" + (worst.isEmpty() ? "" : ", among them " + String.join(",", worst));
  }

  private static String hex(long mask) {
    return String.format("%016x", mask);
  }

  // ---- output ----

  /** The first line: the verdict, then the counts. */
  static String summary(InspectedProcess p, PreflightReport report) {
    ProcFiles.Status leader = p.leader();
    String counts = report.errors().size() + " error(s), " + report.warnings().size() + " warning(s), "
        + report.bySeverity(Severity.INFO).size() + " info";
    return "confine doctor inspect: pid " + p.pid + " (" + p.stat.command + ") "
        + (report.hasErrors() ? "is NOT confined as expected" : "is confined as expected") + ": " + p.threads.size() + " thread"
        + plural(p.threads.size()) + ", uid " + leader.uid.get(1) + ", gid " + leader.gid.get(1) + ", root " + p.root.path + "; " + counts;
  }

  /** The summary line, what was seen, then the findings. */
  static String human(InspectedProcess p, Expectations e, PreflightReport report) {
    String nl = System.lineSeparator();
    StringBuilder out = new StringBuilder(summary(p, report)).append(nl);
    out.append("root         ").append(place(p.root)).append(p.chrooted() ? "" : " (not chrooted)").append(nl);
    out.append("cwd          ").append(p.cwd.path).append(": ")
        .append(p.cwd.sameDirectory(p.root) ? "the root itself (same device, inode" + (p.cwd.mountId.isPresent() && p.root.mountId.isPresent() ? " and mount)" : ")")
            : p.cwdUnderRoot() ? "inside the root (" + where(p.cwd) + ")" : "OUTSIDE the root (" + where(p.cwd) + ")")
        .append(nl);
    out.append("dumpable     ").append(p.dumpable.name().toLowerCase(Locale.ROOT)).append(": ").append(p.dumpableSignal).append(nl);
    out.append("terminal     ")
        .append(p.stat.ttyNr == 0 ? "none (tty_nr 0 in /proc/" + p.pid + "/stat)" : "device " + p.stat.ttyMajor() + ":" + p.stat.ttyMinor())
        .append(nl);
    Map<String, List<ProcFiles.Status>> kinds = new LinkedHashMap<>();
    for (ProcFiles.Status t : p.threads) {
      kinds.computeIfAbsent(credentials(t), k -> new ArrayList<>()).add(t);
    }
    out.append("threads      ").append(p.threads.size()).append(kinds.size() == 1 ? ", all alike:" : ", " + kinds.size() + " kinds:").append(nl);
    kinds.forEach((line, threads) -> out.append("  ").append(threads.size()).append(" × ").append(line).append(" (tid ")
        .append(threads.stream().limit(8).map(t -> String.valueOf(t.tid)).collect(Collectors.joining(",")))
        .append(threads.size() > 8 ? ",…" : "").append(")").append(nl));
    Map<String, Long> byKind =
        p.descriptors.stream().collect(Collectors.groupingBy(d -> d.kind.shown, LinkedHashMap::new, Collectors.counting()));
    long outside = p.descriptors.stream().filter(d -> d.outsideRoot).count();
    out.append("descriptors  ").append(p.descriptors.size()).append(": ")
        .append(byKind.entrySet().stream().map(k -> k.getValue() + " " + k.getKey()).collect(Collectors.joining(", ")))
        .append("; ").append(outside).append(" outside the root").append(nl);
    out.append("expected     ").append(expectations(e)).append(nl);
    out.append(report.findings().isEmpty() ? "no findings" + nl + "0 error(s), 0 warning(s), 0 info" : report.toString());
    return out.toString();
  }

  private static String place(InspectedProcess.Place place) {
    return place.path + " (" + where(place) + ")";
  }

  /** "device 254:0, inode 2, mount 27". */
  private static String where(InspectedProcess.Place place) {
    return "device " + place.device + ", inode " + place.inode + (place.mountId.isPresent() ? ", mount " + place.mountId.getAsLong() : "");
  }

  /** One thread's credentials on a line, the thread itself left out, so that alike threads share it. */
  private static String credentials(ProcFiles.Status t) {
    return "Uid " + t.uid.stream().map(String::valueOf).collect(Collectors.joining(","))
        + " Gid " + t.gid.stream().map(String::valueOf).collect(Collectors.joining(","))
        + " Groups " + (t.groups.isEmpty() ? "none" : t.groups.stream().map(String::valueOf).collect(Collectors.joining(",")))
        + " CapInh " + hex(t.capInh) + " CapPrm " + hex(t.capPrm) + " CapEff " + hex(t.capEff) + " CapBnd " + hex(t.capBnd)
        + " CapAmb " + hex(t.capAmb) + " NoNewPrivs " + t.noNewPrivs + " Seccomp " + t.seccomp
        + (t.seccompFilters.isPresent() ? " (" + t.seccompFilters.getAsInt() + " filter" + plural(t.seccompFilters.getAsInt()) + ")" : "");
  }

  /** What was expected, in the flags' terms. */
  private static String expectations(Expectations e) {
    List<String> parts = new ArrayList<>();
    parts.add(e.root.map(r -> "root " + r).orElse("a chroot"));
    parts.add(e.uid.isPresent() ? "uid " + e.uid.getAsLong() : "no uid 0, one uid");
    if (e.gid.isPresent()) {
      parts.add("gid " + e.gid.getAsLong());
    }
    parts.add(e.groups.isEmpty() ? "no groups" : "groups " + new TreeSet<>(e.groups));
    parts.add(e.kept.isEmpty() ? "no capabilities" : "capabilities " + e.kept.stream().map(Capability::capName).sorted().collect(Collectors.joining(",")) + " at most");
    parts.add(e.newPrivilegesAllowed ? "no_new_privs not required" : "no_new_privs");
    parts.add(e.seccompFilters.isPresent() ? "at least " + e.seccompFilters.getAsInt() + " seccomp filters"
        : e.noFilterAllowed ? "no baseline seccomp filter required" : "confine's baseline seccomp filter");
    parts.add("not dumpable, no controlling terminal, no directory open outside the root");
    return String.join(", ", parts);
  }

  /** The whole inspection as one JSON object: what was seen, each thread, each descriptor, and the findings. */
  static String json(InspectedProcess p, PreflightReport report) {
    List<String> threads = new ArrayList<>();
    for (ProcFiles.Status t : p.threads) {
      threads.add(new Json.ObjectWriter(false).put("tid", t.tid).put("name", t.name).raw("uid", Json.numbers(t.uid))
          .raw("gid", Json.numbers(t.gid)).raw("groups", Json.numbers(t.groups)).put("capInh", hex(t.capInh)).put("capPrm", hex(t.capPrm))
          .put("capEff", hex(t.capEff)).put("capBnd", hex(t.capBnd)).put("capAmb", hex(t.capAmb)).put("noNewPrivs", t.noNewPrivs)
          .put("seccomp", t.seccomp)
          .put("seccompFilters", t.seccompFilters.isPresent() ? OptionalLong.of(t.seccompFilters.getAsInt()) : OptionalLong.empty())
          .toString());
    }
    List<String> descriptors = new ArrayList<>();
    for (InspectedProcess.Descriptor d : p.descriptors) {
      descriptors.add(new Json.ObjectWriter(false).put("fd", d.fd).put("target", d.target).put("kind", d.kind.shown)
          .put("access", d.access).put("outsideRoot", d.outsideRoot).put("mountId", d.mountId).toString());
    }
    List<String> findings = report.findings().stream().map(Json::object).collect(Collectors.toList());
    return new Json.ObjectWriter(true)
        .put("pid", p.pid)
        .put("command", p.stat.command)
        .put("confined", !report.hasErrors())
        .put("summary", summary(p, report))
        .raw("root", place(p.root, new Json.ObjectWriter(false)).put("chrooted", p.chrooted()).toString())
        .raw("cwd", place(p.cwd, new Json.ObjectWriter(false)).put("isRoot", p.cwd.sameDirectory(p.root))
            .put("underRoot", p.cwdUnderRoot()).toString())
        .put("dumpable", p.dumpable.name().toLowerCase(Locale.ROOT))
        .put("dumpableSignal", p.dumpableSignal)
        .raw("terminal", new Json.ObjectWriter(false).put("ttyNr", p.stat.ttyNr).put("session", p.stat.session).toString())
        .raw("threads", Json.values(threads, true))
        .raw("descriptors", Json.values(descriptors, true))
        .raw("findings", Json.values(findings, true))
        .toString();
  }

  private static Json.ObjectWriter place(InspectedProcess.Place place, Json.ObjectWriter into) {
    return into.put("path", place.path).put("device", place.device).put("inode", place.inode).put("mountId", place.mountId);
  }
}
