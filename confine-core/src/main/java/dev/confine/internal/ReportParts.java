package dev.confine.internal;

import static java.util.Objects.requireNonNull;

import dev.confine.ConfinementReport;
import dev.confine.ContainerView;
import dev.confine.Phase;
import dev.confine.PreflightReport;
import dev.confine.ServiceNotifier;
import dev.confine.Step;
import dev.confine.Syslog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link ConfinementReport} is made of, each part set by name: fifteen values passed by
 * position from the internals to the API's constructor were one swap of two longs away from a
 * report that lies. Unset lists, maps and optionals are empty; the root, the identity's ids, the
 * preflight report and the container view must be set ({@link ConfinementReport}'s constructor
 * names the one missing).
 */
public final class ReportParts {
  private Path root;
  private Optional<String> userName = Optional.empty();
  private Long uid;
  private Long gid;
  private List<Long> groups = List.of();
  private List<Step> steps = List.of();
  private List<Duration> stepTimes = List.of();
  private List<String> verifications = List.of();
  private PreflightReport preflight;
  private Map<Phase, Duration> phases = Map.of();
  private Map<String, Duration> preparations = Map.of();
  private Map<String, String> skippedPreparations = Map.of();
  private Map<String, String> keptPreparations = Map.of();
  private List<String> notes = List.of();
  private ContainerView containerView;
  private Optional<Syslog> syslog = Optional.empty();
  private Optional<ServiceNotifier> serviceNotifier = Optional.empty();

  /** The report, made by the API package (whose constructor is not public). */
  public ConfinementReport build() {
    return Internal.get().newReport(this);
  }

  /** The identity now held: its user name, uid, gid and supplementary groups. */
  public ReportParts identity(Identity identity) {
    return userName(identity.userName).uid(identity.uid).gid(identity.gid).groups(identity.groups);
  }

  public ReportParts root(Path root) {
    this.root = requireNonNull(root, "root");
    return this;
  }

  public ReportParts userName(Optional<String> userName) {
    this.userName = requireNonNull(userName, "userName");
    return this;
  }

  public ReportParts uid(long uid) {
    this.uid = uid;
    return this;
  }

  public ReportParts gid(long gid) {
    this.gid = gid;
    return this;
  }

  public ReportParts groups(List<Long> groups) {
    this.groups = requireNonNull(groups, "groups");
    return this;
  }

  public ReportParts steps(List<Step> steps) {
    this.steps = requireNonNull(steps, "steps");
    return this;
  }

  /** The time of each step, in the order of the steps: empty, or one per step. */
  public ReportParts stepTimes(List<Duration> stepTimes) {
    this.stepTimes = requireNonNull(stepTimes, "stepTimes");
    return this;
  }

  public ReportParts verifications(List<String> verifications) {
    this.verifications = requireNonNull(verifications, "verifications");
    return this;
  }

  public ReportParts preflight(PreflightReport preflight) {
    this.preflight = requireNonNull(preflight, "preflight");
    return this;
  }

  public ReportParts phases(Map<Phase, Duration> phases) {
    this.phases = requireNonNull(phases, "phases");
    return this;
  }

  public ReportParts preparations(Map<String, Duration> preparations) {
    this.preparations = requireNonNull(preparations, "preparations");
    return this;
  }

  public ReportParts skippedPreparations(Map<String, String> skipped) {
    this.skippedPreparations = requireNonNull(skipped, "skipped");
    return this;
  }

  public ReportParts keptPreparations(Map<String, String> kept) {
    this.keptPreparations = requireNonNull(kept, "kept");
    return this;
  }

  public ReportParts notes(List<String> notes) {
    this.notes = requireNonNull(notes, "notes");
    return this;
  }

  public ReportParts containerView(ContainerView containerView) {
    this.containerView = requireNonNull(containerView, "containerView");
    return this;
  }

  public ReportParts syslog(Optional<Syslog> syslog) {
    this.syslog = requireNonNull(syslog, "syslog");
    return this;
  }

  public ReportParts serviceNotifier(Optional<ServiceNotifier> serviceNotifier) {
    this.serviceNotifier = requireNonNull(serviceNotifier, "serviceNotifier");
    return this;
  }

  // Read by ConfinementReport's constructor; null where a part that must be set was not.

  public Path root() {
    return root;
  }

  public Optional<String> userName() {
    return userName;
  }

  public Long uid() {
    return uid;
  }

  public Long gid() {
    return gid;
  }

  public List<Long> groups() {
    return groups;
  }

  public List<Step> steps() {
    return steps;
  }

  public List<Duration> stepTimes() {
    return stepTimes;
  }

  public List<String> verifications() {
    return verifications;
  }

  public PreflightReport preflight() {
    return preflight;
  }

  public Map<Phase, Duration> phases() {
    return phases;
  }

  public Map<String, Duration> preparations() {
    return preparations;
  }

  public Map<String, String> skippedPreparations() {
    return skippedPreparations;
  }

  public Map<String, String> keptPreparations() {
    return keptPreparations;
  }

  public List<String> notes() {
    return notes;
  }

  public ContainerView containerView() {
    return containerView;
  }

  public Optional<Syslog> syslog() {
    return syslog;
  }

  public Optional<ServiceNotifier> serviceNotifier() {
    return serviceNotifier;
  }
}
