package dev.confine.bench;

import dev.confine.it.ChildJvm;
import dev.confine.it.Jails;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs every benchmark and writes the results as markdown. It never confines itself: every
 * measured apply() runs in a fresh child JVM (or the C program) in a fresh jail under
 * /run/confine-bench, removed afterwards.
 *
 * <pre>
 * Bench --bench-jar J --lib DIR --core-classpath FILE --c-source FILE --work DIR --out FILE
 *       [--runs 10] [--only floor,bind,apply,baseline,server,laidout,boot,steady,syscalls,preflight,memory,threads]
 *       [--files 1000,10000,100000] [--fds 10,1000,10000] [--java-homes DIR,DIR]
 *       [--thread-counts 10,100,1000,4000] [--thread-runs 3] [--compare-core JAR]
 *       [--boot-jar JAR] [--examples-jar JAR]
 * </pre>
 */
public final class Bench {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  /** Where the bench's jails live: a root-owned 0755 base of its own (src-it's Jails makes and checks them). */
  static final Path JAIL_BASE = Path.of(System.getProperty("confine.bench.jailBase", "/run/confine-bench"));
  static final String HISTORY_MARKER = "<!-- history: kept by bench/run -->";
  private static final List<String> SECTIONS =
      List.of("floor", "bind", "apply", "baseline", "server", "laidout", "boot", "steady", "syscalls", "preflight", "memory", "threads");
  /** A second JDK the children also run on, where the machine has it (Temurin 25 here). */
  private static final String SECOND_JDK = "/usr/lib/jvm/temurin-25-jdk-amd64";
  private static final List<String> PHASES =
      List.of("BIND_NATIVE", "RESOLVE_IDENTITY", "PREFLIGHT", "PREPARE_JVM", "SYSCALLS", "VERIFY", "TOTAL");

  private final Map<String, String> options;
  private final int runs;
  private final Set<String> only;
  private final Path work;
  /** The JDKs the children run on: apply, server and floor run on each; the rest on the first. */
  private final List<String> javaHomes;
  private String javaHome;
  private String jdkLabel = "";
  private final StringBuilder md = new StringBuilder();
  private final List<String> gaps = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();
  /** Per JDK label: the floors measured in bare JVMs, for the targets' "why". */
  private final Map<String, Floors> floors = new LinkedHashMap<>();

  // Carried from one section to the next.
  private final List<Long> jvmThreads = new ArrayList<>();
  private final List<Long> javaSyscallsNanos = new ArrayList<>();
  private final Map<String, List<Long>> javaSteps = new LinkedHashMap<>();
  private final List<Long> rssBefore = new ArrayList<>();
  private final List<Long> rssAfter = new ArrayList<>();

  private Bench(Map<String, String> options) {
    this.options = options;
    this.runs = Integer.parseInt(options.getOrDefault("runs", "10"));
    if (runs < 1) {
      throw new IllegalArgumentException("--runs must be at least 1: " + runs);
    }
    this.only = new LinkedHashSet<>(Arrays.asList(options.getOrDefault("only", String.join(",", SECTIONS)).split(",")));
    for (String section : only) {
      if (!SECTIONS.contains(section)) {
        throw new IllegalArgumentException("unknown section " + section + "; known: " + SECTIONS);
      }
    }
    this.work = Path.of(required("work"));
    List<String> homes = new ArrayList<>();
    if (options.containsKey("java-homes")) {
      homes.addAll(Arrays.asList(options.get("java-homes").split(",")));
    } else {
      homes.add(options.getOrDefault("java-home", System.getProperty("java.home")));
      if (Files.isExecutable(Path.of(SECOND_JDK, "bin", "java")) && !homes.get(0).startsWith(SECOND_JDK)) {
        homes.add(SECOND_JDK);
      }
    }
    for (String home : homes) {
      if (!Files.isExecutable(Path.of(home, "bin", "java"))) {
        throw new IllegalArgumentException("not a JDK (no bin/java): " + home);
      }
    }
    this.javaHomes = List.copyOf(homes);
    this.javaHome = javaHomes.get(0);
  }

  /**
   * One target (issue 17 or 28, as its figure says): a figure, the JDK it was measured on, the limit, and why it is met or
   * not (with the floor that bounds it, measured in the same run).
   */
  private static final class Target {
    final String figure;
    final String jdk;
    final double measured;
    final boolean ratio;
    final double limit;
    final boolean atMost;
    final String why;
    /** The unit of a figure that is not a ratio: "ms" unless said. */
    final String unit;

    Target(String figure, String jdk, double measured, boolean ratio, double limit, boolean atMost, String why) {
      this(figure, jdk, measured, ratio, limit, atMost, why, "ms");
    }

    Target(String figure, String jdk, double measured, boolean ratio, double limit, boolean atMost, String why, String unit) {
      this.unit = unit;
      this.figure = figure;
      this.jdk = jdk;
      this.measured = measured;
      this.ratio = ratio;
      this.limit = limit;
      this.atMost = atMost;
      this.why = why;
    }

    boolean met() {
      return atMost ? measured <= limit : measured >= limit;
    }

    String value(double v) {
      return ratio ? Stats.f2(v) + (atMost ? "x" : "") : Stats.f(v) + " " + unit;
    }

    String row() {
      double gap = Math.abs(measured - limit);
      String by = (met() ? "met with " + value(gap) + " to spare" : "missed by " + value(gap))
          + " (" + Math.round(100 * gap / limit) + "% of the target)";
      return "| " + figure + " | " + jdk + " | " + value(measured) + " | " + (atMost ? "≤ " : "≥ ") + value(limit) + " | "
          + (met() ? "**met**" : "**not met**") + "; " + by + " | " + why + " |";
    }
  }

  /** Medians of the floors measured in bare JVMs for one JDK, ms. */
  private static final class Floors {
    final Map<String, Double> facility = new LinkedHashMap<>();
    double prepare;
    double bind;

    double of(String... names) {
      double sum = 0;
      for (String name : names) {
        sum += facility.getOrDefault(name, 0.0);
      }
      return sum;
    }
  }

  private Floors floorsHere() {
    return floors.computeIfAbsent(jdkLabel, k -> new Floors());
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs: " + Arrays.toString(args));
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    if (!isRoot()) {
      System.err.println("bench: must run as root (the children chroot and drop root); this is not root");
      System.exit(2);
    }
    Bench bench = new Bench(options);
    String markdown = bench.run();
    Path out = Path.of(bench.required("out"));
    // Hand-written history below the marker survives a rerun; everything above is regenerated.
    if (Files.exists(out)) {
      String old = Files.readString(out);
      int kept = old.indexOf(HISTORY_MARKER);
      if (kept >= 0) {
        markdown = markdown + old.substring(kept);
      }
    }
    Files.writeString(out, markdown);
    System.out.println(markdown);
    System.out.println("(written to " + out.toAbsolutePath() + ")");
  }

  private String required(String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  private String run() throws Exception {
    Files.createDirectories(work);
    String loadBefore = loadAverage();
    for (String home : javaHomes) {
      javaHome = home;
      jdkLabel = "Java " + ChildJvm.featureVersion(home);
      boolean first = home.equals(javaHomes.get(0));
      if (only.contains("floor")) {
        floor();
      }
      if (only.contains("bind") && first) {
        bind();
      }
      if (only.contains("apply") || (first && (only.contains("syscalls") || only.contains("memory")))) {
        apply(first);
      }
      if (only.contains("baseline")) {
        baseline();
      }
      if (only.contains("server")) {
        server();
      }
      if (only.contains("laidout")) {
        laidOut();
      }
      if (only.contains("threads")) {
        threads();
      }
    }
    javaHome = javaHomes.get(0);
    jdkLabel = "Java " + ChildJvm.featureVersion(javaHome);
    if (only.contains("boot")) {
      boot();
    }
    if (only.contains("steady")) {
      steady();
    }
    if (only.contains("syscalls")) {
      syscalls();
    }
    if (only.contains("preflight")) {
      preflight();
    }
    if (only.contains("memory")) {
      memory();
    }
    String loadAfter = loadAverage();

    StringBuilder head = new StringBuilder();
    head.append("# Benchmarks\n\n");
    head.append("What confinement costs, measured by `bash bench/run` (root; ")
        .append(runs)
        .append(" fresh JVMs per figure unless said otherwise). Every measured `apply()` runs in a fresh child JVM")
        .append(" in a fresh jail under `/run/confine-bench`; the JVM running the benchmark never confines itself.")
        .append(" Times are milliseconds: median | min | max.\n\n");
    head.append("## Machine\n\n");
    head.append("- nproc: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
    head.append("- CPU: ").append(cpuModel()).append('\n');
    head.append("- kernel: ").append(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim()).append('\n');
    for (String home : javaHomes) {
      head.append("- JDK (children): ").append(jdk(home)).append('\n');
    }
    head.append("- load average before / after: ").append(loadBefore).append(" / ").append(loadAfter)
        .append(" (a shared machine: other builds may have run meanwhile)\n");
    head.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append("\n\n");
    head.append("## Targets\n\n");
    if (!targets.isEmpty()) {
      head.append("Issue 28's targets (apply() overhead, the minimal server in an empty and in a laid-out jail, check() against find) and")
          .append(" issue 17's that still stand, each marked; only the sections this run measured have rows. Medians of cold runs;")
          .append(" \"the floor\" is the same work measured alone in a bare JVM (section 0): what the JDK itself costs for it from a cold start.\n\n");
      head.append("| figure | JDK | measured | target | met | why |\n|---|---|---|---|---|---|\n");
      for (Target target : targets) {
        head.append(target.row()).append('\n');
      }
      head.append("\nOther targets:\n\n");
    }
    if (gaps.isEmpty()) {
      head.append("(no target measured in this run)\n\n");
    } else {
      head.append("| target | measured | met |\n|---|---|---|\n");
      for (String gap : gaps) {
        head.append(gap).append('\n');
      }
      head.append('\n');
    }
    return head.append(md).toString();
  }

  // ---------------------------------------------------------------- 0. binding

  private void bind() throws Exception {
    Path jffiDir = extractJffi();
    // name -> {BindChild argument, JVM options...}
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("confine's kernel: jffi directly (DirectLibC)", List.of("confine"));
    variants.put("confine's kernel, -Djffi.boot.library.path (libjffi preinstalled)", List.of("confine", "-Djffi.boot.library.path=" + jffiDir));
    variants.put("the same LibC interface through jnr-ffi's LibraryLoader (confine's binding before 1167331)", List.of("jnr-ffi-libc"));
    variants.put("LibC through jnr-ffi, -Djnr.ffi.asm.enabled=false", List.of("jnr-ffi-libc", "-Djnr.ffi.asm.enabled=false"));
    variants.put("jnr-posix POSIXFactory.getNativePOSIX()", List.of("jnr-posix"));
    Map<String, List<Long>> times = new LinkedHashMap<>();
    variants.keySet().forEach(k -> times.put(k, new ArrayList<>()));
    for (int i = 0; i < runs; i++) {
      for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
        String mode = variant.getValue().get(0);
        List<String> jvmOptions = variant.getValue().subList(1, variant.getValue().size());
        try (ChildJvm child = ChildJvm.startCommand(java(jvmOptions, mode.startsWith("jnr"), "dev.confine.bench.BindChild", mode))) {
          child.await("DONE", TIMEOUT);
          times.get(variant.getKey()).add(Long.parseLong(child.tagged("BENCH").get("bind-ns")));
        }
      }
    }
    md.append("## Native binding (bind + first call, fresh JVM each)\n\n");
    md.append("| binding | median | min | max |\n|---|---|---|---|\n");
    times.forEach((name, t) -> md.append("| ").append(name).append(" | ").append(Stats.ofNanosAsMillis(t).cells()).append(" |\n"));
    md.append("\nconfine calls libc through jffi directly (`internal/DirectLibC.java`: a symbol address and a call description")
        .append(" per function); jnr-ffi's LibraryLoader first builds its runtime and generates a class (ASM) for the interface;")
        .append(" jnr-posix binds the whole POSIX API that way.\n")
        .append("`jffi.boot.library.path` points jffi at an already extracted `libjffi` (here `")
        .append(jffiDir)
        .append("`), so it does not copy its stub from the jar to a temporary file at each start.\n\n");
  }

  private Path extractJffi() throws IOException {
    Path dir = work.resolve("jffi");
    Files.createDirectories(dir);
    Path nativeJar;
    try (Stream<Path> jars = Files.list(Path.of(required("lib")))) {
      nativeJar = jars.filter(p -> p.getFileName().toString().matches("jffi-.*-native\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no jffi-*-native.jar in " + required("lib")));
    }
    String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
    try (JarFile jar = new JarFile(nativeJar.toFile())) {
      var entry = jar.stream().filter(e -> e.getName().startsWith("jni/" + arch + "-Linux/") && e.getName().endsWith(".so"))
          .findFirst().orElseThrow(() -> new IllegalStateException("no jni/" + arch + "-Linux/*.so in " + nativeJar));
      try (InputStream in = jar.getInputStream(entry)) {
        Files.copy(in, dir.resolve(Path.of(entry.getName()).getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  // ---------------------------------------------------------------- 1. apply, cold

  /** The figures of a series of ApplyChild JVMs. */
  private static final class ApplyRuns {
    final Map<String, List<Long>> phases = new LinkedHashMap<>();
    final Map<String, List<Long>> preparations = new LinkedHashMap<>();
    /** Each step's time by syscall (summed if a syscall comes twice), in plan order. */
    final Map<String, List<Long>> steps = new LinkedHashMap<>();
    final List<Long> overhead = new ArrayList<>();
    final List<Long> wall = new ArrayList<>();
    final List<Long> startToConfined = new ArrayList<>();
    final List<Long> startToHello = new ArrayList<>();
    final List<Long> threads = new ArrayList<>();
    final List<Long> rssBefore = new ArrayList<>();
    final List<Long> rssAfter = new ArrayList<>();

    ApplyRuns() {
      PHASES.forEach(p -> phases.put(p, new ArrayList<>()));
    }
  }

  /** {@code runs} fresh JVMs that confine, each after a bare hello-world JVM, with these JVM options. */
  private ApplyRuns applyRuns(List<String> jvmOptions) throws Exception {
    return applyRuns(jvmOptions, runs);
  }

  /** {@code count} fresh JVMs that confine, as above. */
  private ApplyRuns applyRuns(List<String> jvmOptions, int count) throws Exception {
    ApplyRuns r = new ApplyRuns();
    for (int i = 0; i < count; i++) {
      try (ChildJvm hello = ChildJvm.startCommand(java(jvmOptions, false, "dev.confine.bench.HelloChild"))) {
        r.startToHello.add(hello.awaitLine("HELLO", TIMEOUT).arrivedNanos - hello.startedNanos());
        hello.waitFor(TIMEOUT);
      }
      Path jail = Jails.fresh(JAIL_BASE, "apply");
      try (ChildJvm child = ChildJvm.startCommand(java(jvmOptions, false, "dev.confine.bench.ApplyChild", jail.toString()))) {
        ChildJvm.Line confined = child.awaitLine("CONFINED", TIMEOUT);
        r.startToConfined.add(confined.arrivedNanos - child.startedNanos());
        int status = child.waitFor(TIMEOUT);
        if (status != 0) {
          throw new IllegalStateException("ApplyChild exited " + status + ":\n" + child.output());
        }
        Map<String, String> f = child.tagged("BENCH");
        for (String p : PHASES) {
          r.phases.get(p).add(Long.parseLong(f.get("phase." + p)));
        }
        f.forEach((k, v) -> {
          if (k.startsWith("prepare.")) {
            r.preparations.computeIfAbsent(k.substring(8), x -> new ArrayList<>()).add(Long.parseLong(v));
          }
        });
        Map<String, Long> stepsOfRun = new LinkedHashMap<>();
        f.forEach((k, v) -> {
          if (k.startsWith("step.")) {
            stepsOfRun.merge(k.substring(k.indexOf('.', 5) + 1), Long.parseLong(v), Long::sum);
          }
        });
        stepsOfRun.forEach((k, v) -> r.steps.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        r.overhead.add(Long.parseLong(f.get("phase.TOTAL")) - Long.parseLong(f.get("phase.PREPARE_JVM")));
        r.wall.add(Long.parseLong(f.get("apply-wall-ns")));
        r.threads.add(Long.parseLong(f.get("threads")));
        r.rssBefore.add(Long.parseLong(f.get("rss-before-kb")));
        r.rssAfter.add(Long.parseLong(f.get("rss-after-kb")));
      } finally {
        Jails.remove(JAIL_BASE, jail);
      }
    }
    return r;
  }

  private void apply(boolean first) throws Exception {
    ApplyRuns r = applyRuns(List.of());
    if (first) {
      jvmThreads.addAll(r.threads);
      javaSyscallsNanos.addAll(r.phases.get("SYSCALLS"));
      javaSteps.putAll(r.steps);
      rssBefore.addAll(r.rssBefore);
      rssAfter.addAll(r.rssAfter);
    }
    if (!only.contains("apply")) {
      return;
    }
    md.append("## 1. apply(), cold, in a fresh JVM — ").append(jdkLabel).append("\n\n");
    md.append("Default policy (`root(jail).user(\"nobody\")`), one `apply()` per fresh JVM, phases from `ConfinementReport.phases()`.")
        .append(" The child's class path is what a user's would be: the bench's jar, confine-core, jffi and slf4j (with slf4j-simple).\n\n");
    phaseTable(r);
    md.append("### JVM start to \"confined\" vs a bare JVM — ").append(jdkLabel).append("\n\n");
    md.append("From process start (in the parent) to the child's line on stdout.\n\n");
    startTable(r);

    boolean aot = ChildJvm.featureVersion(javaHome) >= 25;
    ApplyRuns cds = applyRuns(List.of(aot ? "-XX:AOTCache=" + aotCache("apply") : "-XX:SharedArchiveFile=" + cdsArchive("apply")));
    Floors floor = floorsHere();
    double overhead = Stats.ofNanosAsMillis(r.overhead).median();
    double prepare = Stats.ofNanosAsMillis(r.phases.get("PREPARE_JVM")).median();
    double cdsOverhead = Stats.ofNanosAsMillis(cds.overhead).median();
    targets.add(new Target("apply() overhead (TOTAL − PREPARE_JVM), cold median (issue 28)", jdkLabel, overhead, false, 100, true,
        "BIND_NATIVE alone is " + Stats.f(Stats.ofNanosAsMillis(r.phases.get("BIND_NATIVE")).median()) + " ms; binding in a bare JVM"
            + " (jffi's start and first call, the floor of any binding through jffi) " + Stats.f(floor.bind) + " ms. The rest is"
            + " class loading and interpreted first runs of the checks in a cold JVM (RESOLVE_IDENTITY "
            + Stats.f(Stats.ofNanosAsMillis(r.phases.get("RESOLVE_IDENTITY")).median()) + ", PREFLIGHT "
            + Stats.f(Stats.ofNanosAsMillis(r.phases.get("PREFLIGHT")).median()) + ", SYSCALLS "
            + Stats.f(Stats.ofNanosAsMillis(r.phases.get("SYSCALLS")).median()) + ", VERIFY "
            + Stats.f(Stats.ofNanosAsMillis(r.phases.get("VERIFY")).median()) + " ms; the rest between the phases: the programs, the"
            + " signal hold, the report). With " + (aot ? "an AOT cache" : "an AppCDS archive")
            + " (a deployment option, section 1's second table): " + Stats.f(cdsOverhead) + " ms."));
    targets.add(new Target("default preparation (PREPARE_JVM), cold median (issue 17)", jdkLabel, prepare, false, 150, true,
        "the same JDK calls alone, in a bare JVM (the floor), take " + Stats.f(floor.prepare) + " ms (in apply() less: the binding"
            + " has loaded classes they share), of which TLS "
            + Stats.f(floor.of("tls")) + " (parsing the trust store, cacerts), security " + Stats.f(floor.of("security"))
            + " (java.security, the providers, the JCE policy), securerandom " + Stats.f(floor.of("securerandom")) + ", management "
            + Stats.f(floor.of("management")) + ": the JDK's cost of reading and parsing what the jail will not have. An early"
            + " start takes it off the critical path where there is a core to spare (section 2's early start; the starter and the"
            + " agent do this)."));
    md.append("### The same with ").append(aot ? "an AOT cache" : "an application class-data archive").append(" (deployment option) — ")
        .append(jdkLabel).append("\n\n");
    if (aot) {
      md.append("Java 25's AOT cache (JEP 483/514/515: classes loaded and linked, method profiles), made by the bench from one")
          .append(" training run that checks the jail and readies the JVM without confining (`ApplyChild ROOT train` with")
          .append(" `-XX:AOTCacheOutput=...`: the cache is written at exit, which a confined JVM could not do), given to every JVM")
          .append(" of this table, the hello-world ones included: `-XX:AOTCache=...`.\n\n");
    } else {
      md.append("Most of a cold apply() is class loading (confine, jffi, the JDK's own). A static AppCDS archive, made by the bench")
          .append(" from the class list of one confined run (`-XX:DumpLoadedClassList`, then `java -Xshare:dump")
          .append(" -XX:SharedClassListFile=... -XX:SharedArchiveFile=...`), is given to every JVM of this table, the hello-world ones")
          .append(" included: `-XX:SharedArchiveFile=...`.\n\n");
    }
    phaseTable(cds);
    startTable(cds);
  }

  /**
   * An AOT cache (Java 25) from one training run of {@code what} (apply: ApplyChild; server:
   * ServerChild answering one request) in "train" mode: everything but the sequence.
   */
  private Path aotCache(String what) throws Exception {
    Path cache = work.resolve("aot-" + what + "-" + ChildJvm.featureVersion(javaHome) + ".aot");
    Files.deleteIfExists(cache);
    List<String> training = List.of("-XX:AOTCacheOutput=" + cache);
    if (what.equals("apply")) {
      Path jail = Jails.fresh(JAIL_BASE, "aot");
      try (ChildJvm child = ChildJvm.startCommand(java(training, false, "dev.confine.bench.ApplyChild", jail.toString(), "train"))) {
        child.await("TRAINED", TIMEOUT);
        if (child.waitFor(TIMEOUT) != 0) {
          throw new IllegalStateException("training run failed:\n" + child.output());
        }
      } finally {
        Jails.remove(JAIL_BASE, jail);
      }
    } else {
      firstAnswer("train", training);
    }
    if (!Files.exists(cache)) {
      throw new IllegalStateException("no AOT cache written at " + cache);
    }
    return cache;
  }

  // ---------------------------------------------------------------- 0. floors

  /** The floors of this JDK: the default preparations' JDK calls, and binding, in bare JVMs. */
  private void floor() throws Exception {
    Map<String, List<Long>> facility = new LinkedHashMap<>();
    List<Long> total = new ArrayList<>();
    List<Long> bind = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      try (ChildJvm child = ChildJvm.startCommand(java(List.of(), false, "dev.confine.bench.FloorChild"))) {
        child.await("DONE", TIMEOUT);
        if (child.waitFor(TIMEOUT) != 0) {
          throw new IllegalStateException("FloorChild failed:\n" + child.output());
        }
        child.tagged("BENCH").forEach((k, v) -> {
          if (k.startsWith("floor.")) {
            facility.computeIfAbsent(k.substring(6), x -> new ArrayList<>()).add(Long.parseLong(v));
          }
        });
        total.add(Long.parseLong(child.tagged("BENCH").get("floor-total")));
      }
      try (ChildJvm child = ChildJvm.startCommand(java(List.of(), false, "dev.confine.bench.BindChild", "confine"))) {
        child.await("DONE", TIMEOUT);
        bind.add(Long.parseLong(child.tagged("BENCH").get("bind-ns")));
      }
    }
    Floors floor = floorsHere();
    facility.forEach((name, t) -> floor.facility.put(name, Stats.ofNanosAsMillis(t).median()));
    floor.prepare = Stats.ofNanosAsMillis(total).median();
    floor.bind = Stats.ofNanosAsMillis(bind).median();
    md.append("## 0. Floors: what the JDK itself costs — ").append(jdkLabel).append("\n\n");
    md.append("Each fresh JVM makes only this work and nothing else of confine: the default preparations (the JDK calls")
        .append(" PREPARE_JVM makes, facility by facility, in apply()'s order: `FloorChild`), and binding (jffi's start and")
        .append(" one call: `BindChild confine`). This is what the JDK itself costs for that work from a cold start. Inside apply()")
        .append(" part of it is already paid by what ran before (the binding and the JVM's own start load classes the preparations")
        .append(" share), so a phase of section 1 can come out below its floor; no change to confine's code removes the floor's work")
        .append(" short of reading less before chroot.\n\n");
    md.append("| work | median | min | max |\n|---|---|---|---|\n");
    facility.forEach((name, t) -> md.append("| preparation: ").append(name).append(" | ").append(Stats.ofNanosAsMillis(t).cells()).append(" |\n"));
    md.append("| **the default preparations, all** | ").append(Stats.ofNanosAsMillis(total).cells()).append(" |\n");
    md.append("| binding: jffi's start and the first call | ").append(Stats.ofNanosAsMillis(bind).cells()).append(" |\n\n");
  }

  /**
   * The baseline seccomp filter's cost in apply(): the default policy against the same with
   * noBaselineFilter() (ApplyChild's -Dconfine.bench.noBaselineFilter=true), alternated run by run
   * so that a busy moment of the machine falls on both.
   */
  private void baseline() throws Exception {
    List<Long> onTotal = new ArrayList<>();
    List<Long> offTotal = new ArrayList<>();
    List<Long> onSyscalls = new ArrayList<>();
    List<Long> offSyscalls = new ArrayList<>();
    List<Long> onSeccomp = new ArrayList<>();
    List<Long> offSeccomp = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      ApplyRuns on = applyRuns(List.of(), 1);
      ApplyRuns off = applyRuns(List.of("-Dconfine.bench.noBaselineFilter=true"), 1);
      onTotal.addAll(on.overhead);
      offTotal.addAll(off.overhead);
      onSyscalls.addAll(on.phases.get("SYSCALLS"));
      offSyscalls.addAll(off.phases.get("SYSCALLS"));
      onSeccomp.addAll(on.steps.get("SECCOMP"));
      offSeccomp.addAll(off.steps.get("SECCOMP"));
    }
    md.append("## 1b. The baseline seccomp filter in apply(), cold — ").append(jdkLabel).append("\n\n");
    md.append("The default policy against the same with `noBaselineFilter()`, ").append(runs)
        .append(" alternated pairs of fresh JVMs. SECCOMP is the time of the filter steps (the baseline and the filter that carries")
        .append(" no_new_privs, or that one alone). Per system call afterwards: `SeccompBenchmark` (src-it), in the history below.\n\n");
    md.append("| | with the baseline | without | difference of medians |\n|---|---|---|---|\n");
    baselineRow("overhead = TOTAL − PREPARE_JVM", onTotal, offTotal);
    baselineRow("SYSCALLS (the sequence)", onSyscalls, offSyscalls);
    baselineRow("SECCOMP steps", onSeccomp, offSeccomp);
    md.append('\n');
  }

  private void baselineRow(String what, List<Long> on, List<Long> off) {
    Stats with = Stats.ofNanosAsMillis(on);
    Stats without = Stats.ofNanosAsMillis(off);
    md.append("| ").append(what).append(" | ").append(Stats.f2(with.median())).append(" (").append(Stats.f2(with.min())).append("-")
        .append(Stats.f2(with.max())).append(") | ").append(Stats.f2(without.median())).append(" (").append(Stats.f2(without.min()))
        .append("-").append(Stats.f2(without.max())).append(") | ").append(Stats.f2(with.median() - without.median())).append(" |\n");
  }

  private void phaseTable(ApplyRuns r) {
    md.append("| phase | median | min | max |\n|---|---|---|---|\n");
    r.phases.forEach((p, t) -> md.append("| ").append(p).append(" | ").append(Stats.ofNanosAsMillis(t).cells()).append(" |\n"));
    r.preparations.forEach((p, t) -> md.append("| PREPARE_JVM: ").append(p).append(" | ").append(Stats.ofNanosAsMillis(t).cells()).append(" |\n"));
    md.append("| **overhead = TOTAL − PREPARE_JVM** | ").append(Stats.ofNanosAsMillis(r.overhead).cells()).append(" |\n");
    md.append("| apply() as the caller sees it (incl. loading of the API classes, slf4j, the log line) | ")
        .append(Stats.ofNanosAsMillis(r.wall).cells()).append(" |\n\n");
  }

  private void startTable(ApplyRuns r) {
    Stats confined = Stats.ofNanosAsMillis(r.startToConfined);
    Stats hello = Stats.ofNanosAsMillis(r.startToHello);
    md.append("| program | median | min | max |\n|---|---|---|---|\n");
    md.append("| bare JVM: hello world | ").append(hello.cells()).append(" |\n");
    md.append("| JVM that confines (ApplyChild) | ").append(confined.cells()).append(" |\n");
    md.append("| ratio of medians | ").append(Stats.f2(confined.median() / hello.median())).append(" | | |\n\n");
  }

  /**
   * A static AppCDS archive of the classes one confined run of {@code what} (apply: ApplyChild;
   * server: ServerChild, answering one request) loads. The class list is written as classes
   * load, through a file the JVM opened at startup, so the confined child can still write it.
   */
  private Path cdsArchive(String what) throws Exception {
    Path list = work.resolve("cds-" + what + ".classlist");
    Path archive = work.resolve("cds-" + what + ".jsa");
    Files.deleteIfExists(list);
    Files.deleteIfExists(archive);
    List<String> listing = List.of("-XX:DumpLoadedClassList=" + list);
    if (what.equals("apply")) {
      Path jail = Jails.fresh(JAIL_BASE, "cds");
      try (ChildJvm child = ChildJvm.startCommand(java(listing, false, "dev.confine.bench.ApplyChild", jail.toString()))) {
        child.await("CONFINED", TIMEOUT);
        if (child.waitFor(TIMEOUT) != 0) {
          throw new IllegalStateException("class list run failed:\n" + child.output());
        }
      } finally {
        Jails.remove(JAIL_BASE, jail);
      }
    } else {
      firstAnswer("confined", listing);
    }
    // -Xshare:dump takes no main class.
    List<String> dump = java(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + archive), false, null);
    try (ChildJvm child = ChildJvm.startCommand(dump)) {
      if (child.waitFor(TIMEOUT) != 0 || !Files.exists(archive)) {
        throw new IllegalStateException("-Xshare:dump failed:\n" + child.output());
      }
    }
    return archive;
  }

  // ---------------------------------------------------------------- 2. HTTP server

  private void server() throws Exception {
    md.append("## 2. JDK HttpServer: JVM start to first answered request — ").append(jdkLabel).append("\n\n");
    md.append("The child binds 127.0.0.1 (ephemeral port), confines (or not), starts the server and prints the port; the")
        .append(" parent then sends `GET /`. Time from process start to the complete 200 answer; runs in fours (default")
        .append(" policy, tailored, early start, unconfined), rotating which starts first. **default**: `root(jail).user(\"nobody\")`, whose")
        .append(" JVM preparations are the network-server set (security, securerandom, net, zip, timezones, logging, tls,")
        .append(" management). **tailored**: the same policy with `prepare(JvmFacility.NETWORK, JvmFacility.TIME_ZONES,")
        .append(" JvmFacility.LOGGING)`, what this server uses (no TLS, no management); SECURITY comes with them. **early start**: the")
        .append(" default policy, whose `prepareJvm()` runs on a thread of its own from the first line of main while the server is")
        .append(" made (what the starter and the agent do while a framework starts); apply() then finds the JVM ready.\n\n");
    double[] r = serverRuns(List.of());
    Floors floor = floorsHere();
    // The target's budget for apply() against the floors of the work it cannot skip (binding and
    // the preparations, each measured alone in a bare JVM).
    double plain = r[2];
    double budget = plain;
    double tailoredBudget = 0.25 * plain;
    targets.add(new Target("JDK HttpServer, default policy, empty jail (section 2): start to first answer, confined / unconfined (issue 28)",
        jdkLabel, r[0], true, 2.0, true,
        "unconfined " + Stats.f(plain) + " ms, confined " + Stats.f(r[0] * plain) + " ms: 2.0x leaves apply() " + Stats.f(budget)
            + " ms, but the default preparations' JDK calls alone take " + Stats.f(floor.prepare) + " ms in a bare JVM and binding "
            + Stats.f(floor.bind) + " ms (section 0), " + Stats.f2((floor.prepare + floor.bind) / plain) + "x the unconfined start by"
            + " themselves. With an early start (the preparations on a thread while the server is made): " + Stats.f2(r[3])
            + "x here, where the second core is busy with the JVM's own start."));
    targets.add(new Target("the same, tailored preparations (NETWORK, TIME_ZONES, LOGGING) (issue 17)", jdkLabel, r[1], true, 1.25, true,
        "confined " + Stats.f(r[1] * plain) + " ms: 1.25x leaves apply() " + Stats.f(tailoredBudget) + " ms; the tailored"
            + " preparations' JDK calls (security, net, timezones, logging) take " + Stats.f(floor.of("security", "net", "timezones", "logging"))
            + " ms alone and binding " + Stats.f(floor.bind) + " ms."));
    boolean aot = ChildJvm.featureVersion(javaHome) >= 25;
    md.append("### The same with ").append(aot ? "an AOT cache" : "an application class-data archive").append(" (deployment option) — ")
        .append(jdkLabel).append("\n\n");
    md.append(aot
        ? "One AOT cache, from one training run of the server that checks the jail and readies the JVM without confining and answers one request, given to all four.\n\n"
        : "One AppCDS archive, from the class list of one confined server (default policy) answering one request, given to all four.\n\n");
    double[] cds = serverRuns(List.of(aot ? "-XX:AOTCache=" + aotCache("server") : "-XX:SharedArchiveFile=" + cdsArchive("server")));
    gaps.add("| " + jdkLabel + ": HttpServer, default policy, all four runs with " + (aot ? "an AOT cache" : "AppCDS")
        + " (deployment option) | " + Stats.f2(cds[0]) + "x (tailored " + Stats.f2(cds[1]) + "x) | (for comparison) |");
  }

  /**
   * Triples of runs with these JVM options; writes the tables, returns the ratios of the medians
   * (default, tailored) and the unconfined median in ms.
   */
  private double[] serverRuns(List<String> jvmOptions) throws Exception {
    List<String> modes = List.of("confined", "tailored", "early", "plain");
    Map<String, List<Long>> times = new LinkedHashMap<>();
    modes.forEach(m -> times.put(m, new ArrayList<>()));
    for (int i = 0; i < runs; i++) {
      // Rotate which goes first, so none always gets the warmer page cache.
      for (int k = 0; k < modes.size(); k++) {
        String mode = modes.get((i + k) % modes.size());
        times.get(mode).add(firstAnswer(mode, jvmOptions));
      }
    }
    List<Long> confined = times.get("confined");
    List<Long> tailored = times.get("tailored");
    List<Long> early = times.get("early");
    List<Long> plain = times.get("plain");
    List<Double> pairRatios = new ArrayList<>();
    List<Double> tailoredRatios = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      pairRatios.add((double) confined.get(i) / plain.get(i));
      tailoredRatios.add((double) tailored.get(i) / plain.get(i));
    }
    Stats cs = Stats.ofNanosAsMillis(confined);
    Stats ts = Stats.ofNanosAsMillis(tailored);
    Stats es = Stats.ofNanosAsMillis(early);
    Stats ps = Stats.ofNanosAsMillis(plain);
    Stats rs = new Stats(pairRatios);
    Stats trs = new Stats(tailoredRatios);
    double ratio = cs.median() / ps.median();
    double tailoredRatio = ts.median() / ps.median();
    md.append("| run | default | tailored | early start | unconfined | default / unconfined | tailored / unconfined |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < runs; i++) {
      md.append("| ").append(i + 1).append(" | ").append(Stats.f(confined.get(i) / 1e6)).append(" | ")
          .append(Stats.f(tailored.get(i) / 1e6)).append(" | ").append(Stats.f(early.get(i) / 1e6)).append(" | ")
          .append(Stats.f(plain.get(i) / 1e6)).append(" | ")
          .append(Stats.f2(pairRatios.get(i))).append(" | ").append(Stats.f2(tailoredRatios.get(i))).append(" |\n");
    }
    md.append("\n| | median | min | max |\n|---|---|---|---|\n");
    md.append("| confined, default policy | ").append(cs.cells()).append(" |\n");
    md.append("| confined, tailored preparations | ").append(ts.cells()).append(" |\n");
    md.append("| confined, default policy, early start (prepareJvm() on a thread from main's start) | ").append(es.cells()).append(" |\n");
    md.append("| unconfined | ").append(ps.cells()).append(" |\n");
    md.append("| ratio per run, default | ").append(Stats.f2(rs.median())).append(" | ").append(Stats.f2(rs.min())).append(" | ")
        .append(Stats.f2(rs.max())).append(" |\n");
    md.append("| ratio per run, tailored | ").append(Stats.f2(trs.median())).append(" | ").append(Stats.f2(trs.min())).append(" | ")
        .append(Stats.f2(trs.max())).append(" |\n");
    md.append("| **ratio of medians, default** | ").append(Stats.f2(ratio)).append(" | | |\n");
    md.append("| **ratio of medians, tailored** | ").append(Stats.f2(tailoredRatio)).append(" | | |\n");
    md.append("| ratio of medians, default with an early start | ").append(Stats.f2(es.median() / ps.median())).append(" | | |\n\n");
    return new double[] {ratio, tailoredRatio, ps.median(), es.median() / ps.median()};
  }

  // ---------------------------------------------------------------- 2b. HTTP server, jail laid out

  /**
   * The minimal server with the default policy in an empty jail and in one holding the JDK's
   * lazily read files (as {@code confine-doctor init --jvm-files} lays them out), against the
   * unconfined start: alternated triples, rotating which starts first.
   */
  private void laidOut() throws Exception {
    md.append("## 2b. JDK HttpServer in a jail laid out by `init --jvm-files` — ").append(jdkLabel).append("\n\n");
    md.append("As section 2 (`ServerChild`, default policy, start to the first complete answer), in threes: unconfined, confined in an")
        .append(" empty jail, confined in a jail holding copies of the files the JVM reads lazily (`JailJvmFiles`, root's, 0444, at")
        .append(" the JDK's own path: what `confine-doctor init --jvm-files` makes; the copying is not timed). apply() skips each")
        .append(" preparation whose files the jail holds with the host's bytes (`ConfinementReport.skippedPreparations()`); the")
        .append(" skipped preparations' time is theirs in the empty-jail runs of the same set.\n\n");
    List<String> modes = List.of("plain", "empty", "laid-out");
    Map<String, List<Long>> times = new LinkedHashMap<>();
    modes.forEach(m -> times.put(m, new ArrayList<>()));
    Map<String, List<Double>> preparedEmpty = new LinkedHashMap<>();
    Map<String, List<Double>> preparedLaidOut = new LinkedHashMap<>();
    java.util.Set<String> skipped = new java.util.TreeSet<>();
    Map<String, Map<String, List<Long>>> memory = new LinkedHashMap<>();
    modes.forEach(m -> memory.put(m, new LinkedHashMap<>()));
    for (int i = 0; i < runs; i++) {
      for (int k = 0; k < modes.size(); k++) {
        String mode = modes.get((i + k) % modes.size());
        Map<String, List<Double>> prepared = mode.equals("empty") ? preparedEmpty : preparedLaidOut;
        times.get(mode).add(firstAnswer(mode.equals("plain") ? "plain" : "confined", List.of(), mode.equals("laid-out"), prepared,
            mode.equals("laid-out") ? skipped : new java.util.TreeSet<>(), true, memory.get(mode)));
      }
    }
    Stats ps = Stats.ofNanosAsMillis(times.get("plain"));
    Stats es = Stats.ofNanosAsMillis(times.get("empty"));
    Stats ls = Stats.ofNanosAsMillis(times.get("laid-out"));
    md.append("| run | unconfined | confined, empty jail | confined, laid-out jail | empty / unconfined | laid-out / unconfined |\n")
        .append("|---|---|---|---|---|---|\n");
    for (int i = 0; i < runs; i++) {
      long p = times.get("plain").get(i);
      md.append("| ").append(i + 1).append(" | ").append(Stats.f(p / 1e6)).append(" | ").append(Stats.f(times.get("empty").get(i) / 1e6))
          .append(" | ").append(Stats.f(times.get("laid-out").get(i) / 1e6)).append(" | ")
          .append(Stats.f2((double) times.get("empty").get(i) / p)).append(" | ").append(Stats.f2((double) times.get("laid-out").get(i) / p))
          .append(" |\n");
    }
    md.append("\n| | median | min | max |\n|---|---|---|---|\n");
    md.append("| unconfined | ").append(ps.cells()).append(" |\n");
    md.append("| confined, empty jail | ").append(es.cells()).append(" |\n");
    md.append("| confined, jail laid out by init --jvm-files | ").append(ls.cells()).append(" |\n");
    double emptyRatio = es.median() / ps.median();
    double laidOutRatio = ls.median() / ps.median();
    md.append("| **ratio of medians, empty jail** | ").append(Stats.f2(emptyRatio)).append(" | | |\n");
    md.append("| **ratio of medians, laid-out jail** | ").append(Stats.f2(laidOutRatio)).append(" | | |\n\n");
    md.append("Skipped in the laid-out jail: ").append(skipped.isEmpty() ? "none" : String.join(", ", skipped))
        .append(". Their time where they ran (the empty jail's runs), median | min | max:\n\n| preparation | median | min | max |\n|---|---|---|---|\n");
    double skippedSum = 0;
    for (String name : skipped) {
      List<Double> t = preparedEmpty.getOrDefault(name, List.of());
      if (!t.isEmpty()) {
        Stats st = new Stats(t);
        skippedSum += st.median();
        md.append("| ").append(name).append(" | ").append(st.cells()).append(" |\n");
      }
    }
    md.append("| **sum of the medians** | ").append(Stats.f(skippedSum)).append(" | | |\n\n");
    md.append("Still prepared in the laid-out jail (its runs), and the same preparation in the empty jail:\n\n")
        .append("| preparation | laid-out jail: median | min | max | empty jail: median |\n|---|---|---|---|---|\n");
    for (Map.Entry<String, List<Double>> e : preparedLaidOut.entrySet()) {
      List<Double> before = preparedEmpty.getOrDefault(e.getKey(), List.of());
      md.append("| ").append(e.getKey()).append(" | ").append(new Stats(e.getValue()).cells()).append(" | ")
          .append(before.isEmpty() ? "" : Stats.f(new Stats(before).median())).append(" |\n");
    }
    md.append("\n");
    serverMemory(memory);
    targets.add(new Target("JDK HttpServer, default policy, empty jail (section 2b): start to first answer, confined / unconfined (issue 28)",
        jdkLabel, emptyRatio, true, 2.0, true,
        "unconfined " + Stats.f(ps.median()) + " ms, confined " + Stats.f(es.median()) + " ms: 2.0x leaves apply() "
            + Stats.f(ps.median()) + " ms"
            + (floorsHere().prepare > 0
                ? ", but the default preparations' JDK calls alone take " + Stats.f(floorsHere().prepare) + " ms in a bare JVM and binding "
                    + Stats.f(floorsHere().bind) + " ms (section 0)"
                : " (the floors of section 0 were not measured in this run)")
            + "; the laid-out jail's row below shows what the skipped preparations give back"));
    targets.add(new Target("JDK HttpServer, default policy, jail laid out by init --jvm-files: start to first answer, confined / unconfined (issue 28)",
        jdkLabel, laidOutRatio, true, 1.5, true,
        "unconfined " + Stats.f(ps.median()) + " ms, empty jail " + Stats.f(es.median()) + " ms (" + Stats.f2(emptyRatio) + "x), laid out "
            + Stats.f(ls.median()) + " ms: the skipped preparations (" + String.join(", ", skipped) + ") took " + Stats.f(skippedSum)
            + " ms in the empty jail; securerandom, which no file stands in for, still loads the security providers before chroot,"
            + " and binding and the rest of apply() remain."));
  }

  /**
   * Section 2b's memory table: what each server keeps after its first answer (medians, MiB), and
   * what a confined one keeps that the unconfined one does not.
   */
  private void serverMemory(Map<String, Map<String, List<Long>>> memory) {
    md.append("Memory after the first answer (the same runs; MiB, median over the runs): VmRSS and VmHWM from `/proc/PID/status`, read by")
        .append(" the parent; the metaspace from the child's memory MXBeans (pool \"Metaspace\"), asked for after the answer (a plain")
        .append(" server loads java.management for that reading, a confined one has it from its MANAGEMENT preparation: both include it).\n\n");
    md.append("| after the first answer | unconfined | confined, empty jail | confined, laid-out jail | empty − unconfined | laid-out − unconfined |\n")
        .append("|---|---|---|---|---|---|\n");
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("rss", "VmRSS");
    rows.put("hwm", "VmHWM (peak RSS)");
    rows.put("metaspace-used", "Metaspace used");
    rows.put("metaspace-committed", "Metaspace committed");
    for (Map.Entry<String, String> row : rows.entrySet()) {
      double plain = medianMiB(memory.get("plain").get(row.getKey()));
      double empty = medianMiB(memory.get("empty").get(row.getKey()));
      double laidOut = medianMiB(memory.get("laid-out").get(row.getKey()));
      md.append("| ").append(row.getValue()).append(" | ").append(Stats.f(plain)).append(" | ").append(Stats.f(empty)).append(" | ")
          .append(Stats.f(laidOut)).append(" | ").append(Stats.f(empty - plain)).append(" | ").append(Stats.f(laidOut - plain)).append(" |\n");
      if (row.getKey().equals("rss") || row.getKey().equals("metaspace-used")) {
        gaps.add("| " + jdkLabel + ": " + row.getValue() + " a confined HttpServer keeps after its first answer beyond the unconfined one"
            + " (section 2b) | empty jail +" + Stats.f(empty - plain) + " MiB, laid-out jail +" + Stats.f(laidOut - plain) + " MiB (unconfined "
            + Stats.f(plain) + " MiB) | (no target yet) |");
      }
    }
    md.append("\n");
  }

  private static double medianMiB(List<Long> kb) {
    return new Stats(kb.stream().map(k -> k / 1024.0).collect(Collectors.toList())).median();
  }

  /** The values (kB) of these lines of /proc/PID/status, in the order asked. */
  private static String[] statusKb(long pid, String... keys) throws IOException {
    String[] values = new String[keys.length];
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
      for (int i = 0; i < keys.length; i++) {
        if (line.startsWith(keys[i])) {
          values[i] = line.substring(keys[i].length()).trim().split("\\s+")[0];
        }
      }
    }
    for (int i = 0; i < keys.length; i++) {
      if (values[i] == null) {
        throw new IllegalStateException("no " + keys[i] + " line in /proc/" + pid + "/status");
      }
    }
    return values;
  }

  /** Copies what JailJvmFiles lists for the children's JDK into the jail, as init --jvm-files does. */
  private void layOutJvmFiles(Path jail) throws IOException {
    for (Path file : dev.confine.JailJvmFiles.files(Path.of(javaHome), java.util.EnumSet.allOf(dev.confine.JvmFacility.class))) {
      Path copy = jail.resolve(file.toString().substring(1));
      Path dir = jail;
      for (Path name : jail.relativize(copy.getParent())) {
        dir = dir.resolve(name);
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectory(dir);
          Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
      }
      Files.write(copy, Files.readAllBytes(file), java.nio.file.StandardOpenOption.CREATE_NEW);
      Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
    }
  }

  private long firstAnswer(String mode, List<String> jvmOptions) throws Exception {
    return firstAnswer(mode, jvmOptions, false, new LinkedHashMap<>(), new java.util.TreeSet<>());
  }

  /** As section 2 times it; a laid-out jail holds the JDK's files; a confined child's preparations and skips are added to the two. */
  private long firstAnswer(String mode, List<String> jvmOptions, boolean laidOut, Map<String, List<Double>> prepared, java.util.Set<String> skipped)
      throws Exception {
    return firstAnswer(mode, jvmOptions, laidOut, prepared, skipped, false, new LinkedHashMap<>());
  }

  /**
   * As above; and with {@code measureMemory}, once the answer is in (and a confined child's report printed), the memory the
   * child keeps, added to {@code memory} by name (kB): VmRSS and VmHWM from /proc/PID/status, read
   * by the parent (the jail has no /proc), and the metaspace's use and commitment, which the child
   * reads from its memory MXBeans when asked.
   */
  private long firstAnswer(String mode, List<String> jvmOptions, boolean laidOut, Map<String, List<Double>> prepared, java.util.Set<String> skipped,
      boolean measureMemory, Map<String, List<Long>> memory) throws Exception {
    Path jail = Jails.fresh(JAIL_BASE, "server");
    if (laidOut) {
      layOutJvmFiles(jail);
    }
    try (ChildJvm child = ChildJvm.startCommand(java(jvmOptions, false, "dev.confine.bench.ServerChild", mode, jail.toString()))) {
      int port = Integer.parseInt(child.await("PORT ", TIMEOUT).substring(5).trim());
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        String status = in.readLine();
        String rest = in.lines().collect(Collectors.joining("\n"));
        long answered = System.nanoTime();
        if (status == null || !status.contains(" 200 ") || !rest.endsWith("ok")) {
          throw new IllegalStateException("bad answer from " + mode + " server: " + status + "\n" + rest + "\n" + child.output());
        }
        if (mode.equals("confined")) {
          child.await("PREPARATIONS-END", TIMEOUT);
          child.output().lines().forEach(l -> {
            String[] f = l.split(" ");
            if (f[0].equals("PREPARED") && f.length == 3) {
              prepared.computeIfAbsent(f[1], n -> new ArrayList<>()).add(Double.parseDouble(f[2]));
            } else if (f[0].equals("SKIPPED") && f.length == 2) {
              skipped.add(f[1]);
            }
          });
        }
        if (measureMemory) {
          String[] rssHwm = statusKb(child.pid(), "VmRSS:", "VmHWM:");
          child.send("memory");
          String[] metaspace = child.await("METASPACE ", TIMEOUT).substring(10).trim().split(" ");
          memory.computeIfAbsent("rss", x -> new ArrayList<>()).add(Long.parseLong(rssHwm[0]));
          memory.computeIfAbsent("hwm", x -> new ArrayList<>()).add(Long.parseLong(rssHwm[1]));
          memory.computeIfAbsent("metaspace-used", x -> new ArrayList<>()).add(Long.parseLong(metaspace[0]));
          memory.computeIfAbsent("metaspace-committed", x -> new ArrayList<>()).add(Long.parseLong(metaspace[1]));
        }
        child.closeStdin();
        child.waitFor(TIMEOUT);
        return answered - child.startedNanos();
      }
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  // ---------------------------------------------------------------- 3. syscalls vs C

  /** syscalls.c, compiled with gcc -O2 into the work directory. */
  private Path cBinary() throws Exception {
    Path binary = work.resolve("syscalls");
    Process gcc =
        new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary.toString(), required("c-source"))
            .inheritIO().start();
    if (gcc.waitFor() != 0) {
      throw new IllegalStateException("gcc failed on " + required("c-source"));
    }
    return binary;
  }

  private void syscalls() throws Exception {
    Path binary = cBinary();
    long threads = Math.round(new Stats(jvmThreads.stream().map(Long::doubleValue).collect(Collectors.toList())).median());
    List<Long> c = new ArrayList<>();
    List<Long> cSingle = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      c.add(runC(binary, threads));
      cSingle.add(runC(binary, 1));
    }
    // The calls the C program makes; the rest of the SYSCALLS phase is hardening, reported apart.
    List<Long> section = new ArrayList<>();
    List<Long> hardening = new ArrayList<>();
    for (int i = 0; i < javaSyscallsNanos.size(); i++) {
      long in = 0;
      long out = 0;
      for (Map.Entry<String, List<Long>> step : javaSteps.entrySet()) {
        if (C_CALLS.contains(step.getKey())) {
          in += step.getValue().get(i);
        } else {
          out += step.getValue().get(i);
        }
      }
      section.add(in);
      hardening.add(out);
    }
    Stats java = Stats.ofNanosAsMillis(section);
    Stats cs = Stats.ofNanosAsMillis(c);
    Stats c1 = Stats.ofNanosAsMillis(cSingle);
    double ratio = java.median() / cs.median();
    gaps.add("| syscall section vs C with as many threads | " + Stats.f2(ratio) + "x (target ≤ 3x) | " + (ratio <= 3 ? "yes" : "no") + " |");
    md.append("## 3. The syscall section against C\n\n");
    md.append("open (each component, O_NOFOLLOW) and fstat of the opened root (compared with preflight's dev and inode),")
        .append(" fchdir, chroot(\".\"), chdir(\"/\"), close, setgroups, setresgid, setresuid: the sum of these steps of confine's")
        .append(" SYSCALLS phase (`ConfinementReport.stepTimes()`, the runs of section 1) against")
        .append(" `confine-bench/src/main/c/syscalls.c` (gcc -O2), which makes the same calls with ").append(threads)
        .append(" threads alive, the median thread count of the JVMs of section 1 (counted from /proc/self/task just before")
        .append(" apply()). glibc applies set*id to every thread, so the count matters.\n\n");
    md.append("| program | median | min | max |\n|---|---|---|---|\n");
    md.append("| confine (Java): the same calls, from stepTimes() | ").append(java.cells()).append(" |\n");
    md.append("| C, ").append(threads).append(" threads | ").append(cs.cells()).append(" |\n");
    md.append("| C, 1 thread | ").append(c1.cells()).append(" |\n");
    md.append("| **ratio of medians (Java / C with ").append(threads).append(" threads)** | ").append(Stats.f2(ratio)).append(" | | |\n\n");
    md.append("### Each step of the SYSCALLS phase\n\n");
    md.append("The hardening steps (Linux) are not in the C program: opening /proc/self/task and reading the calling thread's")
        .append(" status (the fields are there; every thread's is read after the drop), emptying the bounding set (a PR_CAPBSET_READ probe")
        .append(" for the last capability, then a read and a drop per capability, and a read-back), clearing the ambient set,")
        .append(" capset with a capget read-back, no_new_privs with a read-back, and the seccomp filter with TSYNC.\n\n");
    md.append("| step | median | min | max | in the C comparison |\n|---|---|---|---|---|\n");
    javaSteps.forEach((step, t) -> md.append("| ").append(step).append(" | ").append(Stats.ofNanosAsMillis(t).cells())
        .append(" | ").append(C_CALLS.contains(step) ? "yes" : "no (hardening)").append(" |\n"));
    md.append("| **the C calls** | ").append(java.cells()).append(" | |\n");
    md.append("| **hardening steps** | ").append(Stats.ofNanosAsMillis(hardening).cells()).append(" | |\n");
    md.append("| SYSCALLS phase (all steps) | ").append(Stats.ofNanosAsMillis(javaSyscallsNanos).cells()).append(" | |\n\n");
  }

  /** The steps the C program makes too (Syscall names). */
  private static final Set<String> C_CALLS =
      Set.of("OPEN", "FCHDIR", "CHROOT", "CHDIR", "CLOSE", "SETGROUPS", "SETRESGID", "SETRESUID");

  private long runC(Path binary, long threads) throws Exception {
    Path jail = Jails.fresh(JAIL_BASE, "c");
    try (ChildJvm child = ChildJvm.startCommand(List.of(binary.toString(), jail.toString(), "65534", "65534", String.valueOf(threads)))) {
      String line = child.await("SYSCALLS_NS", TIMEOUT);
      if (child.waitFor(TIMEOUT) != 0) {
        throw new IllegalStateException("syscalls failed:\n" + child.output());
      }
      return Long.parseLong(line.split(" ")[1]);
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  // ---------------------------------------------------------------- 8. cost per thread

  /**
   * apply() in JVMs holding N extra sleeping threads (ApplyChild -Dconfine.bench.extraThreads=N),
   * N from --thread-counts, the counts taken in turn run by run so a change of load spreads over
   * all of them; after each JVM the C program with as many threads (glibc's set*id broadcast,
   * which it pays too). The cost per thread is the slope between the smallest and
   * the largest count: what each further thread adds, the fixed cost of apply() left out.
   */
  private void threads() throws Exception {
    int[] counts = ints(options.getOrDefault("thread-counts", "10,100,1000,4000"));
    int threadRuns = Integer.parseInt(options.getOrDefault("thread-runs", String.valueOf(Math.min(runs, 3))));
    Path binary = cBinary();
    Map<Integer, Map<String, List<Long>>> byCount = new LinkedHashMap<>();
    for (int n : counts) {
      byCount.put(n, new LinkedHashMap<>());
    }
    // --compare-core JAR: the same runs with that confine-core (the code before a change) too,
    // alternated with this one run by run, for the change's A/B in one load.
    String compare = options.get("compare-core");
    Map<Integer, Map<String, List<Long>>> before = new LinkedHashMap<>();
    for (int n : counts) {
      before.put(n, new LinkedHashMap<>());
    }
    for (int i = 0; i < threadRuns; i++) {
      for (int n : counts) {
        Map<String, List<Long>> row = byCount.get(n);
        if (compare != null && i % 2 == 0) {
          threadRun(n, compare, before.get(n));
        }
        threadRun(n, null, row);
        if (compare != null && i % 2 == 1) {
          threadRun(n, compare, before.get(n));
        }
        long threads = byCount.get(n).get("threads").get(i);
        row.computeIfAbsent("C", k -> new ArrayList<>()).add(runC(binary, threads));
      }
    }
    md.append("## 8. Cost per thread (").append(jdkLabel).append(")\n\n");
    md.append("`ApplyChild` (default policy, an empty jail) in a JVM holding N extra platform threads that sleep")
        .append(" (`-Dconfine.bench.extraThreads=N`), ").append(threadRuns).append(" fresh JVMs per N, the counts in turn run by run;")
        .append(" the phases of `ConfinementReport.phases()`. \"set*id\" is the SETGROUPS, SETRESGID and SETRESUID steps: glibc")
        .append(" stops every thread for each of them (SIGSETXID) and waits for its answer.")
        .append(" \"C\" is `syscalls.c` (section 3) with as many threads, run after each JVM: the same open/chroot/set*id calls, the broadcast included.")
        .append(" Load: the 1-minute load average just before each JVM (2 cores, shared). Rerun with `bash bench/run --only threads`.\n\n");
    md.append("| N extra | threads | PREFLIGHT | VERIFY | SYSCALLS | of which set*id | of which thread list | TOTAL |")
        .append(" C (set*id etc.) | load |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (int n : counts) {
      Map<String, List<Long>> row = byCount.get(n);
      md.append("| ").append(n).append(" | ").append(Math.round(median(row.get("threads"))));
      for (String p : List.of("PREFLIGHT", "VERIFY", "SYSCALLS", "setxid", "threadList", "TOTAL")) {
        md.append(" | ").append(Stats.f(median(row.get(p)) / 1e6));
      }
      md.append(" | ").append(Stats.f(median(row.get("C")) / 1e6));
      md.append(" | ").append(Stats.f2(median(row.get("load")) / 100)).append(" |\n");
    }
    int lo = counts[0];
    int hi = counts[counts.length - 1];
    double threadsApart = median(byCount.get(hi).get("threads")) - median(byCount.get(lo).get("threads"));
    double pvPerThread = (median(byCount.get(hi).get("PV")) - median(byCount.get(lo).get("PV"))) / threadsApart / 1e3;
    double preflightPerThread = (median(byCount.get(hi).get("PREFLIGHT")) - median(byCount.get(lo).get("PREFLIGHT"))) / threadsApart / 1e3;
    double verifyPerThread = (median(byCount.get(hi).get("VERIFY")) - median(byCount.get(lo).get("VERIFY"))) / threadsApart / 1e3;
    double syscallsPerThread = (median(byCount.get(hi).get("SYSCALLS")) - median(byCount.get(lo).get("SYSCALLS"))) / threadsApart / 1e3;
    double setxidPerThread = (median(byCount.get(hi).get("setxid")) - median(byCount.get(lo).get("setxid"))) / threadsApart / 1e3;
    md.append("\nPer extra thread (slope of the medians from ").append(lo).append(" to ").append(hi).append(" extra threads): PREFLIGHT ")
        .append(Stats.f(preflightPerThread)).append(" µs, VERIFY ").append(Stats.f(verifyPerThread)).append(" µs, together **")
        .append(Stats.f(pvPerThread)).append(" µs**; SYSCALLS ").append(Stats.f(syscallsPerThread)).append(" µs, of which set*id ")
        .append(Stats.f(setxidPerThread)).append(" µs");
    double cPerThread = (median(byCount.get(hi).get("C")) - median(byCount.get(lo).get("C"))) / threadsApart / 1e3;
    md.append("; the C program ").append(Stats.f(cPerThread)).append(" µs");
    md.append(".\n\n");
    if (compare != null) {
      md.append("A/B: the same runs with `").append(Path.of(compare).getFileName()).append("` (before), alternated with this")
          .append(" confine-core (after) run by run; medians, ms.\n\n");
      md.append("| N extra | PREFLIGHT before / after | VERIFY before / after | SYSCALLS before / after | thread list step before / after | TOTAL before / after | load |\n");
      md.append("|---|---|---|---|---|---|---|\n");
      for (int n : counts) {
        Map<String, List<Long>> a = before.get(n);
        Map<String, List<Long>> b = byCount.get(n);
        md.append("| ").append(n);
        for (String p : List.of("PREFLIGHT", "VERIFY", "SYSCALLS", "threadList", "TOTAL")) {
          md.append(" | ").append(Stats.f(median(a.get(p)) / 1e6)).append(" / ").append(Stats.f(median(b.get(p)) / 1e6));
        }
        md.append(" | ").append(Stats.f2(median(a.get("load")) / 100)).append(" / ").append(Stats.f2(median(b.get("load")) / 100)).append(" |\n");
      }
      double beforePv = (median(before.get(hi).get("PV")) - median(before.get(lo).get("PV"))) / threadsApart / 1e3;
      md.append("\nPREFLIGHT + VERIFY per extra thread: before ").append(Stats.f(beforePv)).append(" µs, after ")
          .append(Stats.f(pvPerThread)).append(" µs.\n\n");
    }
    // The kernel's floor for the same reads, in C, with as many threads as the largest count.
    double[] floor = threadReadsFloor(hi);
    md.append("The kernel's floor for the same reads (`threadreads.c`, gcc -O2, ").append(hi)
        .append(" extra sleeping threads, median of 3 processes, µs per thread): a status read for the first time (preflight's) ")
        .append(Stats.f(floor[1])).append(", a status read again (the verification's) ").append(Stats.f(floor[2]))
        .append(", root and cwd by statx for the first time ").append(Stats.f(floor[3])).append(", the thread listings (one first, two again) ")
        .append(Stats.f(floor[4])).append(": **").append(Stats.f(floor[0])).append(" µs** together, against PREFLIGHT + VERIFY's ")
        .append(Stats.f(pvPerThread)).append(" µs.\n\n");
    targets.add(new Target("PREFLIGHT + VERIFY per extra thread (slope " + lo + " to " + hi + " threads)", jdkLabel, pvPerThread, false, 20, true,
        "each thread's /proc status read once before the drop (preflight) and once after (verification), and its root and cwd"
            + " looked at once after: the same reads in C take " + Stats.f(floor[0]) + " µs per thread (threadreads.c, the floor;"
            + " each of the reads carries a check), " + (floor[0] > 20 ? "above the target before any Java runs" : "within the target"),
        "µs"));
    targets.add(new Target("SYSCALLS per extra thread (slope " + lo + " to " + hi + " threads) / the C program's", jdkLabel,
        syscallsPerThread / cPerThread, true, 1.25, true,
        "the C program (" + Stats.f(cPerThread) + " µs per thread) pays glibc's set*id broadcast alone; confine's set*id steps "
            + Stats.f(setxidPerThread) + " µs, the rest (" + Stats.f(syscallsPerThread - setxidPerThread)
            + " µs) the seccomp filters' TSYNC and the capability steps"));
  }

  /**
   * What the kernel takes per thread for apply()'s reads of every thread, in C (threadreads.c
   * beside the C source, with {@code extra} sleeping threads; each process forks one that makes
   * them): a status read for the first time (preflight's: each thread's /proc entries looked up
   * then), a status read again (the verification's), root and cwd by statx for the first time
   * (the verification's), and the listings (preflight's first, the verification's two again).
   * Median of 3 processes by the total: {total, first status, status again, root+cwd, listings}.
   */
  private double[] threadReadsFloor(int extra) throws Exception {
    Path source = Path.of(required("c-source")).resolveSibling("threadreads.c");
    Path binary = work.resolve("threadreads");
    Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-pthread", "-o", binary.toString(), source.toString()).inheritIO().start();
    if (gcc.waitFor() != 0) {
      throw new IllegalStateException("gcc failed on " + source);
    }
    java.util.regex.Pattern again = java.util.regex.Pattern.compile(
        "status ([0-9.]+) us/thread .*root\\+cwd statx ([0-9.]+) us/thread .*listing ([0-9.]+) us/thread");
    java.util.regex.Pattern first = java.util.regex.Pattern.compile(
        "first round: status ([0-9.]+) us/thread, root\\+cwd ([0-9.]+), listing ([0-9.]+)");
    List<double[]> runsOf = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      try (ChildJvm child = ChildJvm.startCommand(List.of(binary.toString(), String.valueOf(extra)))) {
        String steadyLine = child.await("extra ", TIMEOUT);
        String firstLine = child.await("  first round:", TIMEOUT);
        if (child.waitFor(TIMEOUT) != 0) {
          throw new IllegalStateException("threadreads failed:\n" + child.output());
        }
        java.util.regex.Matcher a = again.matcher(steadyLine);
        java.util.regex.Matcher f = first.matcher(firstLine);
        if (!a.find() || !f.find()) {
          throw new IllegalStateException("threadreads said what this does not read:\n" + child.output());
        }
        double firstStatus = Double.parseDouble(f.group(1));
        double statusAgain = Double.parseDouble(a.group(1));
        double views = Double.parseDouble(f.group(2));
        double listings = Double.parseDouble(f.group(3)) + 2 * Double.parseDouble(a.group(3));
        runsOf.add(new double[] {firstStatus + statusAgain + views + listings, firstStatus, statusAgain, views, listings});
      }
    }
    runsOf.sort((x, y) -> Double.compare(x[0], y[0]));
    return runsOf.get(1);
  }

  /** One ApplyChild with n extra threads, on this confine-core or {@code coreJar}; its figures added to {@code row}. */
  private void threadRun(int n, String coreJar, Map<String, List<Long>> row) throws Exception {
    List<String> setxid = List.of("SETGROUPS", "SETRESGID", "SETRESUID");
    row.computeIfAbsent("load", k -> new ArrayList<>()).add(Math.round(100 * Double.parseDouble(loadAverage().split(" ")[0])));
    Path jail = Jails.fresh(JAIL_BASE, "threads");
    List<String> command = java(List.of("-Dconfine.bench.extraThreads=" + n), false, "dev.confine.bench.ApplyChild", jail.toString());
    if (coreJar != null) {
      command = command.stream()
          .map(a -> a.contains("confine-core-") ? String.join(":", Arrays.stream(a.split(":"))
              .map(e -> Path.of(e).getFileName().toString().startsWith("confine-core-") ? coreJar : e).toArray(String[]::new)) : a)
          .collect(Collectors.toList());
    }
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      child.awaitLine("CONFINED", TIMEOUT);
      int status = child.waitFor(TIMEOUT);
      if (status != 0) {
        throw new IllegalStateException("ApplyChild with " + n + " extra threads exited " + status + ":\n" + child.output());
      }
      Map<String, String> f = child.tagged("BENCH");
      for (String p : List.of("PREFLIGHT", "SYSCALLS", "VERIFY", "TOTAL")) {
        row.computeIfAbsent(p, k -> new ArrayList<>()).add(Long.parseLong(f.get("phase." + p)));
      }
      row.computeIfAbsent("PV", k -> new ArrayList<>()).add(Long.parseLong(f.get("phase.PREFLIGHT")) + Long.parseLong(f.get("phase.VERIFY")));
      long broadcast = 0;
      long threadList = 0;
      for (Map.Entry<String, String> e : f.entrySet()) {
        if (e.getKey().startsWith("step.")) {
          String step = e.getKey().substring(e.getKey().indexOf('.', 5) + 1);
          if (setxid.contains(step)) {
            broadcast += Long.parseLong(e.getValue());
          } else if (step.equals("OPEN_THREAD_LIST")) {
            threadList += Long.parseLong(e.getValue());
          }
        }
      }
      row.computeIfAbsent("setxid", k -> new ArrayList<>()).add(broadcast);
      row.computeIfAbsent("threadList", k -> new ArrayList<>()).add(threadList);
      row.computeIfAbsent("threads", k -> new ArrayList<>()).add(Long.parseLong(f.get("threads")));
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  private static double median(List<Long> values) {
    return new Stats(values.stream().map(Long::doubleValue).collect(Collectors.toList())).median();
  }

  // ---------------------------------------------------------------- 4. preflight

  private void preflight() throws Exception {
    int checkRuns = Math.min(runs, 5);
    md.append("## 4. Preflight scaling: check()\n\n");
    md.append("`policy.check()` in a fresh JVM (it changes nothing), cold (the first native use in that JVM, binding")
        .append(" included) and warm (a second call). ").append(checkRuns).append(" fresh JVMs per row. Rerun this section alone with")
        .append(" `bash bench/run --only preflight`.\n\n");
    md.append("| jail files | extra open descriptors | cold median | cold min | cold max | warm median | warm min | warm max |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    int[] fileCounts = ints(options.getOrDefault("files", "1000,10000,100000"));
    int[] fdCounts = ints(options.getOrDefault("fds", "10,1000,10000"));
    Double coldAtMax = null;
    int maxFiles = Arrays.stream(fileCounts).max().orElse(0);
    for (int files : fileCounts) {
      Stats[] s = check(files, fdCounts[0], checkRuns);
      row(files, fdCounts[0], s);
      if (files == maxFiles) {
        coldAtMax = s[0].median();
      }
    }
    for (int i = 1; i < fdCounts.length; i++) {
      row(0, fdCounts[i], check(0, fdCounts[i], checkRuns));
    }
    md.append('\n');
    if (coldAtMax != null && maxFiles >= 100_000) {
      gaps.add("| check() on " + maxFiles + " files, cold median | " + Stats.f(coldAtMax) + " ms (target ≤ 1000 ms) | "
          + (coldAtMax <= 1000 ? "yes" : "no") + " |");
    }
    againstFind(fileCounts, checkRuns);
  }

  /**
   * Issue 28: check() beside its floor, find(1) listing the same tree with what the walk needs of
   * each entry ({@code find JAIL -printf '%m %U %G\n'}: one lstat per entry), in alternated runs:
   * confine's whole cold JVM (start to exit, one check()), check() alone inside it, and the walk
   * alone (check() after the fixed checks were warmed on an empty jail, less their warm cost).
   * The tree is the issue's: directories of 10 directories of 100 empty files (root, 0755/0644).
   * On each JDK of the run; on 25 also with the FFM binding forced.
   */
  private void againstFind(int[] fileCounts, int count) throws Exception {
    md.append("### check() against find\n\n");
    md.append("The floor is `find JAIL -printf '%m %U %G\\n' > /dev/null` over the same tree (directories of 10 directories of")
        .append(" 100 empty files, root-owned, 0755/0644), run alternately with confine's JVMs. **total**: a fresh JVM running one")
        .append(" `check()`, timed from its start to its exit by the parent. **check()**: the same call timed inside that JVM (no JVM")
        .append(" start). **walk**: in another fresh JVM, `check()` on an empty jail twice (the binding and the fixed checks warmed),")
        .append(" then on the tree; the walk is that call less the warm empty-jail call. ns/entry divides by the entries (files and")
        .append(" directories). Peak RSS (VmHWM) and heap in use are read in the total JVM after `check()`. ")
        .append(count).append(" runs per row, medians.\n\n");
    md.append("| JDK (binding) | files | entries | total | check() | walk | find | total / find | check() / find | walk ns/entry | find ns/entry | peak RSS MiB | heap used MiB |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    String savedHome = javaHome;
    String savedLabel = jdkLabel;
    Path empty = Jails.fresh(JAIL_BASE, "walk-empty");
    try {
      for (String home : javaHomes) {
        javaHome = home;
        int feature = ChildJvm.featureVersion(home);
        List<List<String>> bindings = feature >= 22 ? List.of(List.of(), List.of("-Dconfine.binding=ffm")) : List.of(List.of());
        for (List<String> binding : bindings) {
          jdkLabel = "Java " + feature + (binding.isEmpty() ? "" : ", FFM forced");
          for (int files : fileCounts) {
            if (!binding.isEmpty() && files != Arrays.stream(fileCounts).max().orElse(0)) {
              continue; // FFM: the largest tree only
            }
            againstFind(files, count, binding, empty);
          }
        }
      }
    } finally {
      Jails.remove(JAIL_BASE, empty);
      javaHome = savedHome;
      jdkLabel = savedLabel;
    }
    md.append('\n');
  }

  private void againstFind(int files, int count, List<String> binding, Path empty) throws Exception {
    Path jail = Jails.fresh(JAIL_BASE, "walk");
    try {
      long entries = 1;
      for (int top = 0; top * 1000 < files; top++) {
        Path a = Files.createDirectory(jail.resolve("a" + top));
        entries++;
        for (int sub = 0; sub < 10; sub++) {
          Path b = Files.createDirectory(a.resolve("b" + sub));
          entries++;
          for (int f = 0; f < 100; f++) {
            Files.createFile(b.resolve("f" + f));
            entries++;
          }
        }
      }
      List<Long> total = new ArrayList<>();
      List<Long> check = new ArrayList<>();
      List<Long> walk = new ArrayList<>();
      List<Long> find = new ArrayList<>();
      List<Double> rss = new ArrayList<>();
      List<Double> heap = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        long t0 = System.nanoTime();
        try (ChildJvm child = ChildJvm.startCommand(java(binding, false, "dev.confine.bench.WalkChild", "total", jail.toString()))) {
          child.await("DONE", TIMEOUT);
          if (child.waitFor(TIMEOUT) != 0) {
            throw new IllegalStateException("WalkChild failed:\n" + child.output());
          }
          total.add(System.nanoTime() - t0);
          Map<String, String> bench = child.tagged("BENCH");
          check.add(Long.parseLong(bench.get("check-ns")));
          heap.add(Long.parseLong(bench.get("heap-used-bytes")) / 1048576.0);
          rss.add(Long.parseLong(bench.get("vmhwm-kb")) / 1024.0);
        }
        long f0 = System.nanoTime();
        Process process = new ProcessBuilder("find", jail.toString(), "-printf", "%m %U %G\n")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        if (process.waitFor() != 0) {
          throw new IllegalStateException("find " + jail + " failed");
        }
        find.add(System.nanoTime() - f0);
        try (ChildJvm child =
            ChildJvm.startCommand(java(binding, false, "dev.confine.bench.WalkChild", "walk", jail.toString(), empty.toString()))) {
          child.await("DONE", TIMEOUT);
          if (child.waitFor(TIMEOUT) != 0) {
            throw new IllegalStateException("WalkChild failed:\n" + child.output());
          }
          Map<String, String> bench = child.tagged("BENCH");
          walk.add(Long.parseLong(bench.get("after-warmup-ns")) - Long.parseLong(bench.get("fixed-warm-ns")));
        }
      }
      Stats t = Stats.ofNanosAsMillis(total);
      Stats c = Stats.ofNanosAsMillis(check);
      Stats w = Stats.ofNanosAsMillis(walk);
      Stats f = Stats.ofNanosAsMillis(find);
      md.append("| ").append(jdkLabel).append(" | ").append(files).append(" | ").append(entries)
          .append(" | ").append(Stats.f(t.median())).append(" | ").append(Stats.f(c.median())).append(" | ").append(Stats.f(w.median()))
          .append(" | ").append(Stats.f(f.median())).append(" | ").append(Stats.f2(t.median() / f.median()))
          .append(" | ").append(Stats.f2(c.median() / f.median()))
          .append(" | ").append(Math.round(w.median() * 1e6 / entries)).append(" | ").append(Math.round(f.median() * 1e6 / entries))
          .append(" | ").append(Stats.f(new Stats(rss).median())).append(" | ").append(Stats.f(new Stats(heap).median())).append(" |\n");
      if (files == 100_000) {
        String why = "floor: find " + Stats.f(f.median()) + " ms (" + Math.round(f.median() * 1e6 / entries) + " ns/entry); confine's total "
            + Stats.f(t.median()) + " ms = JVM start, binding and the fixed checks (check() on an empty jail, warm: see walk's JVM) + the walk "
            + Stats.f(w.median()) + " ms (" + Math.round(w.median() * 1e6 / entries) + " ns/entry, its code cold)";
        targets.add(new Target("check() on " + files + " files, cold JVM total / find (issue 28)", jdkLabel, t.median() / f.median(), true, 2.0, true, why));
        targets.add(new Target("check() on " + files + " files, inside the JVM (no JVM start) / find", jdkLabel, c.median() / f.median(), true, 2.0, true,
            "check() " + Stats.f(c.median()) + " ms timed inside the JVM, cold (binding included); find " + Stats.f(f.median()) + " ms"));
        targets.add(new Target("walk of " + files + " files alone / find", jdkLabel, w.median() / f.median(), true, 2.0, true,
            "walk " + Stats.f(w.median()) + " ms after a warm-up on an empty jail (its own code cold); find " + Stats.f(f.median()) + " ms"));
      }
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  private void row(int files, int fds, Stats[] s) {
    md.append("| ").append(files).append(" | ").append(fds).append(" | ").append(s[0].cells())
        .append(" | ").append(s[1].cells()).append(" |\n");
  }

  private Stats[] check(int files, int fds, int count) throws Exception {
    Path jail = Jails.withFiles(JAIL_BASE, "check", files);
    try {
      List<Long> cold = new ArrayList<>();
      List<Long> warm = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        try (ChildJvm child = ChildJvm.startCommand(java(List.of(), false, "dev.confine.bench.CheckChild", jail.toString(), String.valueOf(fds)))) {
          child.await("DONE", TIMEOUT);
          if (child.waitFor(TIMEOUT) != 0) {
            throw new IllegalStateException("CheckChild failed:\n" + child.output());
          }
          cold.add(Long.parseLong(child.tagged("BENCH").get("check-cold-ns")));
          warm.add(Long.parseLong(child.tagged("BENCH").get("check-warm-ns")));
        }
      }
      return new Stats[] {Stats.ofNanosAsMillis(cold), Stats.ofNanosAsMillis(warm)};
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  // ---------------------------------------------------------------- 5. memory

  private void memory() throws IOException {
    Stats before = new Stats(rssBefore.stream().map(kb -> kb / 1024.0).collect(Collectors.toList()));
    Stats after = new Stats(rssAfter.stream().map(kb -> kb / 1024.0).collect(Collectors.toList()));
    List<Double> growth = new ArrayList<>();
    for (int i = 0; i < rssBefore.size(); i++) {
      growth.add((rssAfter.get(i) - rssBefore.get(i)) / 1024.0);
    }
    md.append("## 5. Memory\n\n");
    md.append("VmRSS of the ApplyChild JVMs of section 1, read from /proc/self/status just before and just after apply()")
        .append(" (the file is opened before, and read again through the open descriptor after chroot). MiB: median | min | max.\n\n");
    md.append("| | median | min | max |\n|---|---|---|---|\n");
    md.append("| VmRSS before apply() | ").append(before.cells()).append(" |\n");
    md.append("| VmRSS after apply() | ").append(after.cells()).append(" |\n");
    md.append("| growth | ").append(new Stats(growth).cells()).append(" |\n\n");
    md.append("Size on disk of confine-core's jar and its runtime dependencies (`mvn dependency:build-classpath -pl confine-core`,")
        .append(" runtime scope):\n\n| jar | KiB |\n|---|---|\n");
    long total = 0;
    List<Path> jars = new ArrayList<>();
    jars.add(Path.of(required("core-jar")));
    for (String entry : Files.readString(Path.of(required("core-classpath"))).trim().split(":")) {
      if (!entry.isEmpty()) {
        jars.add(Path.of(entry));
      }
    }
    for (Path jar : jars) {
      long size = Files.size(jar);
      total += size;
      md.append("| ").append(jar.getFileName()).append(" | ").append(size / 1024).append(" |\n");
    }
    md.append("| **total** | **").append(total / 1024).append("** |\n\n");
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The command of a child JVM: the bench jar and what a user of confine has on the class path
   * (confine-core, jffi, slf4j-api and a binding); jnr-ffi, jnr-posix and ASM only for the binding
   * comparisons that use them; never the ITs' jar, which only this parent uses for ChildJvm and
   * Jails. Every jar on the class path costs the class-path audit a look, so extra jars would
   * inflate what is measured.
   */
  private List<String> java(List<String> jvmOptions, boolean withJnr, String mainClass, String... args) throws IOException {
    List<String> classpath = new ArrayList<>();
    classpath.add(required("bench-jar"));
    try (Stream<Path> jars = Files.list(Path.of(required("lib")))) {
      jars.filter(p -> p.toString().endsWith(".jar"))
          .filter(p -> withJnr || USER_JARS.matcher(p.getFileName().toString()).lookingAt())
          .filter(p -> !p.getFileName().toString().startsWith("confine-it"))
          .sorted()
          .forEach(p -> classpath.add(p.toString()));
    }
    return ChildJvm.javaCommand(javaHome, jvmOptions, String.join(":", classpath), mainClass, args);
  }

  private static final java.util.regex.Pattern USER_JARS = java.util.regex.Pattern.compile("confine-core-|jffi-|slf4j-");

  // ---------------------------------------------------------------- 6. Spring Boot

  /**
   * A Spring Boot fat jar with the starter (src-it's boot4-servlet app): JVM start to the first 200
   * from /hello, confined (the starter's confine.* properties) against the same jar unconfined
   * (no confine.root: the starter does nothing), in alternated pairs. The starter's gate answers
   * 503 until apply() has returned, so the first 200 comes from a confined process.
   */
  private void boot() throws Exception {
    String jar = required("boot-jar");
    int pairs = Math.max(3, Math.min(runs, 7));
    List<Long> confined = new ArrayList<>();
    List<Long> plain = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      for (int k = 0; k < 2; k++) {
        boolean confine = (i + k) % 2 == 0;
        (confine ? confined : plain).add(bootFirstAnswer(jar, confine));
      }
    }
    Stats cs = Stats.ofNanosAsMillis(confined);
    Stats ps = Stats.ofNanosAsMillis(plain);
    double ratio = cs.median() / ps.median();
    md.append("## 6. Spring Boot with the starter: JVM start to first answer — ").append(jdkLabel).append("\n\n");
    md.append("`java -jar app.jar` (Spring Boot 4, Tomcat; src-it/apps/boot4-servlet) with `--confine.root=JAIL --confine.user=65534")
        .append(" --confine.group=65534`, against the same jar without them; ").append(pairs)
        .append(" alternated pairs; time from process start to the first 200 from `/hello` (polled every 5 ms).\n\n");
    md.append("| | median | min | max |\n|---|---|---|---|\n");
    md.append("| confined | ").append(cs.cells()).append(" |\n");
    md.append("| unconfined | ").append(ps.cells()).append(" |\n");
    md.append("| **ratio of medians** | ").append(Stats.f2(ratio)).append(" | | |\n\n");
    targets.add(new Target("Spring Boot fat jar with the starter: first answer, confined / unconfined (issue 17)", jdkLabel, ratio, true, 1.05, true,
        "the starter checks the jail and readies the JVM while Boot starts, and confines once Tomcat listens: apply() then"
            + " has little cold work left, and Boot's own start (" + Stats.f(ps.median()) + " ms) dominates."));
  }

  private long bootFirstAnswer(String jar, boolean confine) throws Exception {
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path jail = Jails.fresh(JAIL_BASE, "boot");
    List<String> command = new ArrayList<>(ChildJvm.javaCommand(javaHome, List.of(), jar, null));
    // javaCommand ends with "-cp JAR": run the fat jar instead.
    command.subList(command.indexOf("-cp"), command.size()).clear();
    command.addAll(List.of("-jar", jar, "--server.port=" + port, "--server.address=127.0.0.1"));
    if (confine) {
      command.addAll(List.of("--confine.root=" + jail, "--confine.user=65534", "--confine.group=65534"));
    }
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        if (httpStatus(port, "/hello") == 200) {
          return System.nanoTime() - child.startedNanos();
        }
        if (!ProcessHandle.of(child.pid()).map(ProcessHandle::isAlive).orElse(false)) {
          throw new IllegalStateException("the Boot app ended before answering:\n" + child.output());
        }
        Thread.sleep(5);
      }
      throw new IllegalStateException("no 200 from the Boot app within " + TIMEOUT + ":\n" + child.output());
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  /** The status of GET path on loopback, or -1 if nothing answers yet. */
  private static int httpStatus(int port, String path) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return status == null ? -1 : Integer.parseInt(status.split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  // ---------------------------------------------------------------- 7. steady state

  /**
   * Two servers under wrk, confined against --no-confine, in alternated pairs; each server gets a
   * 3 s warm-up run, then a 5 s measured run (wrk -t1 -c4, loopback) during which the server's CPU
   * time is read from /proc/PID/stat: the Jetty example (HTTPS, keep-alive connections) and the
   * HttpServer example (HTTP, a new connection per request: the case where a gap was reported).
   */
  private void steady() throws Exception {
    String jar = required("examples-jar");
    int pairs = Math.max(3, Math.min(runs, 8));
    md.append("## 7. Steady state under wrk — ").append(jdkLabel).append("\n\n");
    md.append("Each example confined (the default policy) against the same example with `--no-confine` (the same server as")
        .append(" root, unconfined; its page lists the jail directory, so each request does the same work), ").append(pairs)
        .append(" alternated pairs; each server: `wrk -t1 -c4 -d3s` to warm up, then a measured `wrk -t1 -c4 -d5s` (loopback)")
        .append(" during which the server's CPU time (utime + stime of every thread, /proc/PID/stat) is read. Requests per")
        .append(" second, and the server's CPU microseconds per request.\n\n");
    targets.add(steadyPairs(jar, "dev.confine.examples.JettyExample", "Jetty example (HTTPS, keep-alive connections)", pairs, List.of(),
        "steady state: Jetty example under wrk, requests/s confined / unconfined (issue 17)"));
    targets.add(steadyPairs(jar, "dev.confine.examples.HttpServerExample",
        "HttpServer example (HTTP, `Connection: close`: a new connection per request)", pairs, List.of("-H", "Connection: close"),
        "steady state: HttpServer example, a new connection per request, requests/s confined / unconfined (issue 17)"));
  }

  /** Alternated pairs of one example under wrk; writes the table, returns the target (ratio of the medians, at least 0.98). */
  private Target steadyPairs(String jar, String mainClass, String title, int pairs, List<String> wrkOptions, String figure) throws Exception {
    List<Double> confined = new ArrayList<>();
    List<Double> plain = new ArrayList<>();
    List<Double> confinedCpu = new ArrayList<>();
    List<Double> plainCpu = new ArrayList<>();
    List<Double> pairRatios = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      double[][] pair = new double[2][];
      for (int k = 0; k < 2; k++) {
        boolean confine = (i + k) % 2 == 0;
        pair[confine ? 0 : 1] = underWrk(jar, mainClass, confine, wrkOptions);
      }
      confined.add(pair[0][0]);
      plain.add(pair[1][0]);
      confinedCpu.add(pair[0][1]);
      plainCpu.add(pair[1][1]);
      pairRatios.add(pair[0][0] / pair[1][0]);
    }
    Stats cs = new Stats(confined);
    Stats ps = new Stats(plain);
    Stats rs = new Stats(pairRatios);
    Stats ccpu = new Stats(confinedCpu);
    Stats pcpu = new Stats(plainCpu);
    double ratio = cs.median() / ps.median();
    md.append("### ").append(title).append("\n\n");
    md.append("| | median | min | max |\n|---|---|---|---|\n");
    md.append("| confined, requests/s | ").append(cs.cells()).append(" |\n");
    md.append("| unconfined, requests/s | ").append(ps.cells()).append(" |\n");
    md.append("| confined, server CPU µs per request | ").append(ccpu.cells()).append(" |\n");
    md.append("| unconfined, server CPU µs per request | ").append(pcpu.cells()).append(" |\n");
    md.append("| ratio per pair (requests/s) | ").append(Stats.f2(rs.median())).append(" | ").append(Stats.f2(rs.min())).append(" | ")
        .append(Stats.f2(rs.max())).append(" |\n");
    md.append("| **ratio of medians** | ").append(Stats.f2(ratio)).append(" | | |\n\n");
    String why = "pair ratios ranged " + Stats.f2(rs.min()) + "–" + Stats.f2(rs.max()) + " on 2 shared cores; the server's CPU per"
        + " request, confined " + Stats.f(ccpu.median()) + " µs against " + Stats.f(pcpu.median()) + " µs unconfined (medians): a"
        + " confined request makes the same calls, each through the allow-all seccomp filter (about 11 ns per call: \"The seccomp"
        + " filter, per system call\" below).";
    return new Target(figure, jdkLabel, ratio, true, 0.98, false, why);
  }

  /** {requests per second, server CPU µs per request} of one server's measured wrk run. */
  private double[] underWrk(String jar, String mainClass, boolean confine, List<String> wrkOptions) throws Exception {
    Path jail = Jails.fresh(JAIL_BASE, "steady");
    List<String> args = new ArrayList<>(List.of("--port", "0", "--root", jail.toString()));
    if (!confine) {
      args.add("--no-confine");
    }
    List<String> command = ChildJvm.javaCommand(javaHome, List.of(), jar, mainClass, args.toArray(new String[0]));
    try (ChildJvm child = ChildJvm.startCommand(command)) {
      String line = child.await("LISTENING ", TIMEOUT);
      String url = line.substring("LISTENING ".length()).trim().split(" ")[0];
      wrk(url, 3, wrkOptions);
      long cpuBefore = cpuTicks(child.pid());
      double[] result = wrk(url, 5, wrkOptions);
      long cpuAfter = cpuTicks(child.pid());
      // USER_HZ is 100 on Linux: a tick is 10 ms.
      double cpuMicros = (cpuAfter - cpuBefore) * 10_000.0;
      return new double[] {result[0], cpuMicros / result[1]};
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  /** utime + stime of the whole process (every thread), in clock ticks, from /proc/PID/stat. */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // After the command's closing parenthesis: state is field 3, utime 14 and stime 15 (proc(5)).
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** {requests per second, requests} of one wrk run (one thread, four connections). */
  private static double[] wrk(String url, int seconds, List<String> options) throws Exception {
    List<String> command = new ArrayList<>(List.of("wrk", "-t1", "-c4", "-d" + seconds + "s"));
    command.addAll(options);
    command.add(url);
    Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!wrk.waitFor(seconds + 30L, java.util.concurrent.TimeUnit.SECONDS) || wrk.exitValue() != 0) {
      wrk.destroyForcibly();
      throw new IllegalStateException("wrk failed against " + url + ":\n" + out);
    }
    double rps = -1;
    double requests = -1;
    for (String l : out.split("\n")) {
      String t = l.trim();
      if (t.startsWith("Requests/sec:")) {
        rps = Double.parseDouble(t.substring("Requests/sec:".length()).trim());
      } else if (t.contains(" requests in ")) {
        requests = Double.parseDouble(t.substring(0, t.indexOf(' ')));
      }
    }
    if (rps < 0 || requests <= 0) {
      throw new IllegalStateException("no Requests/sec or request count in wrk's output:\n" + out);
    }
    return new double[] {rps, requests};
  }

  private static String jdk(String javaHome) throws IOException {
    String version = "?";
    String vendor = "";
    for (String line : Files.readAllLines(Path.of(javaHome, "release"))) {
      if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
        version = line.substring(21).replace("\"", "");
      } else if (line.startsWith("IMPLEMENTOR=")) {
        vendor = line.substring(12).replace("\"", "") + " ";
      }
    }
    return vendor + version + " (" + javaHome + ")";
  }

  /** The 1, 5 and 15 minute load averages. */
  private static String loadAverage() throws IOException {
    String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
    return fields[0] + " " + fields[1] + " " + fields[2];
  }

  private static String cpuModel() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return "unknown";
  }

  private static boolean isRoot() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Uid:")) {
        return line.split("\\s+")[2].equals("0");
      }
    }
    return false;
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
  }
}
