package dev.confine;

import static java.util.Objects.requireNonNull;

import dev.confine.internal.Confiner;
import dev.confine.internal.PolicyView;
import dev.confine.internal.Sequence;
import dev.confine.internal.jvm.JvmPreparations;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An immutable, validated description of a confinement: the new root, the identity to become,
 * and how to get there. Made by {@link Confinement#builder()}; making it touches nothing.
 *
 * <p>{@link #plan()} lists the steps without running them, {@link #check()} reads the jail and the
 * process and reports what is wrong, and {@link #apply()} confines this process, once.
 *
 * <p><b>systemd.</b> When the process was started with {@code NOTIFY_SOCKET} set (a unit with
 * {@code Type=notify}), apply() connects a datagram socket to it before chroot, where its path
 * is still visible, and once the drop is verified sends {@code STATUS=confined to ROOT as uid U
 * gid G}; the daemon then says {@code READY=1} through {@link ConfinementReport#serviceNotifier()}.
 * A value that is not an absolute path or an {@code @abstract} name of at most 107 bytes, or a
 * socket that cannot be connected, is a refusal before anything irreversible. Without the variable
 * nothing is done; {@link Builder#noServiceNotification()} ignores it.
 */
public final class ConfinementPolicy {
  /** The largest uid or gid: (uid_t) -1 means "unchanged" to the kernel and is refused. */
  public static final long MAX_ID = PolicyView.MAX_ID;
  /** Linux's NGROUPS_MAX since 2.6.4. */
  public static final int MAX_SUPPLEMENTARY_GROUPS = 65536;

  /** Every value, named once: what the internals read (they never see this class). */
  private final PolicyView view;

  /** For {@link InternalAccess#viewOf}. */
  PolicyView view() {
    return view;
  }

  private ConfinementPolicy(Builder builder) {
    // Each argument is the builder's field of the component's own name, in the record's order
    // (ConfinementPolicyTest.eachBuilderCallReachesItsOwnComponentOfTheInternalsView catches two swapped).
    this.view =
        new PolicyView(
            builder.root,
            builder.uid,
            builder.userName,
            builder.gid,
            List.copyOf(builder.supplementaryGroups),
            builder.syslogIdent,
            builder.syslogFacility,
            builder.umask,
            builder.failureMode,
            List.copyOf(builder.allowedWritable),
            List.copyOf(builder.allowedDeviceNodes),
            builder.sharedUidAllowed,
            List.copyOf(builder.allowedOpenDirectories),
            Collections.unmodifiableSet(copyOf(builder.jvmFacilities)),
            builder.opensAllJars,
            builder.preloadsDirectoryClasses,
            Collections.unmodifiableMap(new LinkedHashMap<>(builder.beforeChrootHooks)),
            List.copyOf(builder.keptCapabilities),
            builder.noNewPrivileges,
            List.copyOf(builder.deniedSyscalls),
            List.copyOf(builder.allowedSetuidFiles),
            List.copyOf(builder.allowedMounts),
            builder.execDenied,
            builder.serviceNotification,
            builder.baselineFilter,
            List.copyOf(builder.allowedSyscalls),
            builder.inheritedDescriptorsRefused);
  }


  private static EnumSet<JvmFacility> copyOf(Set<JvmFacility> facilities) {
    return facilities.isEmpty() ? EnumSet.noneOf(JvmFacility.class) : EnumSet.copyOf(facilities);
  }

  /** The directory that becomes "/". Absolute and normalised. */
  public Path root() {
    return view.root();
  }

  /** The uid to become, when it was given as a number. */
  public OptionalLong uid() {
    return view.uid();
  }

  /** The user to become, when it was given by name; resolved by apply() before chroot. */
  public Optional<String> userName() {
    return view.userName();
  }

  /** The gid to become; when empty, the user's primary group from the passwd database. */
  public OptionalLong gid() {
    return view.gid();
  }

  /** The supplementary groups to keep; empty (the default) drops them all. */
  public List<Long> supplementaryGroups() {
    return view.supplementaryGroups();
  }

  /** The openlog(3) ident, when syslog is to be opened before chroot. */
  public Optional<String> syslogIdent() {
    return view.syslogIdent();
  }

  public SyslogFacility syslogFacility() {
    return view.syslogFacility();
  }

  /** The umask to set, if any. */
  public OptionalInt umask() {
    return view.umask();
  }

  public FailureMode failureMode() {
    return view.failureMode();
  }

  /** Subdirectories of the root (relative paths) that the target user may write, knowingly. */
  public List<String> allowedWritable() {
    return view.allowedWritable();
  }

  /** Device nodes (paths relative to the root) accepted inside the jail. */
  public List<String> allowedDeviceNodes() {
    return view.allowedDeviceNodes();
  }

  /** True if other processes may already run as the target uid. */
  public boolean sharedUidAllowed() {
    return view.sharedUidAllowed();
  }

  /**
   * True if an inherited descriptor that grants more than the target could get by itself (a file
   * it could not open for reading, a Unix socket to another uid, a memfd, a pidfd) refuses
   * apply(): see {@link Builder#refuseInheritedDescriptors()}.
   */
  public boolean inheritedDescriptorsRefused() {
    return view.inheritedDescriptorsRefused();
  }

  /** Open directory descriptors accepted when they lie inside the new root. */
  public List<Integer> allowedOpenDirectories() {
    return view.allowedOpenDirectories();
  }

  /**
   * The parts of the JDK that apply() readies before chroot, in their run order. Default
   * {@link JvmFacility#networkServer()}; SECURITY is readied whenever any other is.
   */
  public Set<JvmFacility> jvmFacilities() {
    return view.jvmFacilities();
  }

  /** True (the default) if apply() opens every class path jar before chroot. */
  public boolean opensAllJars() {
    return view.opensAllJars();
  }

  /** True if apply() loads every class of the class path's directories before chroot. */
  public boolean preloadsDirectoryClasses() {
    return view.preloadsDirectoryClasses();
  }

  /** The caller's own preparations, by name, in the order apply() runs them (after confine's). */
  public Map<String, Runnable> beforeChrootHooks() {
    return view.beforeChrootHooks();
  }

  /**
   * Capabilities the calling thread keeps after the drop (Linux only; empty by default). Only
   * the thread that calls apply() holds them, and threads it creates afterwards.
   */
  public List<Capability> keptCapabilities() {
    return view.keptCapabilities();
  }

  /**
   * True (the default) if no_new_privs is set in every thread (Linux only): execve can then not
   * grant privileges through a setuid file or file capabilities.
   */
  public boolean noNewPrivileges() {
    return view.noNewPrivileges();
  }

  /** Syscalls refused with EPERM in every thread by a seccomp filter (Linux only; empty by default). */
  public List<String> deniedSyscalls() {
    return view.deniedSyscalls();
  }

  /** Setuid or setgid files (paths relative to the root) accepted inside the jail. */
  public List<String> allowedSetuidFiles() {
    return view.allowedSetuidFiles();
  }

  /** Mount points below the root (relative to it) accepted without nodev and nosuid. */
  public List<String> allowedMounts() {
    return view.allowedMounts();
  }

  /** True if no thread may start a program or a process from chroot on ({@link Builder#denyExec()}). */
  public boolean execDenied() {
    return view.execDenied();
  }

  /**
   * True (the default) if apply() connects to systemd's {@code NOTIFY_SOCKET} when the variable is
   * set ({@link Builder#noServiceNotification()}).
   */
  public boolean serviceNotification() {
    return view.serviceNotification();
  }

  /**
   * True (the default) if apply() installs the baseline seccomp filter in every thread: the calls
   * a confined JVM server never needs and that would reach past the uid change (root's session
   * keyring, another process's namespaces, a push into a root shell's terminal, ...), refused with
   * EPERM. See {@link Builder#noBaselineFilter()} and {@link #allowedSyscalls()}.
   */
  public boolean baselineFilter() {
    return view.baselineFilter();
  }

  /** Entries taken out of the baseline filter by {@link Builder#allowSyscalls}; empty by default. */
  public List<String> allowedSyscalls() {
    return view.allowedSyscalls();
  }

  /** The entries of the baseline filter that apply() installs: none when it is off. */
  public List<String> baselineEntries() {
    return view.baselineEntries();
  }


  /**
   * The ordered system calls that {@link #apply()} will make, without making them. A user given
   * by name appears by name; apply() resolves it first. The environment is apply()'s to read: with
   * systemd's {@code NOTIFY_SOCKET} set, apply() makes and connects its socket first (socket,
   * connect), which the plan does not list.
   */
  public List<Step> plan() {
    return Sequence.plan(view, Optional.empty());
  }

  /** Runs every preflight check against this process and jail; changes nothing. */
  public PreflightReport check() {
    return Confiner.system().check(view);
  }

  /**
   * Readies the JVM for the jail now, without confining and without running the
   * {@link Builder#beforeChroot before-chroot hooks}: the jars opened, the directory classes and
   * the chosen {@link JvmFacility facilities} loaded, as apply() does before chroot. A server that
   * calls this while it starts (on any thread, any number of times) leaves apply() less cold work
   * at the moment its port opens. A facility that fails here is prepared again by apply(), which
   * reports the failure.
   */
  public void prepareJvm() {
    JvmPreparations.warmUp(view);
  }

  /**
   * The policy a file describes, as OpenSSH's ChrootDirectory lives in its configuration: a
   * properties file of {@link PolicyOptions}' keys ({@code root=/srv/myd/jail}, {@code user=myd},
   * {@code allow-writable=var/spool,var/log}), each once. The file and every directory above it
   * must be root-owned and not writable by group or others.
   *
   * @throws IllegalArgumentException the file is unreadable or may be rewritten by someone other
   *     than root, or a key or value is refused (naming it; a misspelt key gets the nearest one)
   */
  public static ConfinementPolicy fromFile(Path file) {
    return PolicyOptions.bind(PolicyOptions.readFile(file), PolicyOptions.FrontEnd.FILE, java.util.Set.of()).build();
  }

  /**
   * Confines this process: resolves the identity, readies the JVM, runs preflight (refusing on any
   * ERROR), then fchdir, chroot, chdir "/", leaves the controlling terminal, installs the baseline
   * seccomp filter in every thread (unless {@link Builder#noBaselineFilter()}), setgroups,
   * setresgid, setresuid, and verifies every thread ({@link #plan()} lists each call).
   *
   * <p>With two processors or more, a thread of its own ("confine-warmup") loads the classes of
   * the later phases while the calling thread binds the native layer; it has ended before
   * preflight looks at the threads (apply() waits for it up to 30 s, then refuses).
   *
   * @throws PreflightException if preflight found errors; nothing irreversible was done
   * @throws ConfinementException if the identity cannot be resolved, or a step before chroot
   *     failed; nothing irreversible was done
   * @throws IllegalStateException if apply() already succeeded or is running in this process
   */
  public ConfinementReport apply() {
    return Confiner.system().apply(view);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ConfinementPolicy && view.equals(((ConfinementPolicy) other).view);
  }


  @Override
  public int hashCode() {
    return view.hashCode();
  }


  @Override
  public String toString() {
    return "ConfinementPolicy{root="
        + root()
        + ", user="
        + userName().orElseGet(() -> String.valueOf(uid().getAsLong()))
        + ", group="
        + (gid().isPresent() ? String.valueOf(gid().getAsLong()) : "<primary group of user>")
        + ", supplementaryGroups="
        + supplementaryGroups()
        + ", syslog="
        + syslogIdent().map(ident -> ident + "/" + syslogFacility()).orElse("off")
        + ", umask="
        + (umask().isPresent() ? String.format("%04o", umask().getAsInt()) : "unchanged")
        + ", onFailureAfterChroot="
        + failureMode()
        + (allowedWritable().isEmpty() ? "" : ", allowWritable=" + allowedWritable())
        + (allowedDeviceNodes().isEmpty() ? "" : ", allowDeviceNodes=" + allowedDeviceNodes())
        + (sharedUidAllowed() ? ", allowSharedUid" : "")
        + (allowedOpenDirectories().isEmpty() ? "" : ", allowOpenDirectory=" + allowedOpenDirectories())
        + (jvmFacilities().equals(JvmFacility.networkServer()) ? "" : ", prepare=" + jvmFacilities())
        + (opensAllJars() ? "" : ", openAllJars=false")
        + (preloadsDirectoryClasses() ? ", preloadDirectoryClasses" : "")
        + (beforeChrootHooks().isEmpty() ? "" : ", beforeChroot=" + beforeChrootHooks().keySet())
        + (allowedSetuidFiles().isEmpty() ? "" : ", allowSetuidFiles=" + allowedSetuidFiles())
        + (allowedMounts().isEmpty() ? "" : ", allowMounts=" + allowedMounts())
        + (execDenied() ? ", denyExec" : "")
        + (serviceNotification() ? "" : ", noServiceNotification")
        + (inheritedDescriptorsRefused() ? ", refuseInheritedDescriptors" : "")
        + (noNewPrivileges() ? "" : ", allowNewPrivileges")
        + (keptCapabilities().isEmpty() ? "" : ", keepCapabilities=" + keptCapabilities())
        + (deniedSyscalls().isEmpty() ? "" : ", denySyscalls=" + deniedSyscalls().size() + " calls")
        + (baselineFilter() ? "" : ", noBaselineFilter")
        + (allowedSyscalls().isEmpty() ? "" : ", allowSyscalls=" + allowedSyscalls())
        + "}";
  }

  /**
   * Builds a {@link ConfinementPolicy}. Each setter checks its argument at once and names the
   * value it refuses. Not thread-safe; the policy it builds is.
   */
  public static final class Builder {
    private Path root;
    private OptionalLong uid = OptionalLong.empty();
    private Optional<String> userName = Optional.empty();
    private OptionalLong gid = OptionalLong.empty();
    private List<Long> supplementaryGroups = List.of();
    private Optional<String> syslogIdent = Optional.empty();
    private SyslogFacility syslogFacility = SyslogFacility.DAEMON;
    private OptionalInt umask = OptionalInt.empty();
    private FailureMode failureMode = FailureMode.HALT;
    private final Set<String> allowedWritable = new LinkedHashSet<>();
    private final Set<String> allowedDeviceNodes = new LinkedHashSet<>();
    private boolean sharedUidAllowed;
    private final Set<Integer> allowedOpenDirectories = new LinkedHashSet<>();
    private Set<JvmFacility> jvmFacilities = JvmFacility.networkServer();
    private boolean opensAllJars = true;
    private boolean preloadsDirectoryClasses;
    private final Map<String, Runnable> beforeChrootHooks = new LinkedHashMap<>();
    private final Set<Capability> keptCapabilities = java.util.EnumSet.noneOf(Capability.class);
    private boolean noNewPrivileges = true;
    private final Set<String> deniedSyscalls = new LinkedHashSet<>();
    private final Set<String> allowedSetuidFiles = new LinkedHashSet<>();
    private final Set<String> allowedMounts = new LinkedHashSet<>();
    private boolean execDenied;
    private boolean serviceNotification = true;
    private boolean baselineFilter = true;
    private final Set<String> allowedSyscalls = new LinkedHashSet<>();
    private boolean inheritedDescriptorsRefused;

    Builder() {}

    private Builder(ConfinementPolicy policy) {
      this.root = policy.root();
      this.uid = policy.uid();
      this.userName = policy.userName();
      this.gid = policy.gid();
      this.supplementaryGroups = policy.supplementaryGroups();
      this.syslogIdent = policy.syslogIdent();
      this.syslogFacility = policy.syslogFacility();
      this.umask = policy.umask();
      this.failureMode = policy.failureMode();
      this.allowedWritable.addAll(policy.allowedWritable());
      this.allowedDeviceNodes.addAll(policy.allowedDeviceNodes());
      this.sharedUidAllowed = policy.sharedUidAllowed();
      this.allowedOpenDirectories.addAll(policy.allowedOpenDirectories());
      this.jvmFacilities = policy.jvmFacilities();
      this.opensAllJars = policy.opensAllJars();
      this.preloadsDirectoryClasses = policy.preloadsDirectoryClasses();
      this.beforeChrootHooks.putAll(policy.beforeChrootHooks());
      this.keptCapabilities.addAll(policy.keptCapabilities());
      this.noNewPrivileges = policy.noNewPrivileges();
      this.deniedSyscalls.addAll(policy.deniedSyscalls());
      this.allowedSetuidFiles.addAll(policy.allowedSetuidFiles());
      this.allowedMounts.addAll(policy.allowedMounts());
      this.execDenied = policy.execDenied();
      this.serviceNotification = policy.serviceNotification();
      this.baselineFilter = policy.baselineFilter();
      this.allowedSyscalls.addAll(policy.allowedSyscalls());
      this.inheritedDescriptorsRefused = policy.inheritedDescriptorsRefused();
    }

    /**
     * The directory to chroot into. Must be absolute, and not "/" (which confines nothing); "."
     * and ".." components are refused rather than resolved, so the path checked is the path used.
     */
    public Builder root(Path root) {
      requireNonNull(root, "root");
      if (!root.isAbsolute()) {
        throw new IllegalArgumentException("root must be an absolute path: " + root);
      }
      if (root.getNameCount() == 0) {
        throw new IllegalArgumentException("root must not be " + root + ": that confines nothing");
      }
      if (!root.normalize().equals(root)) {
        throw new IllegalArgumentException(
            "root must not contain '.' or '..' components: " + root + " (did you mean " + root.normalize() + "?)");
      }
      if (root.toString().indexOf('\0') >= 0) {
        throw new IllegalArgumentException("root contains a NUL byte: " + root.toString().replace('\0', '?'));
      }
      this.root = root;
      return this;
    }

    /** Same as {@link #root(Path)}, for a path given as text. */
    public Builder root(String root) {
      requireNonNull(root, "root");
      if (root.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("root contains a NUL byte: " + root.replace('\0', '?'));
      }
      return root(Path.of(root));
    }

    /** The uid to become. Not 0, and at most {@link #MAX_ID}. */
    public Builder user(long uid) {
      this.uid = OptionalLong.of(checkId("uid", uid));
      this.userName = Optional.empty();
      return this;
    }

    /** The user to become, by name; looked up by apply() while /etc is still visible. */
    public Builder user(String name) {
      requireNonNull(name, "name");
      if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf(':') >= 0 || name.indexOf('\n') >= 0) {
        throw new IllegalArgumentException(
            "not a user name: \"" + name.replace("\0", "\\0").replace("\n", "\\n") + "\"");
      }
      if (name.equals("root")) {
        throw new IllegalArgumentException("user must not be root: confining to root keeps root");
      }
      this.userName = Optional.of(name);
      this.uid = OptionalLong.empty();
      return this;
    }

    /** The gid to become. Not 0. Default: the user's primary group from the passwd database. */
    public Builder group(long gid) {
      this.gid = OptionalLong.of(checkId("gid", gid));
      return this;
    }

    /**
     * The supplementary groups to keep, replacing any given before; none (the default, or no
     * argument) drops every supplementary group.
     */
    public Builder supplementaryGroups(long... gids) {
      requireNonNull(gids, "gids");
      if (gids.length > MAX_SUPPLEMENTARY_GROUPS) {
        throw new IllegalArgumentException(
            gids.length + " supplementary groups is more than NGROUPS_MAX (" + MAX_SUPPLEMENTARY_GROUPS + ")");
      }
      List<Long> list = new ArrayList<>(gids.length);
      Set<Long> seen = new HashSet<>();
      for (long gid : gids) {
        checkId("supplementary gid", gid);
        if (!seen.add(gid)) {
          throw new IllegalArgumentException("supplementary gid " + gid + " is given twice");
        }
        list.add(gid);
      }
      this.supplementaryGroups = List.copyOf(list);
      return this;
    }

    /**
     * Connects to syslog before chroot (openlog with LOG_PID|LOG_NDELAY), with ident "java" and
     * facility DAEMON, so that logging through {@link ConfinementReport#syslog()} keeps working
     * in the jail, where /dev/log is not.
     */
    public Builder openSyslogFirst() {
      return openSyslogFirst("java", SyslogFacility.DAEMON);
    }

    /** As {@link #openSyslogFirst()}, with the given ident and facility. */
    public Builder openSyslogFirst(String ident, SyslogFacility facility) {
      requireNonNull(ident, "ident");
      requireNonNull(facility, "facility");
      if (ident.isEmpty() || ident.length() > 64) {
        throw new IllegalArgumentException("syslog ident must have 1 to 64 characters: \"" + ident + "\"");
      }
      if (ident.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "syslog ident contains a NUL byte: \"" + ident.replace("\0", "\\0") + "\"");
      }
      this.syslogIdent = Optional.of(ident);
      this.syslogFacility = facility;
      return this;
    }

    /** Sets the process's umask during the sequence, for example 027. */
    public Builder umask(int umask) {
      if (umask < 0 || umask > 0777) {
        throw new IllegalArgumentException("umask must be between 0 and 0777: " + Integer.toOctalString(umask) + " (octal)");
      }
      this.umask = OptionalInt.of(umask);
      return this;
    }

    /** What to do when a step from chroot on fails. Default {@link FailureMode#HALT}. */
    public Builder onFailureAfterChroot(FailureMode mode) {
      this.failureMode = requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Accepts, knowingly, that the target user can write to this subdirectory of the root and
     * everything under it (for example "var/spool/app"). Preflight still reports what it finds
     * there, as INFO. The path is relative to the root; "." and ".." are refused, and so is the
     * root itself: a jail the confined process can rewrite whole is no jail. May be called again
     * to allow more subdirectories: it adds.
     */
    public Builder allowWritable(String relativeSubdirectory) {
      allowedWritable.add(checkRelative("writable subdirectory", relativeSubdirectory));
      return this;
    }

    /**
     * Accepts these device nodes inside the jail (for example "dev/null", "dev/urandom"), given
     * relative to the root. Every other device node is still an ERROR. Adds to the nodes given before.
     */
    public Builder allowDeviceNodes(String relativePath, String... more) {
      List<String> checked = new ArrayList<>();
      for (String path : all("relativePaths", relativePath, more)) {
        checked.add(checkRelative("device node", path));
      }
      allowedDeviceNodes.addAll(checked);
      return this;
    }

    /**
     * Accepts that other processes already run as the target uid: they could ptrace or signal the
     * confined process. Preflight reports them as INFO instead of WARNING.
     */
    public Builder allowSharedUid() {
      this.sharedUidAllowed = true;
      return this;
    }

    /**
     * Refuses apply() (an ERROR of preflight, code {@code inherited-descriptor}) while the process
     * holds a descriptor that grants more than the target identity could get by itself: a file
     * open for reading that the target's uid, gid and groups could not open for reading (its mode,
     * owner and ACL), a Unix socket whose peer runs as another uid, a memfd, or a pidfd. Such a
     * descriptor survives chroot and the drop and stays usable. Without this option it is a
     * WARNING. Class path jars, files open write-only, directories (checked on their own),
     * listening and unconnected sockets, and world-readable files are never counted.
     */
    public Builder refuseInheritedDescriptors() {
      this.inheritedDescriptorsRefused = true;
      return this;
    }

    /**
     * Accepts that descriptor {@code fd} is an open directory, provided it lies inside the new root
     * (an open directory outside the root is an escape, and stays an ERROR).
     */
    public Builder allowOpenDirectory(int fd) {
      if (fd < 0) {
        throw new IllegalArgumentException("not a file descriptor: " + fd);
      }
      allowedOpenDirectories.add(fd);
      return this;
    }

    /**
     * The parts of the JDK to ready before chroot, replacing the default
     * ({@link JvmFacility#networkServer()}): for example drop TLS and MANAGEMENT when the
     * application uses neither, to save their time (BENCHMARKS.md). SECURITY is readied whenever
     * any other facility is, as the others fail in the jail without it. Replaces what was chosen
     * before; {@link #prepareNothing()} readies none.
     */
    public Builder prepare(JvmFacility facility, JvmFacility... more) {
      EnumSet<JvmFacility> set = EnumSet.noneOf(JvmFacility.class);
      set.addAll(all("facilities", facility, more));
      this.jvmFacilities = set;
      return this;
    }

    /**
     * Keeps these capabilities in the thread that calls apply() (Linux only), through
     * PR_SET_KEEPCAPS and capset(2); every other capability is gone, the bounding set is emptied
     * all the same. Only that thread holds them, and threads it starts afterwards: threads that
     * existed before apply() (the JVM's, earlier pools) hold none. Bind the low port on that thread.
     * Adds to the capabilities given before.
     */
    public Builder keepCapabilities(Capability capability, Capability... more) {
      keptCapabilities.addAll(all("capabilities", capability, more));
      return this;
    }

    /**
     * Readies nothing before chroot: no facility, no jar opened, no class preloaded. Hooks given
     * to {@link #beforeChroot} still run. For applications that ready the JVM themselves, and
     * to see what breaks without it.
     */
    public Builder prepareNothing() {
      this.jvmFacilities = EnumSet.noneOf(JvmFacility.class);
      this.opensAllJars = false;
      this.preloadsDirectoryClasses = false;
      return this;
    }

    /**
     * Leaves no_new_privs off (Linux): a setuid-root program in the jail, exec'd by any thread,
     * then runs as root. On by default; turn it off only for a daemon that must run such a
     * program, knowingly. Cannot be combined with {@link #denySyscalls()}.
     */
    public Builder allowNewPrivileges() {
      this.noNewPrivileges = false;
      return this;
    }

    /**
     * Whether apply() opens every class path jar (manifest Class-Path included) before chroot, so
     * that each keeps its descriptor and stays readable in the jail. Default true. The resources
     * of each jar are reachable through their URLs too, when the jar has a manifest.
     */
    public Builder openAllJars(boolean open) {
      this.opensAllJars = open;
      return this;
    }

    /**
     * Loads (without initialising) every class found in the class path's directories before
     * chroot, as a directory is read by path and is gone in the jail. Resources in those
     * directories are not kept: read them before apply(). Default off: packaging as jars is better.
     */
    public Builder preloadDirectoryClasses() {
      this.preloadsDirectoryClasses = true;
      return this;
    }

    /**
     * The caller's own preparation: runs in apply() after confine's, before chroot, with its time
     * in {@link ConfinementReport#preparations()} under {@code name}; if it throws, apply() fails
     * before anything irreversible. The policy stays immutable only if the hook does: it is held,
     * not copied, and compared by identity. May be called again to add more, run in order.
     */
    public Builder beforeChroot(String name, Runnable hook) {
      requireNonNull(name, "name");
      requireNonNull(hook, "hook");
      if (name.isBlank() || !name.strip().equals(name) || name.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("hook name must be non-blank without surrounding space: \"" + name + "\"");
      }
      if (name.equals("classpath-jars") || name.equals("classpath-directories")) {
        throw new IllegalArgumentException("hook name \"" + name + "\" is confine's own preparation's");
      }
      for (JvmFacility facility : JvmFacility.values()) {
        if (facility.preparationName().equals(name)) {
          throw new IllegalArgumentException("hook name \"" + name + "\" is the preparation name of " + facility);
        }
      }
      if (beforeChrootHooks.containsKey(name)) {
        throw new IllegalArgumentException("hook name \"" + name + "\" is given twice");
      }
      beforeChrootHooks.put(name, hook);
      return this;
    }

    /**
     * Refuses, with EPERM in every thread, the syscalls a confined Java server never needs
     * (ptrace, mount, umount2, pivot_root, chroot, unshare, setns, kexec_load, init_module,
     * finit_module, bpf, keyctl, io_uring_*, pidfd_getfd, kcmp, process_madvise, open_tree_attr,
     * modify_ldt and the other calls a confined server has no use for; the report's plan names
     * them all), and clone(2) with a namespace flag. Adds them to the calls denied. Linux only, x86_64 and aarch64; a foreign-architecture
     * syscall (i386 int 0x80) kills the process.
     */
    public Builder denySyscalls() {
      deniedSyscalls.addAll(dev.confine.internal.linux.SeccompFilter.DEFAULT_DENY_LIST);
      return this;
    }

    /**
     * As {@link #denySyscalls()}, for the syscalls named (names as in syscalls(2), such as
     * "ptrace"; x86_64's and aarch64's tables). Adds to the calls given before.
     */
    public Builder denySyscalls(String name, String... more) {
      List<String> checked = new ArrayList<>();
      for (String each : all("names", name, more)) {
        if (!dev.confine.internal.linux.SeccompFilter.isKnown(each)) {
          throw new IllegalArgumentException(
              "not a syscall confine can deny: \"" + each + "\" (not in the x86_64 or aarch64 table confine carries)");
        }
        if (dev.confine.internal.linux.SeccompFilter.NOT_DENIABLE.contains(each)) {
          throw new IllegalArgumentException(
              "not a syscall confine lets a policy deny: \"" + each + "\": apply() makes it after the drop to show that root"
                  + " cannot be regained, which a filter would answer in the kernel's place; the kernel refuses it then already");
        }
        checked.add(each);
      }
      deniedSyscalls.addAll(checked);
      return this;
    }

    /**
     * Accepts these setuid or setgid files inside the jail (paths relative to the root), which
     * preflight otherwise refuses. With no_new_privs (the default) they run without the privilege.
     * Adds to the files given before.
     */
    public Builder allowSetuidFiles(String relativePath, String... more) {
      List<String> checked = new ArrayList<>();
      for (String path : all("relativePaths", relativePath, more)) {
        checked.add(checkRelative("setuid file", path));
      }
      allowedSetuidFiles.addAll(checked);
      return this;
    }

    /**
     * Accepts these mounts below the root (their mount points, relative to it, such as
     * "var/data") without nodev and nosuid, which preflight otherwise refuses. What is on them is
     * still walked and checked like the rest of the jail. Adds to the mounts given before.
     */
    public Builder allowMounts(String relativeMountPoint, String... more) {
      List<String> checked = new ArrayList<>();
      for (String path : all("relativeMountPoints", relativeMountPoint, more)) {
        checked.add(checkRelative("mount point", path));
      }
      allowedMounts.addAll(checked);
      return this;
    }

    /**
     * From chroot on, no thread may run a program or start a process: a seccomp filter (every
     * thread, installed while still root, before chroot) refuses execve, execveat, fork, vfork
     * and a clone(2) that makes a process rather than a thread (clone3 gets ENOSYS, so that
     * glibc falls back to clone). ProcessBuilder.start() then fails with an IOException; new
     * threads still start. It also closes the window in which another thread could fork a child
     * that keeps root between chroot and setresuid. Linux only, x86_64 and aarch64.
     */
    public Builder denyExec() {
      this.execDenied = true;
      return this;
    }

    /**
     * Ignores systemd's {@code NOTIFY_SOCKET}: apply() connects to nothing, sends nothing, and
     * {@link ConfinementReport#serviceNotifier()} is empty. By default, when the variable is set,
     * apply() connects to it before chroot and tells systemd the confinement once it is verified
     * (see the class comment); a daemon that notifies systemd on its own before apply(), or runs
     * under a unit whose notifications it must not send, turns that off here.
     */
    public Builder noServiceNotification() {
      this.serviceNotification = false;
      return this;
    }

    /**
     * Takes these entries out of the baseline seccomp filter, for a server that really needs one
     * (for example "perf_event_open" for a profiler, "ptrace" for a debugger attached in
     * production). The entries are those of {@link ConfinementPolicy#baselineEntries()}: syscall
     * names, and "ioctl:TIOCSTI", "ioctl:TIOCLINUX", "clone:namespaces" for the calls refused by
     * argument. The report and check() name what was taken out. Adds to the entries given before.
     */
    public Builder allowSyscalls(String entry, String... more) {
      List<String> checked = new ArrayList<>();
      for (String each : all("entries", entry, more)) {
        if (!dev.confine.internal.linux.SeccompFilter.BASELINE.contains(each)) {
          throw new IllegalArgumentException(
              "not an entry of the baseline filter: \"" + each + "\" (its entries: "
                  + String.join(", ", dev.confine.internal.linux.SeccompFilter.BASELINE) + ")");
        }
        checked.add(each);
      }
      allowedSyscalls.addAll(checked);
      return this;
    }

    /**
     * Installs no baseline seccomp filter: root's session keyring (keyctl), another process's
     * namespaces (setns), a push into the terminal of a root shell (TIOCSTI) and the rest of the
     * baseline's entries stay reachable from the confined process. For a server that installs a
     * filter of its own; check() and the report say it is off.
     */
    public Builder noBaselineFilter() {
      this.baselineFilter = false;
      return this;
    }

    /**
     * The immutable policy. Touches no file and makes no system call.
     *
     * @throws IllegalStateException if the root or the user was not given
     */
    public ConfinementPolicy build() {
      if (root == null) {
        throw new IllegalStateException("root(...) was not given: where should the process be confined?");
      }
      if (uid.isEmpty() && userName.isEmpty()) {
        throw new IllegalStateException("user(...) was not given: which user should the process become?");
      }
      if (!noNewPrivileges && !deniedSyscalls.isEmpty()) {
        throw new IllegalStateException(
            "denySyscalls() needs no_new_privs (an unprivileged seccomp filter requires it): drop allowNewPrivileges()");
      }
      if (!baselineFilter && !allowedSyscalls.isEmpty()) {
        throw new IllegalStateException(
            "allowSyscalls(" + String.join(", ", allowedSyscalls) + ") takes entries out of the baseline filter that noBaselineFilter() turns off: give one or the other");
      }
      for (String entry : allowedSyscalls) {
        if (deniedSyscalls.contains(entry)) {
          throw new IllegalStateException(
              "\"" + entry + "\" is taken out of the baseline filter by allowSyscalls() and refused by denySyscalls(): give one or the other");
        }
      }
      return new ConfinementPolicy(this);
    }

    /** first and more as one list, each checked for null: setters that need at least one value. */
    @SafeVarargs
    private static <T> List<T> all(String what, T first, T... more) {
      requireNonNull(more, what);
      List<T> values = new ArrayList<>(more.length + 1);
      values.add(requireNonNull(first, what));
      for (T value : more) {
        values.add(requireNonNull(value, what));
      }
      return values;
    }

    private static String checkRelative(String what, String path) {
      requireNonNull(path, what);
      if (path.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(what + " contains a NUL byte: \"" + path.replace("\0", "\\0") + "\"");
      }
      if (path.isEmpty() || path.startsWith("/")) {
        throw new IllegalArgumentException(what + " must be a non-empty path relative to the root, such as \"dev/null\": \"" + path + "\"");
      }
      Path p = Path.of(path);
      if (!p.normalize().equals(p) || p.toString().isEmpty() || p.startsWith("..")) {
        throw new IllegalArgumentException(what + " must not contain '.' or '..' components: \"" + path + "\"");
      }
      return p.toString();
    }

    private static long checkId(String what, long id) {
      if (id == 0) {
        throw new IllegalArgumentException(what + " must not be 0: confining to root keeps root");
      }
      if (id < 0 || id > MAX_ID) {
        throw new IllegalArgumentException(what + " must be between 1 and " + MAX_ID + ": " + id);
      }
      return id;
    }
  }
}
