package dev.confine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Capability;
import dev.confine.Finding;
import dev.confine.Severity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect's parsers and judgement over /proc texts written here: no root, no process looked at. */
class InspectTest {
  /** A thread of a JVM confined by confine's default policy, as /proc shows it (Linux 6.1), trimmed of lines inspect skips. */
  private static final String CONFINED =
      "Name:\tGC Thread#0\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t100\nPid:\t%d\n"
          + "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nFDSize:\t256\nGroups:\t \n"
          + "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t000001fffeffffff\n"
          + "CapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t2\nSpeculation_Store_Bypass:\tvulnerable\n"
          + "Cpus_allowed_list:\t0-1\n";
  /** The same thread of a JVM that never confined itself: root, every capability, no filter. */
  private static final String ROOT =
      "Name:\tjava\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 \nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\n"
          + "CapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
          + "Seccomp_filters:\t0\n";

  private static final Function<String, Optional<long[]>> PASSWD =
      name -> name.equals("nobody") || name.equals("65534") ? Optional.of(new long[] {65534, 65534})
          : name.equals("www-data") ? Optional.of(new long[] {33, 33}) : Optional.empty();

  @TempDir Path tmp;

  private static ProcFiles.Status status(long tid, String text) {
    return ProcFiles.status(tid, text.contains("%d") ? String.format(text, tid) : text);
  }

  private static ProcFiles.Status confined(long tid) {
    return status(tid, CONFINED);
  }

  /** The confined thread with one status line replaced ("NoNewPrivs:\t0"). */
  private static ProcFiles.Status confinedWith(long tid, String... lines) {
    String text = String.format(CONFINED, tid);
    for (String line : lines) {
      String field = line.substring(0, line.indexOf(':') + 1);
      text = text.replaceAll("(?m)^" + java.util.regex.Pattern.quote(field) + ".*$", java.util.regex.Matcher.quoteReplacement(line));
    }
    return ProcFiles.status(tid, text);
  }

  private static final InspectedProcess.Place JAIL = new InspectedProcess.Place("/srv/jail", "254:0", 4242, OptionalLong.of(27));

  private static InspectedProcess process(List<ProcFiles.Status> threads, InspectedProcess.Place cwd, InspectedProcess.Dumpable dumpable,
      long ttyNr, List<InspectedProcess.Descriptor> descriptors) {
    return process(threads, JAIL, cwd, dumpable, ttyNr, descriptors);
  }

  private static InspectedProcess process(List<ProcFiles.Status> threads, InspectedProcess.Place root, InspectedProcess.Place cwd,
      InspectedProcess.Dumpable dumpable, long ttyNr, List<InspectedProcess.Descriptor> descriptors) {
    return new InspectedProcess(100, new ProcFiles.Stat("java", 90, ttyNr), threads, root, cwd, dumpable, "a test's", descriptors);
  }

  /** A process confined as confine's default policy leaves it: two threads, the jail as root and cwd, jars open read-only. */
  private static InspectedProcess confinedProcess(List<ProcFiles.Status> threads) {
    return process(threads, JAIL, InspectedProcess.Dumpable.NO, 0,
        List.of(descriptor(0, "pipe:[7]", InspectedProcess.Kind.PIPE, false, "read"),
            descriptor(3, "/usr/lib/jvm/java-17/lib/modules", InspectedProcess.Kind.FILE, true, "read"),
            descriptor(4, "/srv/jail/www/index.html", InspectedProcess.Kind.FILE, false, "read"),
            descriptor(5, "socket:[99]", InspectedProcess.Kind.SOCKET, false, "read-write")));
  }

  private static InspectedProcess.Descriptor descriptor(int fd, String target, InspectedProcess.Kind kind, boolean outside, String access) {
    return new InspectedProcess.Descriptor(fd, target, kind, outside, access, access.contains("write"), OptionalLong.empty());
  }

  private static Inspect.Expectations expect(String... flags) throws Doctor.UsageException {
    List<String> args = new ArrayList<>(List.of("100"));
    args.addAll(List.of(flags));
    return Inspect.parse(args, PASSWD);
  }

  private static List<Finding> judge(InspectedProcess p, String... flags) throws Doctor.UsageException {
    return Inspect.judge(p, expect(flags), Optional.empty());
  }

  private static Set<String> errors(List<Finding> findings) {
    return findings.stream().filter(f -> f.severity() == Severity.ERROR).map(Finding::code).collect(Collectors.toSet());
  }

  private static Finding only(List<Finding> findings, String code) {
    List<Finding> with = findings.stream().filter(f -> f.code().equals(code)).collect(Collectors.toList());
    assertEquals(1, with.size(), code + " in " + findings);
    return with.get(0);
  }

  // ---- parsers ----

  @Test
  void statusGivesEveryFieldInspectJudges() {
    ProcFiles.Status t = confined(101);
    assertEquals(101, t.tid);
    assertEquals("GC Thread#0", t.name);
    assertEquals(List.of(65534L, 65534L, 65534L, 65534L), t.uid);
    assertEquals(List.of(65534L, 65534L, 65534L, 65534L), t.gid);
    assertEquals(List.of(), t.groups);
    assertEquals(0, t.capPrm | t.capEff | t.capInh | t.capAmb);
    assertEquals(0x1fffeffffffL, t.capBnd);
    assertEquals(1, t.noNewPrivs);
    assertEquals(2, t.seccomp);
    assertEquals(OptionalInt.of(2), t.seccompFilters);
    ProcFiles.Status root = status(100, ROOT);
    assertEquals(List.of(0L), root.groups);
    assertEquals(0x1fffeffffffL, root.capEff);
  }

  @Test
  void statusWithoutSeccompFiltersIsAnOlderKernelButWithoutNoNewPrivsIsRefused() {
    ProcFiles.Status old = ProcFiles.status(7, String.format(CONFINED, 7).replace("Seccomp_filters:\t2\n", ""));
    assertEquals(OptionalInt.empty(), old.seccompFilters);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ProcFiles.status(7, String.format(CONFINED, 7).replace("NoNewPrivs:\t1\n", "")));
    assertTrue(e.getMessage().startsWith("status of thread 7 lacks"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ProcFiles.status(7, ROOT.replace("CapEff:\t000001fffeffffff", "CapEff:\tzz")));
    assertEquals("status of thread 7: CapEff is not a number: \"zz\"", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ProcFiles.status(7, ROOT.replace("Uid:\t0\t0\t0\t0", "Uid:\t0\t0")));
  }

  @Test
  void statFindsTheTerminalAfterACommandWithParenthesesAndSpaces() {
    // tty_nr 34816 is 136:0, /dev/pts/0; the command ") 5 (x" would fool a parser that split at the first ')'.
    ProcFiles.Stat stat = ProcFiles.stat("4242 (a) 5 (x) S 1 4242 4200 34816 4242 4194560 100 0 0 0\n");
    assertEquals("a) 5 (x", stat.command);
    assertEquals(4200, stat.session);
    assertEquals(34816, stat.ttyNr);
    assertEquals(136, stat.ttyMajor());
    assertEquals(0, stat.ttyMinor());
    assertEquals(0, ProcFiles.stat("23024 (java) S 1 23012 20043 0 -1 4194560 14602 0 0 0 60").ttyNr);
    assertThrows(IllegalArgumentException.class, () -> ProcFiles.stat("23024 java S 1"));
    assertThrows(IllegalArgumentException.class, () -> ProcFiles.stat("23024 (java) S 1 2"));
  }

  @Test
  void fdinfoGivesAccessAndMount() {
    ProcFiles.FdInfo log = ProcFiles.fdinfo("pos:\t1411\nflags:\t0100001\nmnt_id:\t27\nino:\t2146722\n");
    assertEquals("write", log.access());
    assertTrue(log.writable());
    assertEquals(OptionalLong.of(27), log.mountId);
    assertEquals("read", ProcFiles.fdinfo("pos:\t0\nflags:\t0100000\nmnt_id:\t24\n").access());
    assertEquals("read-write", ProcFiles.fdinfo("flags:\t02000002\n").access());
    ProcFiles.FdInfo path = ProcFiles.fdinfo("flags:\t012100000\nmnt_id:\t5\n");
    assertEquals("path", path.access());
    assertFalse(path.writable());
    assertEquals(OptionalLong.empty(), ProcFiles.fdinfo("pos:\t0\nflags:\t00\n").mountId);
    assertThrows(IllegalArgumentException.class, () -> ProcFiles.fdinfo("pos:\t0\n"));
  }

  @Test
  void dumpableIsToldByTheOwnerOfTheProcessesProcFiles() {
    assertEquals(InspectedProcess.Dumpable.NO, InspectedProcess.dumpable(65534, 0));
    assertEquals(InspectedProcess.Dumpable.YES, InspectedProcess.dumpable(65534, 65534));
    // A root process owns its files as root either way; an owner that is neither is a user namespace's doing.
    assertEquals(InspectedProcess.Dumpable.UNKNOWN, InspectedProcess.dumpable(0, 0));
    assertEquals(InspectedProcess.Dumpable.UNKNOWN, InspectedProcess.dumpable(65534, 1000));
  }

  @Test
  void descriptorKindsFromTheLinkAndTheFile() {
    InspectedProcess.ModeSource none = () -> {
      throw new AssertionError("no stat for a link that is not a path");
    };
    assertEquals(InspectedProcess.Kind.SOCKET, InspectedProcess.kind("socket:[2638709]", none));
    assertEquals(InspectedProcess.Kind.PIPE, InspectedProcess.kind("pipe:[2638670]", none));
    assertEquals(InspectedProcess.Kind.ANON_INODE, InspectedProcess.kind("anon_inode:[eventpoll]", none));
    assertEquals(InspectedProcess.Kind.NAMESPACE, InspectedProcess.kind("mnt:[4026531841]", none));
    assertEquals(InspectedProcess.Kind.MEMFD, InspectedProcess.kind("/memfd:jit (deleted)", none));
    assertEquals(InspectedProcess.Kind.DIRECTORY, InspectedProcess.kind("/srv", () -> new long[] {040755, 0}));
    assertEquals(InspectedProcess.Kind.FILE, InspectedProcess.kind("/x.jar", () -> new long[] {0100644, 0}));
    // /dev/null is 1:3; /dev/pts/0 is 136:0 (glibc's dev_t: major in bits 8-19).
    assertEquals(InspectedProcess.Kind.DEVICE, InspectedProcess.kind("/dev/null", () -> new long[] {020666, (1 << 8) | 3}));
    assertEquals(InspectedProcess.Kind.TERMINAL, InspectedProcess.kind("/dev/pts/0", () -> new long[] {020620, 136 << 8}));
    assertEquals(InspectedProcess.Kind.OTHER, InspectedProcess.kind("/gone", () -> null));
    assertEquals("254:0", InspectedProcess.device(0xfe00));
  }

  @Test
  void underTheRootMeansThePathOrBelowItNotAPrefix() {
    assertTrue(InspectedProcess.under("/srv/jail", "/srv/jail"));
    assertTrue(InspectedProcess.under("/srv/jail/www/x (deleted)", "/srv/jail"));
    assertFalse(InspectedProcess.under("/srv/jail2/x", "/srv/jail"));
    assertFalse(InspectedProcess.under("/srv", "/srv/jail"));
    assertTrue(InspectedProcess.under("/anything", "/"));
  }

  // ---- judgement ----

  @Test
  void aProcessConfinedAsTheDefaultPolicyLeavesItHasNoError() throws Exception {
    List<Finding> findings = judge(confinedProcess(List.of(confined(100), confinedWith(101, "CapBnd:\t0000000000000000"))), "--user", "nobody");
    assertEquals(Set.of(), errors(findings), findings.toString());
    Finding jars = only(findings, "read-only-outside-root");
    assertEquals(Severity.INFO, jars.severity());
    assertTrue(jars.message().startsWith("1 descriptor open for reading only on files outside the root: 3 -> /usr/lib/jvm/java-17/lib/modules (read)"),
        jars.message());
  }

  @Test
  void anUnconfinedProcessHasAnErrorForEachMissingProtection() throws Exception {
    InspectedProcess.Place slash = new InspectedProcess.Place("/", "254:0", 2, OptionalLong.of(27));
    InspectedProcess p = process(List.of(status(100, ROOT), status(101, ROOT)), slash, new InspectedProcess.Place("/home/op", "254:0", 9, OptionalLong.of(27)),
        InspectedProcess.Dumpable.UNKNOWN, 34816, List.of(descriptor(0, "/dev/pts/0", InspectedProcess.Kind.TERMINAL, false, "read-write")));
    List<Finding> findings = judge(p);
    assertEquals(Set.of("uid-0", "gid-0", "supplementary-groups", "capabilities", "new-privileges", "no-seccomp-filter", "not-chrooted",
        "controlling-terminal"), errors(findings), findings.toString());
    assertEquals("all 2 threads hold uid 0 (real, effective, saved or file-system): Uid [0, 0, 0, 0] in 100 \"java\", 101 \"java\"",
        only(findings, "uid-0").message());
    assertEquals("all 2 threads hold capabilities in their permitted or effective set: 40 capabilities (000001fffeffffff), among them"
        + " CAP_SYS_ADMIN,CAP_SETUID,CAP_SETGID,CAP_SYS_CHROOT,CAP_SYS_PTRACE,CAP_DAC_OVERRIDE in 100 \"java\", 101 \"java\"", only(findings, "capabilities").message());
    assertEquals("the process has a controlling terminal (tty_nr 34816, device 136:0, session 90)", only(findings, "controlling-terminal").message());
    assertEquals(Severity.WARNING, only(findings, "terminal-descriptor").severity());
    assertEquals(Severity.WARNING, only(findings, "bounding-set").severity());
    // Each finding says what to do.
    findings.forEach(f -> assertFalse(f.fix().isBlank() || f.why().isBlank(), f.toString()));
  }

  @Test
  void aWeakerPolicyThanExpectedIsAnErrorUnlessItsFlagAcceptsIt() throws Exception {
    // allowNewPrivileges(), noBaselineFilter() and keepCapabilities(NET_BIND_SERVICE) in the calling thread.
    ProcFiles.Status caller = confinedWith(100, "NoNewPrivs:\t0", "Seccomp:\t0", "Seccomp_filters:\t0", "CapPrm:\t0000000000000400",
        "CapEff:\t0000000000000400", "CapBnd:\t0000000000000000");
    ProcFiles.Status other = confinedWith(101, "NoNewPrivs:\t0", "Seccomp:\t0", "Seccomp_filters:\t0");
    InspectedProcess p = confinedProcess(List.of(caller, other));
    List<Finding> strict = judge(p);
    assertEquals(Set.of("new-privileges", "no-seccomp-filter", "capabilities"), errors(strict), strict.toString());
    assertEquals("1 thread of 2 holds capabilities in their permitted or effective set: CAP_NET_BIND_SERVICE in 100 \"GC Thread#0\"",
        only(strict, "capabilities").message());
    assertEquals(Severity.WARNING, only(strict, "bounding-set").severity(), "the other thread keeps its bounding set without no_new_privs");

    List<Finding> accepted = judge(p, "--allow-new-privileges", "--no-baseline-filter", "--keep-capabilities", "NET_BIND_SERVICE");
    assertEquals(Set.of(), errors(accepted), accepted.toString());
    assertEquals("Accepted knowingly with --allow-new-privileges.", only(accepted, "new-privileges").fix());
    assertEquals(Severity.INFO, only(accepted, "baseline-filter-missing").severity());
  }

  @Test
  void theBaselineFilterIsToldByTheCountOfFilters() throws Exception {
    // Measured (InspectIT): the default policy leaves 2 filters in every thread, noBaselineFilter() 1 (the closing
    // allow-all), allowNewPrivileges() 1 (the baseline, no closing filter).
    InspectedProcess noBaseline = confinedProcess(List.of(confinedWith(100, "Seccomp_filters:\t1"), confinedWith(101, "Seccomp_filters:\t1")));
    List<Finding> strict = judge(noBaseline);
    assertEquals(Set.of("baseline-filter-missing"), errors(strict), strict.toString());
    assertEquals("all 2 threads have fewer seccomp filters than expected: 100 \"GC Thread#0\" has 1 where 2 are expected (confine's"
        + " baseline and its closing filter, with no_new_privs); also 101 \"GC Thread#0\"", only(strict, "baseline-filter-missing").message());
    List<Finding> accepted = judge(noBaseline, "--no-baseline-filter");
    assertEquals(Set.of(), errors(accepted), accepted.toString());
    assertEquals(Severity.INFO, only(accepted, "baseline-filter-missing").severity());

    InspectedProcess newPrivileges = confinedProcess(List.of(confinedWith(100, "NoNewPrivs:\t0", "Seccomp_filters:\t1", "CapBnd:\t0")));
    assertEquals(Set.of("new-privileges"), errors(judge(newPrivileges)), "the baseline is there: only no_new_privs is missing");
    assertEquals(Set.of(), errors(judge(newPrivileges, "--allow-new-privileges")));

    InspectedProcess defaults = confinedProcess(List.of(confined(100)));
    assertEquals(Set.of(), errors(judge(defaults)));
    assertEquals(Set.of("baseline-filter-missing"), errors(judge(defaults, "--seccomp-filters", "3")), "a unit's filter on top was expected");

    InspectedProcess oldKernel = confinedProcess(List.of(status(100, String.format(CONFINED, 100).replace("Seccomp_filters:\t2\n", ""))));
    List<Finding> old = judge(oldKernel);
    assertEquals(Set.of(), errors(old), old.toString());
    assertEquals(Severity.INFO, only(old, "seccomp-filters-uncounted").severity());
  }

  @Test
  void whatTheFlagsExpectIsCompared() throws Exception {
    InspectedProcess p = confinedProcess(List.of(confined(100), confined(101)));
    List<Finding> findings = judge(p, "--user", "www-data");
    assertEquals(Set.of("unexpected-uid", "unexpected-gid"), errors(findings), findings.toString());
    assertTrue(only(findings, "unexpected-uid").message().startsWith("2 threads hold another uid than 33 (--user www-data): Uid [65534, 65534, 65534, 65534] in 100"),
        only(findings, "unexpected-uid").message());
    assertEquals(Set.of("supplementary-groups"),
        errors(judge(p, "--user", "65534", "--groups", "4")));
    InspectedProcess.Place elsewhere = new InspectedProcess.Place("/srv/other", "254:0", 77, OptionalLong.empty());
    List<Finding> root = Inspect.judge(p, expect("--root", tmp.toString()), Optional.of(elsewhere));
    assertEquals(Set.of("unexpected-root"), errors(root), root.toString());
    assertEquals(Set.of(), errors(Inspect.judge(p, expect("--root", tmp.toString()), Optional.of(JAIL))));
  }

  @Test
  void threadsWithOtherIdsThanTheRestAreAPartialDrop() throws Exception {
    ProcFiles.Status stray = confinedWith(101, "Uid:\t1000\t1000\t65534\t1000");
    List<Finding> findings = judge(confinedProcess(List.of(confined(100), stray)));
    assertEquals(Set.of("uids-differ", "threads-differ"), errors(findings), findings.toString());
    assertTrue(only(findings, "uids-differ").message().contains("Uid [1000, 1000, 65534, 1000] in 101 \"GC Thread#0\""), findings.toString());
    List<Finding> gids = judge(confinedProcess(List.of(confined(100), confinedWith(101, "Gid:\t1000\t1000\t1000\t1000"))));
    assertEquals(Set.of("threads-differ"), errors(gids), gids.toString());
    assertTrue(only(gids, "threads-differ").message().contains("Gid [1000, 1000, 1000, 1000]"), gids.toString());
  }

  @Test
  void aNameThatIsNotUtf8DoesNotStopTheInspection() throws Exception {
    Path status = tmp.resolve("status");
    byte[] head = "Name:\tw".getBytes(StandardCharsets.UTF_8);
    byte[] rest = String.format(CONFINED, 7).substring(String.format(CONFINED, 7).indexOf('\n')).getBytes(StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    bytes.write(head);
    bytes.write(0xff); // prctl(PR_SET_NAME) takes any bytes
    bytes.write(rest);
    Files.write(status, bytes.toByteArray());
    assertEquals("w\ufffd", ProcFiles.status(7, ProcFiles.read(status)).name);
  }

  @Test
  void anEscapeRouteLeftOpenIsAnError() throws Exception {
    InspectedProcess.Place outside = new InspectedProcess.Place("/srv", "254:0", 12, OptionalLong.of(27));
    InspectedProcess p = process(List.of(confined(100)), outside, InspectedProcess.Dumpable.YES, 0,
        List.of(descriptor(5, "/srv", InspectedProcess.Kind.DIRECTORY, true, "path"),
            descriptor(6, "/var/log/app.log", InspectedProcess.Kind.FILE, true, "write"),
            descriptor(7, "/dev/null", InspectedProcess.Kind.DEVICE, true, "read-write"),
            descriptor(8, "/dev/sda", InspectedProcess.Kind.DEVICE, true, "read"),
            descriptor(9, "net:[4026531840]", InspectedProcess.Kind.NAMESPACE, false, "read")));
    List<Finding> findings = judge(p);
    assertEquals(Set.of("cwd-outside-jail", "dumpable", "directory-outside-root"), errors(findings), findings.toString());
    assertEquals("1 open descriptor of a directory outside the root: 5 -> /srv (path)", only(findings, "directory-outside-root").message());
    assertEquals("1 descriptor open for writing on a file outside the root: 6 -> /var/log/app.log (write)",
        only(findings, "writable-outside-root").message());
    assertEquals(Severity.WARNING, only(findings, "device-outside-root").severity());
    assertTrue(only(findings, "read-only-outside-root").message().contains("7 -> /dev/null"), "/dev/null is harmless even writable");
    assertEquals(Severity.WARNING, only(findings, "namespace-descriptor").severity());
  }

  @Test
  void inspectsCodesAreItsOwnAndEachHasAWhyAndAFix() throws Exception {
    String source = Files.readString(Path.of("src/main/java/dev/confine/tools/Inspect.java"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("new Finding\\(\\s*Severity\\.[A-Z]+,\\s*\"([a-z0-9-]+)\"").matcher(source);
    Set<String> codes = new java.util.TreeSet<>();
    while (m.find()) {
      codes.add(m.group(1));
    }
    assertTrue(codes.size() > 20, "the pattern finds inspect's findings: " + codes);
    // A code means one thing: preflight's codes are about a policy before apply(), inspect's about a process after it.
    Set<String> shared = new java.util.TreeSet<>(codes);
    shared.retainAll(DoctorFindingsTest.coreCodes());
    assertEquals(Set.of(), shared, "inspect's codes that confine-core's preflight also uses");
  }

  // ---- arguments ----

  @Test
  void parsesEveryFlag() throws Exception {
    Inspect.Expectations e = expect("--root", tmp.toString(), "--user", "www-data", "--groups", "4,27", "--keep-capabilities", "cap_net_raw",
        "--keep-capabilities", "NET_BIND_SERVICE", "--allow-new-privileges", "--no-baseline-filter", "--json");
    assertEquals(100, e.pid);
    assertEquals(Optional.of(tmp), e.root);
    assertEquals(OptionalLong.of(33), e.uid);
    assertEquals(OptionalLong.of(33), e.gid, "the user's primary group");
    assertEquals(Set.of(4L, 27L), e.groups);
    assertEquals(Set.of(Capability.NET_RAW, Capability.NET_BIND_SERVICE), e.kept);
    assertTrue(e.newPrivilegesAllowed && e.noFilterAllowed && e.json);
    assertEquals(OptionalLong.of(7), expect("--user", "www-data", "--group", "7").gid);
    assertEquals(OptionalLong.empty(), expect("--user", "64999").gid, "a uid without a passwd entry has no primary group to expect");
  }

  @Test
  void badArgumentsSayWhatIsWrong() {
    assertUsage("inspect needs the PID of the process to inspect");
    assertUsage("the PID must be a process id (a number from 1), not \"0\"", "0");
    assertUsage("the PID must be a process id (a number from 1), not \"12x\"", "12x");
    assertUsage("one PID only: \"8\" follows 7", "7", "8");
    assertUsage("unknown option \"--allow-writable\" for inspect", "7", "--allow-writable", "x");
    assertUsage("--root relative: give an absolute path", "7", "--root", "relative");
    assertUsage("--user ghost: no such user in the passwd database (give a uid)", "7", "--user", "ghost");
    assertUsage("--keep-capabilities SYS_ADMIN: confine keeps only NET_BIND_SERVICE or NET_RAW", "7", "--keep-capabilities", "SYS_ADMIN");
    assertUsage("--groups takes a number, not \"x\"", "7", "--groups", "4,x");
    assertUsage("--user needs a value", "7", "--user");
    assertUsage("--seccomp-filters -1: a count of filters, 0 to 1000", "7", "--seccomp-filters", "-1");
  }

  private static void assertUsage(String message, String... args) {
    Doctor.UsageException e = assertThrows(Doctor.UsageException.class, () -> Inspect.parse(List.of(args), PASSWD));
    assertEquals(message, e.getMessage());
  }

  // ---- the whole command over a /proc written here ----

  /** A /proc holding process 100 (threads 100 and 101 from {@code thread}) and the doctor's own status as uid {@code doctor}. */
  private Path proc(String thread, long doctor) throws IOException {
    Path proc = Files.createDirectories(tmp.resolve("proc"));
    Path jail = Files.createDirectories(tmp.resolve("jail"));
    Files.writeString(Files.createDirectories(jail.resolve("www")).resolve("index.html"), "hello\n");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("app.jar"), "PK");
    Files.createDirectories(proc.resolve("self"));
    Files.writeString(proc.resolve("self/status"), ROOT.replace("Uid:\t0\t0\t0\t0", "Uid:\t" + doctor + "\t" + doctor + "\t" + doctor + "\t" + doctor));
    Path p = Files.createDirectories(proc.resolve("100"));
    Files.writeString(p.resolve("stat"), "100 (java) S 1 100 90 0 -1 4194560 14602 0 0 0 60\n");
    Files.writeString(p.resolve("status"), String.format(thread, 100));
    for (long tid : List.of(100L, 101L)) {
      Files.writeString(Files.createDirectories(p.resolve("task/" + tid)).resolve("status"), String.format(thread, tid));
    }
    Files.createSymbolicLink(p.resolve("root"), jail);
    Files.createSymbolicLink(p.resolve("cwd"), jail);
    Files.createDirectories(p.resolve("fd"));
    Files.createDirectories(p.resolve("fdinfo"));
    Map<Integer, String> fds = Map.of(0, "pipe:[7]", 3, outside.resolve("app.jar").toString(), 4, jail.resolve("www/index.html").toString());
    for (Map.Entry<Integer, String> fd : fds.entrySet()) {
      Files.createSymbolicLink(p.resolve("fd/" + fd.getKey()), Path.of(fd.getValue()));
      Files.writeString(p.resolve("fdinfo/" + fd.getKey()), "pos:\t0\nflags:\t0100000\nmnt_id:\t27\n");
    }
    return proc;
  }

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Path proc, String... args) {
    return Inspect.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        proc, PASSWD);
  }

  /**
   * A uid for the process of a written /proc that is not the uid running the test: the files the
   * test writes are its own, and a status file owned by the process's uid says "dumpable".
   */
  private long notTheTestsUid() throws IOException {
    int runner = (Integer) Files.getAttribute(Files.writeString(tmp.resolve("owner"), ""), "unix:uid");
    return runner == 64999 ? 64998 : 64999;
  }

  @Test
  void aConfinedProcessExits0WithTheSummaryFirst() throws Exception {
    String uid = String.valueOf(notTheTestsUid());
    Path proc = proc(CONFINED.replace("65534", uid), 0);
    assertEquals(Doctor.OK, run(proc, "100", "--user", uid, "--group", uid, "--root", tmp.resolve("jail").toString()), out + "\n" + err);
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.startsWith("confine doctor inspect: pid 100 (java) is confined as expected: 2 threads, uid " + uid + ", gid " + uid + ", root "
        + tmp.resolve("jail") + "; 0 error(s), 0 warning(s), 1 info\n"), text);
    assertTrue(text.contains("\ncwd          " + tmp.resolve("jail") + ": the root itself"), text);
    assertTrue(text.contains("\nthreads      2, all alike:\n  2 × Uid " + String.join(",", uid, uid, uid, uid)), text);
    assertTrue(text.contains("\ndescriptors  3: 1 pipe, 2 file; 1 outside the root\n"), text);
    assertTrue(text.contains("read-only-outside-root"), text);
  }

  @Test
  void aProcessWhoseProcFilesAreItsOwnIsDumpable() throws Exception {
    // The test's own uid owns the files it writes: a process of that uid there is what the kernel shows of a dumpable one.
    int runner = (Integer) Files.getAttribute(Files.writeString(tmp.resolve("owner"), ""), "unix:uid");
    org.junit.jupiter.api.Assumptions.assumeTrue(runner != 0, "as root, the written files are root's: the signal says unknown");
    String uid = String.valueOf(runner);
    Path proc = proc(CONFINED.replace("65534", uid), 0);
    assertEquals(Doctor.ERRORS_FOUND, run(proc, "100"), out + "\n" + err);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("\ndumpable     yes: "), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  @SuppressWarnings("unchecked")
  void jsonIsOneObjectWithEveryThreadAndDescriptor() throws Exception {
    Path proc = proc(ROOT, 0);
    assertEquals(Doctor.ERRORS_FOUND, run(proc, "100", "--json"), err.toString());
    Map<String, Object> doc = (Map<String, Object>) MiniJson.parse(out.toString(StandardCharsets.UTF_8));
    assertEquals(List.of("pid", "command", "confined", "summary", "root", "cwd", "dumpable", "dumpableSignal", "terminal", "threads",
        "descriptors", "findings"), new ArrayList<>(doc.keySet()));
    assertEquals(100L, doc.get("pid"));
    assertEquals(false, doc.get("confined"));
    List<Map<String, Object>> threads = (List<Map<String, Object>>) doc.get("threads");
    assertEquals(List.of(100L, 101L), threads.stream().map(t -> t.get("tid")).collect(Collectors.toList()));
    assertEquals(List.of(0L, 0L, 0L, 0L), threads.get(0).get("uid"));
    assertEquals("000001fffeffffff", threads.get(0).get("capEff"));
    assertEquals(0L, threads.get(0).get("seccompFilters"));
    Map<String, Object> root = (Map<String, Object>) doc.get("root");
    assertEquals(tmp.resolve("jail").toString(), root.get("path"));
    assertEquals(true, ((Map<String, Object>) doc.get("cwd")).get("isRoot"));
    List<Map<String, Object>> descriptors = (List<Map<String, Object>>) doc.get("descriptors");
    assertEquals(List.of("pipe", "file", "file"), descriptors.stream().map(d -> d.get("kind")).collect(Collectors.toList()));
    assertEquals(List.of(false, true, false), descriptors.stream().map(d -> d.get("outsideRoot")).collect(Collectors.toList()));
    List<Map<String, Object>> findings = (List<Map<String, Object>>) doc.get("findings");
    assertTrue(findings.stream().anyMatch(f -> f.get("code").equals("uid-0") && f.get("severity").equals("ERROR")), findings.toString());
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void couldNotRunExits3AndBadArgumentsExit2WithOneUsageLine() throws Exception {
    Path proc = proc(CONFINED, 0);
    assertEquals(Doctor.CHECK_FAILED, run(proc, "4242"));
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("confine-doctor: inspect could not run: no process 4242"), err.toString());
    err.reset();
    assertEquals(Doctor.USAGE, run(proc, "abc"));
    assertEquals(3, err.toString(StandardCharsets.UTF_8).lines().count(), "the message, the usage line and where the rest is: " + err);
  }

  @Test
  void notRootExits3() throws Exception {
    Path proc = proc(CONFINED, 1000);
    assertEquals(Doctor.CHECK_FAILED, run(proc, "100"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("inspect runs as root"), err.toString());
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }
}
