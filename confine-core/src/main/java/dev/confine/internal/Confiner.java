package dev.confine.internal;

import static java.util.Objects.requireNonNull;

import dev.confine.ConfinementException;
import dev.confine.ConfinementReport;
import dev.confine.ContainerView;
import dev.confine.FailureMode;
import dev.confine.Finding;
import dev.confine.Phase;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.Step;
import dev.confine.Syslog;
import dev.confine.internal.jvm.ClasspathAudit;
import dev.confine.internal.jvm.JvmFigures;
import dev.confine.internal.jvm.JvmPreparation;
import dev.confine.internal.jvm.JvmPreparations;
import dev.confine.internal.preflight.Preflight;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * apply() and check(), against a kernel. apply(): bind, resolve the identity (and systemd's
 * notify socket), ready the JVM (preparations and the caller's hooks: before preflight, so that
 * preflight sees what they did), preflight (refuse on ERROR), look at the descriptors again, run
 * the sequence, verify, tell systemd, report. Everything before the point of no return (the first
 * irreversible step that succeeds) fails safely; from there on, a failure halts the process (or
 * throws, if the policy says so).
 */
public final class Confiner {
  /**
   * SLF4J, started at apply()'s first line, not when this class loads: check() logs nothing.
   * Finding its binding on the class path takes 35 to 45 ms in a fresh JVM; check() gains about 10
   * ms of it, the rest being JVM start-up work the native binding then does (issue 28). apply()
   * must start it before chroot, where the class path's jars can no longer be opened by path.
   */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger("dev.confine");

    static void start() {
      // The class's initialisation is the work.
    }
  }

  /** HotSpot's container cache (OSCONTAINER_CACHE_TIMEOUT, 20 ms), and a millisecond more. */
  private static final long CONTAINER_CACHE_NANOS = 21_000_000L;

  private static final class SystemHolder {
    static final Confiner INSTANCE =
        new Confiner(
            NativeKernel::get, ApplyGuard.PROCESS, Terminator.SYSTEM, NanoClock.SYSTEM, new SystemPreparer(), System.err,
            summary -> Log.LOG.info("{}", summary));
  }

  /** Readies the JVM before chroot; returns the time of each preparation by name. */
  @FunctionalInterface
  public interface JvmPreparer {
    Map<String, Duration> prepare(PolicyView policy, NanoClock clock);

    /**
     * The preparations the jail makes unnecessary (it holds the files they would read), by name,
     * each with the reason; the default skips none.
     */
    default dev.confine.internal.jvm.PreparationSkips.Result skips(PolicyView policy) {
      return new dev.confine.internal.jvm.PreparationSkips.Result(Map.of(), Map.of());
    }

    /** {@link #prepare(PolicyView, NanoClock)} without the preparations named; the default ignores the names. */
    default Map<String, Duration> prepare(PolicyView policy, NanoClock clock, java.util.Set<String> skipped) {
      return prepare(policy, clock);
    }

    /**
     * Starts apply()'s warm-up (see {@link Warmup}) and returns its thread, or null if none was
     * started; apply() joins it before preflight lists the threads.
     */
    default Thread warmUp(PolicyView policy) {
      return Warmup.start(policy);
    }

    /** What preflight reports about this JVM (its class path) under this policy. */
    default List<Finding> findings(PolicyView policy) {
      return List.of();
    }

    /** The JVM's input arguments, for preflight to see a flag such as -XX:ActiveProcessorCount; asked only if needed. */
    default List<String> inputArguments() {
      return List.of();
    }

    /**
     * The JVM's processor count and total memory now: read right before chroot and once confined,
     * for the report's containerView(). The default reads this JVM, whose view does not change
     * where nothing chroots it (the simulation).
     */
    default JvmFigures figures(PolicyView policy) {
      return JvmFigures.read(policy.jvmFacilities().contains(dev.confine.JvmFacility.MANAGEMENT));
    }
  }

  /** The real one: this JVM's class path, and the preparations the policy asks for. */
  private static final class SystemPreparer implements JvmPreparer {
    @Override
    public Map<String, Duration> prepare(PolicyView policy, NanoClock clock) {
      return runPreparations(policy, clock, java.util.Set.of());
    }

    @Override
    public dev.confine.internal.jvm.PreparationSkips.Result skips(PolicyView policy) {
      return dev.confine.internal.jvm.PreparationSkips.of(policy.root(), policy.jvmFacilities());
    }

    @Override
    public Map<String, Duration> prepare(PolicyView policy, NanoClock clock, java.util.Set<String> skipped) {
      return runPreparations(policy, clock, skipped);
    }

    @Override
    public List<Finding> findings(PolicyView policy) {
      return ClasspathAudit.inspect(NativeKernel.get()).findings(policy.opensAllJars(), policy.preloadsDirectoryClasses());
    }

    @Override
    public List<String> inputArguments() {
      // java.management (required by the module) on every Java: the options as the JVM took them,
      // JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS and @argfiles included, which /proc/self/cmdline lacks.
      return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
    }
  }

  private final Supplier<? extends Kernel> kernel;
  private final ApplyGuard guard;
  private final Terminator terminator;
  private final NanoClock clock;
  private final JvmPreparer preparer;
  private final PrintStream stderr;
  private final java.util.function.Consumer<String> announce;

  /**
   * {@code announce} receives the report's summary once the process is confined: the real
   * confiner logs it (SLF4J, INFO); the test kit's keeps it out of a daemon's test logs, where
   * nothing was confined.
   */
  public Confiner(
      Supplier<? extends Kernel> kernel,
      ApplyGuard guard,
      Terminator terminator,
      NanoClock clock,
      JvmPreparer preparer,
      PrintStream stderr,
      java.util.function.Consumer<String> announce) {
    this.kernel = requireNonNull(kernel, "kernel");
    this.guard = requireNonNull(guard, "guard");
    this.terminator = requireNonNull(terminator, "terminator");
    this.clock = requireNonNull(clock, "clock");
    this.preparer = requireNonNull(preparer, "preparer");
    this.stderr = requireNonNull(stderr, "stderr");
    this.announce = requireNonNull(announce, "announce");
  }

  /** The confiner of this process: the native kernel, the process-wide guard, Runtime.halt. */
  public static Confiner system() {
    return SystemHolder.INSTANCE;
  }

  public dev.confine.Credentials credentials() {
    Kernel k = bind();
    try {
      Kernel.Ids u = k.getresuid();
      Kernel.Ids g = k.getresgid();
      return new dev.confine.Credentials(
          List.of(u.real, u.effective, u.saved), List.of(g.real, g.effective, g.saved), k.getgroups());
    } catch (ErrnoException e) {
      throw e.toSyscallException("", false);
    }
  }

  public PreflightReport check(PolicyView policy) {
    requireNonNull(policy, "policy");
    Kernel k = bind();
    List<Finding> earlier = new ArrayList<>(preparer.findings(policy));
    Optional<Identity> identity = Optional.empty();
    try {
      identity = Optional.of(Identity.resolve(policy, k));
    } catch (ConfinementException e) {
      earlier.add(new Finding(Severity.ERROR, "unknown-identity", e.getMessage(),
          "apply() cannot drop to an identity it cannot resolve.", "Fix the user or give group(gid)."));
    }
    try {
      Optional<NotifyEnvironment> notify = NotifyEnvironment.read(policy, k);
      if (notify.isPresent() && identity.isPresent()) {
        notify.get().checkReachableBy(identity.get(), k);
      }
    } catch (ConfinementException e) {
      earlier.add(new Finding(Severity.ERROR, "notify-socket", e.getMessage(),
          "apply() connects to systemd's NOTIFY_SOCKET before chroot and refuses a value it cannot use.",
          "Unset it, or call noServiceNotification()."));
    }
    try {
      return Preflight.run(policy, identity, k, earlier, new InputArguments(preparer)).report;
    } catch (ErrnoException e) {
      throw preflightFailure(e);
    }
  }

  public ConfinementReport apply(PolicyView policy) {
    requireNonNull(policy, "policy");
    Log.start();
    guard.enter();
    // Nothing between enter() and try: a StackOverflowError there would leave the guard RUNNING.
    Progress progress = null;
    ConfinementReport report = null;
    Throwable failure = null;
    try {
      progress = new Progress(policy);
      report = confine(policy, progress);
      return report;
    } catch (RuntimeException | Error e) {
      failure = e;
      // Only before the point of no return: past it nothing here allocates before the halt.
      if (progress != null && progress.warmup != null && !(progress.sequence != null && progress.sequence.irreversibleAttempted)
          && Warmup.join(progress.warmup)) {
        // A class whose initializer failed on the warm-up thread reaches this thread as a bare
        // NoClassDefFoundError on Java 17: the warm-up's own failure says why.
        Optional<Throwable> warmupFailure = Warmup.failure(progress.warmup);
        if (warmupFailure.isPresent() && warmupFailure.get() != e) {
          e.addSuppressed(warmupFailure.get());
        }
      }
      throw e;
    } finally {
      if (progress != null && progress.warmup != null) {
        Warmup.join(progress.warmup); // ended already, unless apply() failed before preflight
      }
      if (report != null) {
        guard.confined();
      } else if (progress != null && progress.sequence != null && progress.sequence.irreversibleAttempted) {
        guard.broken();
        // Whatever ended the sequence (an Error such as OutOfMemoryError or StackOverflowError
        // included), the process may hold root in a half-made jail: halt, unless the failure
        // was already handled (halted, or thrown as FailureMode.THROW asks).
        if (!progress.failureHandled && policy.failureMode() == FailureMode.HALT) {
          haltNow(progress, failure);
        }
      } else {
        guard.abandon();
      }
      // Confined, or refused as it was: the handlers back, and a signal held meanwhile raised, so
      // that the hooks run now. Past the point of no return without a report, they stay held: the
      // process halts (HALT), or its caller must halt it (THROW).
      boolean brokenPastNoReturn = report == null && progress != null && progress.sequence != null && progress.sequence.irreversibleAttempted;
      if (progress != null && progress.signals != null) {
        progress.signals.endWatch();
        if (!brokenPastNoReturn) {
          progress.signals.release();
        }
      }
    }
  }

  /**
   * What apply() has done so far. The halt message is encoded before anything irreversible, so
   * that the path that ends the process past the point of no return allocates nothing.
   */
  private static final class Progress {
    final byte[] haltMessage;
    boolean failureHandled;
    Kernel kernel;
    /** The sequence, once it has begun: where the point of no return lies, what it holds open. */
    Sequence.Executor sequence;
    /** The drop was verified: what fails now fails in a confined process. */
    boolean verified;
    /** The termination signals, held from before the sequence; null before. */
    SignalHold signals;
    /** The warm-up thread (Warmup), joined before preflight, or by apply() if it fails earlier; null before. */
    Thread warmup;

    Progress(PolicyView policy) {
      this.haltMessage =
          ("confine: confinement of " + policy.root() + " failed after chroot; halting with status " + FailureMode.HALT_STATUS
                  + " (the process may still hold root and must not go on)\n")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /**
   * Ends the process with the message prepared before chroot, allocating nothing on the way; then,
   * best effort, what failed (which may allocate, and may fail: the halt comes either way).
   */
  private void haltNow(Progress progress, Throwable failure) {
    progress.failureHandled = true;
    try {
      stderr.write(progress.haltMessage, 0, progress.haltMessage.length);
      stderr.flush();
    } catch (Throwable ignored) {
      // Nothing may stand between this failure and the halt.
    }
    try {
      if (failure != null) {
        stderr.println("confine: the failure: " + failure);
        stderr.flush();
      }
    } catch (Throwable ignored) {
      // The halt comes first.
    }
    terminator.halt(FailureMode.HALT_STATUS);
  }

  /**
   * The phases of apply(), each timed, each a method below. Everything up to the sequence fails
   * safely (the process is as it was); the sequence crosses the point of no return; from there on
   * a failure goes through {@link #failClosedOn}.
   */
  private ConfinementReport confine(PolicyView policy, Progress progress) {
    PhaseTimes time = new PhaseTimes(clock);
    ReportParts report = new ReportParts().root(policy.root());
    // Timed inline, not through a lambda per phase: each lambda spins a class on this cold path.
    long t = clock.nanoTime();
    // What the phases after this one load and link, done meanwhile on a thread of its own, joined
    // before preflight lists the threads (Warmup).
    progress.warmup = preparer.warmUp(policy);
    Kernel k = bind();
    time.add(Phase.BIND_NATIVE, t);
    progress.kernel = k;
    t = clock.nanoTime();
    Resolved resolved = resolve(policy, k);
    time.add(Phase.RESOLVE_IDENTITY, t);
    report.identity(resolved.identity);
    // Before preflight, so that preflight sees what they did: a hook may open a directory, or
    // chown, chmod or mknod in the jail.
    t = clock.nanoTime();
    dev.confine.internal.jvm.PreparationSkips.Result skips = preparer.skips(policy);
    time.add(Phase.PREPARE_JVM, t);
    report.skippedPreparations(skips.skipped()).keptPreparations(skips.kept());
    t = clock.nanoTime();
    Map<String, Duration> preparations = preparer.prepare(policy, clock, skips.skipped().keySet());
    time.add(Phase.PREPARE_JVM, t);
    report.preparations(preparations);
    t = clock.nanoTime();
    // The warm-up has ended before preflight lists the threads; its wait, if any, is preflight's.
    if (!Warmup.join(progress.warmup)) {
      throw new ConfinementException(
          "apply()'s warm-up thread \"confine-warmup\" did not end within " + Warmup.JOIN_LIMIT_NANOS / 1_000_000_000L
              + " s (a SecureRandom blocked on /dev/random?); nothing irreversible was done");
    }
    Preflight.Result preflight = preflight(policy, resolved, k);
    time.add(Phase.PREFLIGHT, t);
    report.preflight(preflight.report);
    // The programs are built, and the classes loaded, before anything irreversible.
    Sequence.Executor sequence = new Sequence.Executor(k, clock, policy, preflight.root);
    JvmFigures before = preparer.figures(policy);
    t = clock.nanoTime();
    descriptorsAgain(policy, resolved, k, preflight);
    time.add(Phase.PREFLIGHT, t);
    // From here to the end of apply() SIGTERM, SIGINT and SIGHUP are recorded, not acted on: the
    // JVM would run the daemon's shutdown hooks as root in the half-made jail; and a watchdog
    // halts the process if this part hangs (SignalHold).
    progress.signals = terminator.holdSignals();
    progress.sequence = sequence;

    // The point of no return lies in here: what fails after it, fails closed.
    t = clock.nanoTime();
    runSequence(policy, progress, resolved);
    time.add(Phase.SYSCALLS, t);

    long sequenceEnd = clock.nanoTime();
    report.steps(sequence.steps).stepTimes(sequence.times);
    t = clock.nanoTime();
    List<String> verifications = verify(policy, progress, resolved);
    time.add(Phase.VERIFY, t);
    report.verifications(verifications);
    report.containerView(containerView(policy, before, preflight.report, sequenceEnd));
    List<String> notes = notes(policy, k.binding());
    notes.add(sequence.terminalOutcome);
    report.serviceNotifier(tellSystemd(policy, progress, resolved, notes)).notes(notes);
    time.total();
    // isPresent() rather than map with a lambda, which spins a class on this cold path.
    Optional<String> syslogIdent = policy.syslogIdent();
    report.phases(time.phases).syslog(syslogIdent.isPresent() ? Optional.of(new KernelSyslog(k, syslogIdent.get(), policy.syslogFacility())) : Optional.empty());
    ConfinementReport made = report.build();
    announce.accept(made.summary());
    return made;
  }

  /**
   * The identity to drop to, and systemd's notify socket from the environment (a bad value is
   * refused here, before any work), with the status to tell it encoded now.
   */
  private static Resolved resolve(PolicyView policy, Kernel k) {
    Identity identity = Identity.resolve(policy, k);
    Optional<NotifyEnvironment> notify = NotifyEnvironment.read(policy, k);
    // isPresent() rather than ifPresent with a lambda, which spins a class on this cold path even
    // where there is no socket.
    if (notify.isPresent()) {
      notify.get().checkReachableBy(identity, k);
    }
    byte[] confinedStatus =
        notify.isPresent() ? KernelServiceNotifier.confinedStatus(policy.root().toString(), identity.uid, identity.gid) : null;
    return new Resolved(identity, notify, confinedStatus);
  }

  /**
   * The preparer's {@link JvmPreparer#inputArguments()}, for preflight: a class of its own, not a
   * method reference, which would spin a class on apply()'s cold path (issue 28).
   */
  private static final class InputArguments implements java.util.function.Supplier<List<String>> {
    private final JvmPreparer preparer;

    InputArguments(JvmPreparer preparer) {
      this.preparer = preparer;
    }

    @Override
    public List<String> get() {
      return preparer.inputArguments();
    }
  }

  /** What apply() drops to and whom it tells; {@code confinedStatus} is null without a notify socket. */
  private static final class Resolved {
    final Identity identity;
    final Optional<NotifyEnvironment> notify;
    final byte[] confinedStatus;

    Resolved(Identity identity, Optional<NotifyEnvironment> notify, byte[] confinedStatus) {
      this.identity = identity;
      this.notify = notify;
      this.confinedStatus = confinedStatus;
    }
  }

  /** Preflight over the process and the jail; an ERROR refuses. */
  private Preflight.Result preflight(PolicyView policy, Resolved resolved, Kernel k) {
    Preflight.Result preflight;
    try {
      preflight = Preflight.run(policy, Optional.of(resolved.identity), k, preparer.findings(policy), new InputArguments(preparer));
    } catch (ErrnoException e) {
      throw preflightFailure(e);
    }
    if (preflight.report.hasErrors()) {
      throw new PreflightException(preflight.report);
    }
    return preflight;
  }

  /**
   * Other threads ran on during the preparations and the jail walk: the descriptors once more, the
   * last moment a refusal leaves the process as it was.
   */
  private static void descriptorsAgain(PolicyView policy, Resolved resolved, Kernel k, Preflight.Result preflight) {
    try {
      PreflightReport again = Preflight.descriptorsAgain(policy, Optional.of(resolved.identity), k, preflight.root);
      if (again.hasErrors()) {
        throw new PreflightException(again);
      }
    } catch (ErrnoException e) {
      throw preflightFailure(e);
    }
  }

  /**
   * The steps. A failed syscall changed nothing, so up to the first irreversible step that
   * succeeded a refusal leaves the process as it was; past it, the failure fails closed.
   */
  private void runSequence(PolicyView policy, Progress progress, Resolved resolved) {
    Sequence.Executor sequence = progress.sequence;
    try {
      // Not notify.map(n -> n.address): a lambda spun on apply()'s cold path.
      Optional<String> notifySocket = resolved.notify.isPresent() ? Optional.of(resolved.notify.get().address) : Optional.empty();
      sequence.run(policy, resolved.identity, notifySocket);
    } catch (ErrnoException e) {
      if (!sequence.pastPointOfNoReturn) {
        sequence.irreversibleAttempted = false;
        String restored = sequence.restoreWorkingDirectory();
        sequence.closeQuietly();
        throw e.toSyscallException(sequence.hint(e) + restored, false);
      }
      throw failClosedOn(policy, progress, e.toSyscallException(sequence.hint(e), true));
    } catch (RuntimeException | Error e) {
      if (!sequence.irreversibleAttempted) {
        sequence.restoreWorkingDirectory();
        sequence.closeQuietly();
        throw e;
      }
      throw failClosedOn(policy, progress, e);
    }
  }

  /** Reads the drop back, in every thread; then closes the thread list, which reached outside the jail. */
  private List<String> verify(PolicyView policy, Progress progress, Resolved resolved) {
    Kernel k = progress.kernel;
    Sequence.Executor sequence = progress.sequence;
    try {
      List<String> verifications = new ArrayList<>(Verifier.verify(k, resolved.identity));
      int threadList = sequence.threadListFd;
      long kept = Internal.maskOf(policy.keptCapabilities());
      verifications.addAll(
          Verifier.verifyThreads(k, threadList, sequence.callerTid, resolved.identity, kept, policy.noNewPrivileges()));
      verifications.add(Verifier.verifyThreadViews(k, threadList, sequence.rootStatus));
      verifications.add(Verifier.verifyDescriptors(k, threadList, sequence.rootStatus));
      if (resolved.notify.isPresent()) {
        verifications.add(Verifier.verifyNotifySocket(k, sequence.notifyFd, resolved.notify.get().address));
      }
      verifications.add(Verifier.verifyNotDumpable(k));
      sequence.threadListFd = -1;
      k.close(threadList);
      verifications.add("closed the /proc/self/task descriptor (fd " + threadList + ") before returning: it reached outside the jail");
      return verifications;
    } catch (ErrnoException e) {
      throw failClosedOn(policy, progress, e.toSyscallException("the process's state could not be read back", true));
    } catch (RuntimeException | Error e) {
      throw failClosedOn(policy, progress, e);
    }
  }

  /**
   * The JVM's figures before chroot and now. HotSpot keeps its container reading of the processor
   * count for 20 ms: where preflight saw a CPU limit that the JVM will lose, the reading waits that
   * long after the sequence, so that the report records the count the JVM keeps from then on, not
   * one cached from before.
   */
  private ContainerView containerView(PolicyView policy, JvmFigures before, PreflightReport preflight, long sequenceEnd) {
    boolean cpuLimitLost = false;
    for (Finding finding : preflight.findings()) {
      cpuLimitLost |= finding.code().equals(Preflight.CPU_LIMIT_LOST);
    }
    long waited = cpuLimitLost ? CONTAINER_CACHE_NANOS - (clock.nanoTime() - sequenceEnd) : 0;
    for (int i = 0; i < 3 && waited > 0; i++) { // parkNanos may return early; a test's clock may stand still
      java.util.concurrent.locks.LockSupport.parkNanos(waited);
      waited = CONTAINER_CACHE_NANOS - (clock.nanoTime() - sequenceEnd);
    }
    JvmFigures after = preparer.figures(policy);
    return ContainerView.of(before.processors, after.processors, before.totalMemory, after.totalMemory);
  }

  /** Told once the drop is verified, so that systemd never reads "confined" of a process that is not. */
  private Optional<dev.confine.ServiceNotifier> tellSystemd(PolicyView policy, Progress progress, Resolved resolved, List<String> notes) {
    if (resolved.notify.isEmpty()) {
      return Optional.empty();
    }
    Sequence.Executor sequence = progress.sequence;
    KernelServiceNotifier connected = new KernelServiceNotifier(progress.kernel, sequence.notifyFd, resolved.notify.get());
    try {
      connected.sendOrFail(resolved.confinedStatus);
    } catch (ErrnoException e) {
      progress.verified = true;
      throw failClosedOn(
          policy, progress, e.toSyscallException("confined and verified, but systemd could not be told: " + Sequence.hint(e), true));
    } catch (RuntimeException | Error e) {
      progress.verified = true;
      throw failClosedOn(policy, progress, e);
    }
    notes.add("told systemd through NOTIFY_SOCKET (" + resolved.notify.get().address + ", fd " + sequence.notifyFd + "): "
        + new String(resolved.confinedStatus, java.nio.charset.StandardCharsets.UTF_8) + "; say READY=1 through serviceNotifier() once serving");
    return Optional.of(connected);
  }

  /** The time of each phase (a phase timed twice adds up), and the whole since this was made. */
  private static final class PhaseTimes {
    final Map<Phase, Duration> phases = new EnumMap<>(Phase.class);
    private final NanoClock clock;
    private final long start;

    PhaseTimes(NanoClock clock) {
      this.clock = clock;
      this.start = clock.nanoTime();
    }

    /** Adds the time from {@code since} (a reading of the clock) to now to {@code phase}. */
    void add(Phase phase, long since) {
      Duration took = Duration.ofNanos(clock.nanoTime() - since);
      Duration before = phases.get(phase);
      phases.put(phase, before == null ? took : before.plus(took));
    }

    void total() {
      phases.put(Phase.TOTAL, Duration.ofNanos(clock.nanoTime() - start));
    }
  }

  private static List<String> notes(PolicyView policy, String binding) {
    List<String> notes = new ArrayList<>();
    notes.add("native calls made through " + binding);
    {
      notes.add("core dumps are off and other processes of the target uid cannot ptrace this one or read its /proc files (PR_SET_DUMPABLE 0)");
    }
    if (!policy.baselineFilter()) {
      notes.add("no baseline seccomp filter (noBaselineFilter()): root's session keyring, setns into another process's namespaces and TIOCSTI stay reachable");
    } else {
      notes.add("baseline seccomp filter in every thread: " + policy.baselineEntries().size() + " entries refused with EPERM"
          + (policy.allowedSyscalls().isEmpty() ? "" : "; taken out by allowSyscalls(): " + String.join(", ", policy.allowedSyscalls())));
    }
    if (policy.execDenied()) {
      notes.add("no thread can run a program or start a process (denyExec: execve, execveat, fork, vfork and clone of a process refused with EPERM)");
    }
    if (!policy.keptCapabilities().isEmpty()) {
      notes.add(
          "kept " + policy.keptCapabilities() + " in the thread that called apply() only (and threads it starts"
              + " from now on); every thread that existed before holds no capability");
    }
    String userDir = System.getProperty("user.dir", "");
    if (!userDir.equals("/")) {
      notes.add(
          "user.dir still reads \""
              + userDir
              + "\": the JVM caches it at startup. Relative file I/O resolves in the jail (the kernel's"
              + " working directory is \"/\"), but File.getAbsolutePath() and Path.toAbsolutePath()"
              + " still prefix the old directory.");
    }
    return notes;
  }

  private Kernel bind() {
    try {
      return kernel.get();
    } catch (LinkageError | RuntimeException e) {
      throw new ConfinementException("cannot bind the native calls (libc, through jffi or java.lang.foreign): " + e, false, e);
    }
  }

  /**
   * Past the point of no return: an Error under HALT goes straight on to apply()'s finally, which
   * halts without allocating (the Error may be OutOfMemoryError); anything else is reported and
   * halted here, or, under THROW, thrown with the descriptors closed.
   */
  private RuntimeException failClosedOn(PolicyView policy, Progress progress, Throwable e) {
    if (e instanceof Error && policy.failureMode() == FailureMode.HALT) {
      throw (Error) e;
    }
    progress.sequence.closeQuietly();
    if (e instanceof Error) {
      throw (Error) e;
    }
    return failClosed(policy, progress, e);
  }

  private ConfinementException failClosed(PolicyView policy, Progress progress, Throwable cause) {
    String message =
        (progress.verified
                ? "confine: the process is confined and verified, but apply() failed after that and the process must not go on: "
                : "confine: confinement failed after chroot; the process may still hold root and must not go on: ")
            + cause.getMessage();
    ConfinementException failure =
        cause instanceof ConfinementException && ((ConfinementException) cause).pastPointOfNoReturn()
            ? (ConfinementException) cause
            : new ConfinementException(message, true, cause);
    stderr.println(message);
    stderr.flush();
    if (progress.sequence.syslogOpen) {
      try {
        progress.kernel.syslog(policy.syslogFacility().code() | Syslog.Priority.CRIT.code(), message);
      } catch (RuntimeException | Error ignored) {
        // Nothing must stand between this failure and the halt.
      }
    }
    progress.failureHandled = true;
    if (policy.failureMode() == FailureMode.HALT) {
      terminator.halt(FailureMode.HALT_STATUS);
    }
    return failure;
  }

  private static dev.confine.SyscallException preflightFailure(ErrnoException e) {
    String hint = Sequence.hint(e);
    return e.toSyscallException(
        "preflight could not read the process's state or the jail" + (hint.isEmpty() ? "" : ": " + hint), false);
  }

  private static Map<String, Duration> runPreparations(PolicyView policy, NanoClock clock, java.util.Set<String> skipped) {
    synchronized (JvmPreparations.class) { // a warm-up in flight (JvmPreparations.warmUp) ends first
      return runPreparationsAlone(policy, clock, skipped);
    }
  }

  private static Map<String, Duration> runPreparationsAlone(PolicyView policy, NanoClock clock, java.util.Set<String> skipped) {
    Map<String, Duration> times = new LinkedHashMap<>();
    for (JvmPreparation preparation : JvmPreparations.plan(policy)) {
      if (skipped.contains(preparation.name()) && !policy.beforeChrootHooks().containsKey(preparation.name())) {
        continue; // the jail holds what it would have read (PreparationSkips)
      }
      long t = clock.nanoTime();
      try {
        preparation.prepare();
      } catch (Exception | LinkageError e) {
        throw new ConfinementException(
            "JVM preparation \"" + preparation.name() + "\" failed: " + e + "; nothing irreversible was done", false, e);
      }
      times.put(preparation.name(), Duration.ofNanos(clock.nanoTime() - t));
    }
    return times;
  }
}
