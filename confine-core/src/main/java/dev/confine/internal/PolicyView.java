package dev.confine.internal;

import dev.confine.Capability;
import dev.confine.FailureMode;
import dev.confine.JvmFacility;
import dev.confine.SyslogFacility;
import dev.confine.internal.linux.SeccompFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A policy as the internals read it: {@code dev.confine.ConfinementPolicy}'s values, which it
 * keeps in one of these (validated and copied to immutable collections by its builder), each
 * component named and documented as the policy's accessor of the same name. The internals take
 * this, never the API class, so that the API calls the internals and not the other way round;
 * confine's own tests and the test kit get one from a policy through {@link Internal#viewOf}.
 */
public record PolicyView(
    Path root,
    OptionalLong uid,
    Optional<String> userName,
    OptionalLong gid,
    List<Long> supplementaryGroups,
    Optional<String> syslogIdent,
    SyslogFacility syslogFacility,
    OptionalInt umask,
    FailureMode failureMode,
    List<String> allowedWritable,
    List<String> allowedDeviceNodes,
    boolean sharedUidAllowed,
    List<Integer> allowedOpenDirectories,
    Set<JvmFacility> jvmFacilities,
    boolean opensAllJars,
    boolean preloadsDirectoryClasses,
    Map<String, Runnable> beforeChrootHooks,
    List<Capability> keptCapabilities,
    boolean noNewPrivileges,
    List<String> deniedSyscalls,
    List<String> allowedSetuidFiles,
    List<String> allowedMounts,
    boolean execDenied,
    boolean serviceNotification,
    boolean baselineFilter,
    List<String> allowedSyscalls,
    boolean inheritedDescriptorsRefused) {
  /** The largest uid or gid: (uid_t) -1 means "unchanged" to the kernel and is refused. */
  public static final long MAX_ID = 0xFFFF_FFFEL;

  /** The entries of the baseline filter that apply() installs: none when it is off. */
  public List<String> baselineEntries() {
    if (!baselineFilter) {
      return List.of();
    }
    List<String> entries = new ArrayList<>(SeccompFilter.BASELINE);
    entries.removeAll(allowedSyscalls);
    return List.copyOf(entries);
  }
}
