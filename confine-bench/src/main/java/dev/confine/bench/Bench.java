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
 *       [--runs 10] [--only bind,apply,server,syscalls,preflight,memory]
 *       [--files 1000,10000,100000] [--fds 10,1000,10000] [--java-home DIR]
 * </pre>
 */
public final class Bench {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  /** Where the bench's jails live: a root-owned 0755 base of its own (src-it's Jails makes and checks them). */
  static final Path JAIL_BASE = Path.of(System.getProperty("confine.bench.jailBase", "/run/confine-bench"));
  static final String HISTORY_MARKER = "<!-- history: kept by bench/run -->";
  private static final List<String> SECTIONS = List.of("bind", "apply", "server", "syscalls", "preflight", "memory");
  private static final List<String> PHASES =
      List.of("BIND_NATIVE", "RESOLVE_IDENTITY", "PREFLIGHT", "PREPARE_JVM", "SYSCALLS", "VERIFY", "TOTAL");

  private final Map<String, String> options;
  private final int runs;
  private final Set<String> only;
  private final Path work;
  private final String javaHome;
  private final StringBuilder md = new StringBuilder();
  private final List<String> gaps = new ArrayList<>();

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
    this.javaHome = options.getOrDefault("java-home", System.getProperty("java.home"));
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
    if (only.contains("bind")) {
      bind();
    }
    if (only.contains("apply") || only.contains("syscalls") || only.contains("memory")) {
      apply();
    }
    if (only.contains("server")) {
      server();
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
    head.append("- JDK (children): ").append(jdk()).append('\n');
    head.append("- load average before / after: ").append(loadBefore).append(" / ").append(loadAfter)
        .append(" (a shared machine: other builds may have run meanwhile)\n");
    head.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append("\n\n");
    head.append("## Targets\n\n");
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
        try (ChildJvm child = ChildJvm.startCommand(java(jvmOptions, mode.equals("jnr-posix"), "dev.confine.bench.BindChild", mode))) {
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
    ApplyRuns r = new ApplyRuns();
    for (int i = 0; i < runs; i++) {
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

  private void apply() throws Exception {
    ApplyRuns r = applyRuns(List.of());
    jvmThreads.addAll(r.threads);
    javaSyscallsNanos.addAll(r.phases.get("SYSCALLS"));
    javaSteps.putAll(r.steps);
    rssBefore.addAll(r.rssBefore);
    rssAfter.addAll(r.rssAfter);
    if (!only.contains("apply")) {
      return;
    }
    Stats over = Stats.ofNanosAsMillis(r.overhead);
    gaps.add("| apply() overhead (TOTAL − PREPARE_JVM), cold median | " + Stats.f(over.median()) + " ms (target ≤ 30 ms) | "
        + (over.median() <= 30 ? "yes" : "no") + " |");
    md.append("## 1. apply(), cold, in a fresh JVM\n\n");
    md.append("Default policy (`root(jail).user(\"nobody\")`), one `apply()` per fresh JVM, phases from `ConfinementReport.phases()`.\n\n");
    phaseTable(r);
    md.append("### JVM start to \"confined\" vs a bare JVM\n\n");
    md.append("From process start (in the parent) to the child's line on stdout.\n\n");
    startTable(r);

    ApplyRuns cds = applyRuns(List.of("-XX:SharedArchiveFile=" + cdsArchive("apply")));
    Stats cdsOver = Stats.ofNanosAsMillis(cds.overhead);
    gaps.add("| — the same with an application class-data archive (AppCDS, a deployment option) | " + Stats.f(cdsOver.median())
        + " ms | " + (cdsOver.median() <= 30 ? "yes" : "no") + " |");
    md.append("### The same with an application class-data archive (deployment option)\n\n");
    md.append("Most of a cold apply() is class loading (confine, jffi, jnr-constants). A static AppCDS archive, made by the bench")
        .append(" from the class list of one confined run (`-XX:DumpLoadedClassList`, then `java -Xshare:dump")
        .append(" -XX:SharedClassListFile=... -XX:SharedArchiveFile=...`), is given to every JVM of this table, the hello-world ones")
        .append(" included: `-XX:SharedArchiveFile=...`.\n\n");
    phaseTable(cds);
    startTable(cds);
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
    md.append("## 2. JDK HttpServer: JVM start to first answered request\n\n");
    md.append("The child binds 127.0.0.1 (ephemeral port), confines (or not), starts the server and prints the port; the")
        .append(" parent then sends `GET /`. Time from process start to the complete 200 answer; runs in triples (default")
        .append(" policy, tailored, unconfined), rotating which starts first. **default**: `root(jail).user(\"nobody\")`, whose")
        .append(" JVM preparations are the network-server set (security, securerandom, net, zip, timezones, logging, tls,")
        .append(" management). **tailored**: the same policy with `prepare(JvmFacility.NETWORK, JvmFacility.TIME_ZONES,")
        .append(" JvmFacility.LOGGING)`, what this server uses (no TLS, no management); SECURITY comes with them.\n\n");
    double[] ratios = serverRuns(List.of());
    gaps.add("| confined HttpServer (default policy): start to first answer vs unconfined | " + Stats.f2(ratios[0]) + "x (target ≤ 1.2x) | "
        + (ratios[0] <= 1.2 ? "yes" : "no") + " |");
    gaps.add("| — the same, preparing only what the server needs (NETWORK, TIME_ZONES, LOGGING) | " + Stats.f2(ratios[1]) + "x | "
        + (ratios[1] <= 1.2 ? "yes" : "no") + " |");
    md.append("### The same with an application class-data archive (deployment option)\n\n");
    md.append("One AppCDS archive, from the class list of one confined server (default policy) answering one request, given to all three.\n\n");
    double[] cds = serverRuns(List.of("-XX:SharedArchiveFile=" + cdsArchive("server")));
    gaps.add("| — default policy, all with an AppCDS archive | " + Stats.f2(cds[0]) + "x | " + (cds[0] <= 1.2 ? "yes" : "no") + " |");
    gaps.add("| — tailored, all with an AppCDS archive | " + Stats.f2(cds[1]) + "x | " + (cds[1] <= 1.2 ? "yes" : "no") + " |");
  }

  /** Triples of runs with these JVM options; writes the tables, returns the ratios of the medians (default, tailored). */
  private double[] serverRuns(List<String> jvmOptions) throws Exception {
    List<String> modes = List.of("confined", "tailored", "plain");
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
    List<Long> plain = times.get("plain");
    List<Double> pairRatios = new ArrayList<>();
    List<Double> tailoredRatios = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      pairRatios.add((double) confined.get(i) / plain.get(i));
      tailoredRatios.add((double) tailored.get(i) / plain.get(i));
    }
    Stats cs = Stats.ofNanosAsMillis(confined);
    Stats ts = Stats.ofNanosAsMillis(tailored);
    Stats ps = Stats.ofNanosAsMillis(plain);
    Stats rs = new Stats(pairRatios);
    Stats trs = new Stats(tailoredRatios);
    double ratio = cs.median() / ps.median();
    double tailoredRatio = ts.median() / ps.median();
    md.append("| run | default | tailored | unconfined | default / unconfined | tailored / unconfined |\n|---|---|---|---|---|---|\n");
    for (int i = 0; i < runs; i++) {
      md.append("| ").append(i + 1).append(" | ").append(Stats.f(confined.get(i) / 1e6)).append(" | ")
          .append(Stats.f(tailored.get(i) / 1e6)).append(" | ").append(Stats.f(plain.get(i) / 1e6)).append(" | ")
          .append(Stats.f2(pairRatios.get(i))).append(" | ").append(Stats.f2(tailoredRatios.get(i))).append(" |\n");
    }
    md.append("\n| | median | min | max |\n|---|---|---|---|\n");
    md.append("| confined, default policy | ").append(cs.cells()).append(" |\n");
    md.append("| confined, tailored preparations | ").append(ts.cells()).append(" |\n");
    md.append("| unconfined | ").append(ps.cells()).append(" |\n");
    md.append("| ratio per run, default | ").append(Stats.f2(rs.median())).append(" | ").append(Stats.f2(rs.min())).append(" | ")
        .append(Stats.f2(rs.max())).append(" |\n");
    md.append("| ratio per run, tailored | ").append(Stats.f2(trs.median())).append(" | ").append(Stats.f2(trs.min())).append(" | ")
        .append(Stats.f2(trs.max())).append(" |\n");
    md.append("| **ratio of medians, default** | ").append(Stats.f2(ratio)).append(" | | |\n");
    md.append("| **ratio of medians, tailored** | ").append(Stats.f2(tailoredRatio)).append(" | | |\n\n");
    return new double[] {ratio, tailoredRatio};
  }

  private long firstAnswer(String mode, List<String> jvmOptions) throws Exception {
    Path jail = Jails.fresh(JAIL_BASE, "server");
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
        child.closeStdin();
        child.waitFor(TIMEOUT);
        return answered - child.startedNanos();
      }
    } finally {
      Jails.remove(JAIL_BASE, jail);
    }
  }

  // ---------------------------------------------------------------- 3. syscalls vs C

  private void syscalls() throws Exception {
    Path binary = work.resolve("syscalls");
    Process gcc =
        new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary.toString(), required("c-source"))
            .inheritIO().start();
    if (gcc.waitFor() != 0) {
      throw new IllegalStateException("gcc failed on " + required("c-source"));
    }
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
    md.append("The hardening steps (Linux) are not in the C program: opening /proc/self/task and reading every thread's status")
        .append(" once (for the per-thread verification after the drop), emptying the bounding set (a PR_CAPBSET_READ probe")
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
   * The command of a child JVM: the bench jar and confine's runtime jars (jnr-posix only if
   * asked; never the ITs' jar, which only this parent uses for ChildJvm and Jails).
   */
  private List<String> java(List<String> jvmOptions, boolean withJnrPosix, String mainClass, String... args) throws IOException {
    List<String> classpath = new ArrayList<>();
    classpath.add(required("bench-jar"));
    try (Stream<Path> jars = Files.list(Path.of(required("lib")))) {
      jars.filter(p -> p.toString().endsWith(".jar"))
          .filter(p -> withJnrPosix || !p.getFileName().toString().startsWith("jnr-posix"))
          .filter(p -> !p.getFileName().toString().startsWith("confine-it"))
          .sorted()
          .forEach(p -> classpath.add(p.toString()));
    }
    return ChildJvm.javaCommand(javaHome, jvmOptions, String.join(":", classpath), mainClass, args);
  }

  private String jdk() throws IOException {
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
