package dev.confine;

import static java.util.Objects.requireNonNull;

import dev.confine.internal.Internal;
import dev.confine.internal.ReportParts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@link ConfinementPolicy#apply()} did: the identity now held, the steps, the checks, the times. */
public final class ConfinementReport {
  private final Path root;
  private final Optional<String> userName;
  private final long uid;
  private final long gid;
  private final List<Long> groups;
  private final List<Step> steps;
  private final List<String> verifications;
  private final PreflightReport preflight;
  private final Map<Phase, Duration> phases;
  private final Map<String, Duration> preparations;
  private final Map<String, String> skippedPreparations;
  private final Map<String, String> keptPreparations;
  private final List<Duration> stepTimes;
  private final List<String> notes;
  private final Optional<Syslog> syslog;
  private final ContainerView containerView;
  private final Optional<ServiceNotifier> serviceNotifier;

  /** Made by the internals through {@link Internal}, each part named ({@link ReportParts}). */
  ConfinementReport(ReportParts parts) {
    this.root = requireNonNull(parts.root(), "root");
    this.userName = parts.userName();
    this.uid = requireNonNull(parts.uid(), "uid");
    this.gid = requireNonNull(parts.gid(), "gid");
    this.groups = List.copyOf(parts.groups());
    this.steps = List.copyOf(parts.steps());
    this.stepTimes = List.copyOf(parts.stepTimes());
    if (!stepTimes.isEmpty() && stepTimes.size() != steps.size()) {
      throw new IllegalArgumentException(stepTimes.size() + " step times for " + steps.size() + " steps");
    }
    this.verifications = List.copyOf(parts.verifications());
    this.preflight = requireNonNull(parts.preflight(), "preflight");
    Map<Phase, Duration> phases = new EnumMap<>(Phase.class);
    phases.putAll(parts.phases());
    this.phases = Collections.unmodifiableMap(phases);
    this.preparations = Collections.unmodifiableMap(new LinkedHashMap<>(parts.preparations()));
    this.skippedPreparations = Collections.unmodifiableMap(new LinkedHashMap<>(parts.skippedPreparations()));
    this.keptPreparations = Collections.unmodifiableMap(new LinkedHashMap<>(parts.keptPreparations()));
    this.notes = List.copyOf(parts.notes());
    this.containerView = requireNonNull(parts.containerView(), "containerView");
    this.syslog = parts.syslog();
    this.serviceNotifier = parts.serviceNotifier();
  }

  /** The directory that is now "/", as it was named outside. */
  public Path root() {
    return root;
  }

  public Optional<String> userName() {
    return userName;
  }

  public long uid() {
    return uid;
  }

  public long gid() {
    return gid;
  }

  /** The supplementary groups now held (empty by default). */
  public List<Long> groups() {
    return groups;
  }

  /** The system calls made, in order, with the arguments they had. */
  public List<Step> steps() {
    return steps;
  }

  /** The checks made after the drop, each of which held. */
  public List<String> verifications() {
    return verifications;
  }

  /** Warnings and information from preflight (there were no errors, or apply() would have refused). */
  public PreflightReport preflight() {
    return preflight;
  }

  /** Time spent in each phase; {@link Phase#TOTAL} is the whole of apply(). */
  public Map<Phase, Duration> phases() {
    return phases;
  }

  /** Time spent on each JVM preparation, by name, in the order they ran. */
  public Map<String, Duration> preparations() {
    return preparations;
  }

  /**
   * The preparations apply() did not run because the jail holds what they would have read (laid
   * out by {@code confine-doctor init --jvm-files}; see {@link JailJvmFiles}), by name, each with
   * the reason. Empty where the jail holds no copy of this JVM's java.home.
   */
  public Map<String, String> skippedPreparations() {
    return skippedPreparations;
  }

  /**
   * Where the jail holds a copy of this JVM's java.home: the preparations it did not make
   * unnecessary, by name, each with the reason (a file missing or different, a property naming
   * another file, one no file can stand in for). Empty otherwise.
   */
  public Map<String, String> keptPreparations() {
    return keptPreparations;
  }

  /**
   * The time of each step, in the order of {@link #steps()} (their sum is about
   * {@link Phase#SYSCALLS}); empty when not measured.
   */
  public List<Duration> stepTimes() {
    return stepTimes;
  }

  /** Things the caller should know that are not errors, such as the cached {@code user.dir}. */
  public List<String> notes() {
    return notes;
  }

  /** The syslog connection, if it was opened before chroot. */
  public Optional<Syslog> syslog() {
    return syslog;
  }

  /**
   * The JVM's processor count and total memory right before chroot and once confined: in a
   * container, what the JVM stopped seeing of its cgroup's limits (see {@link ContainerView}).
   */
  public ContainerView containerView() {
    return containerView;
  }

  /**
   * systemd's notify socket, connected before chroot, through which the daemon says
   * {@link ServiceNotifier#ready()} once it serves; empty when {@code NOTIFY_SOCKET} was not set,
   * or the policy said {@link ConfinementPolicy.Builder#noServiceNotification()}.
   */
  public Optional<ServiceNotifier> serviceNotifier() {
    return serviceNotifier;
  }

  /** One line for a log: where, who, and how long it took. */
  public String summary() {
    return String.format(
        "confined to %s as uid %d gid %d groups %s in %.1f ms",
        root,
        uid,
        gid,
        groups,
        phases.getOrDefault(Phase.TOTAL, Duration.ZERO).toNanos() / 1e6);
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(summary()).append(System.lineSeparator());
    out.append("steps:").append(System.lineSeparator());
    for (Step step : steps) {
      out.append("  ").append(step.call()).append(System.lineSeparator());
    }
    out.append("verified:").append(System.lineSeparator());
    for (String verification : verifications) {
      out.append("  ").append(verification).append(System.lineSeparator());
    }
    out.append("phases (ms):");
    phases.forEach((phase, d) -> out.append(String.format(" %s=%.1f", phase, d.toNanos() / 1e6)));
    out.append(System.lineSeparator());
    if (!preparations.isEmpty()) {
      out.append("jvm preparations (ms):");
      preparations.forEach((name, d) -> out.append(String.format(" %s=%.1f", name, d.toNanos() / 1e6)));
      out.append(System.lineSeparator());
    }
    skippedPreparations.forEach(
        (name, why) -> out.append("jvm preparation skipped: ").append(name).append(": ").append(why).append(System.lineSeparator()));
    keptPreparations.forEach(
        (name, why) -> out.append("jvm preparation kept: ").append(name).append(": ").append(why).append(System.lineSeparator()));
    for (Finding finding : preflight.findings()) {
      out.append("preflight: ").append(finding).append(System.lineSeparator());
    }
    for (String note : notes) {
      out.append("note: ").append(note).append(System.lineSeparator());
    }
    out.append("container view: ").append(containerView).append(System.lineSeparator());
    return out.toString().strip();
  }
}
