package dev.confine.spring;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code confine.*}: the policy, named as the builder and the doctor name it. Without
 * {@code confine.root} the application runs unconfined (one INFO line says so): the same jar runs
 * on a developer's laptop.
 */
@ConfigurationProperties(prefix = "confine")
public class ConfineProperties {
  /** Whether to confine at all (default true; with no root set, nothing happens either). */
  private boolean enabled = true;
  /** The directory to chroot into: absolute, root-owned. */
  private String root;
  /** The user to become: a name or a uid. */
  private String user;
  /** The group to become (default: the user's primary group). */
  private Long group;
  /** Supplementary groups to keep (default: none). */
  private List<Long> supplementaryGroups = new ArrayList<>();
  /** Subdirectories of the root the user may write. */
  private List<String> allowWritable = new ArrayList<>();
  /** Device nodes of the root accepted, such as dev/null. */
  private List<String> allowDeviceNodes = new ArrayList<>();
  /** Setuid or setgid files of the root accepted. */
  private List<String> allowSetuidFiles = new ArrayList<>();
  /** Mounts below the root accepted without nodev,nosuid. */
  private List<String> allowMounts = new ArrayList<>();
  /** Accept other processes running as the same uid. */
  private boolean allowSharedUid;
  /** Capabilities the confining thread keeps: NET_BIND_SERVICE, NET_RAW. */
  private List<String> keepCapabilities = new ArrayList<>();
  /** Syscalls refused in every thread: "default" for confine's list, or names. */
  private List<String> denySyscalls = new ArrayList<>();
  /** No thread may run a program or start a process once confined. */
  private boolean denyExec;
  /** Connect to syslog before chroot, with this ident. */
  private String syslogIdent;
  /** The JDK facilities to ready before chroot (JvmFacility names); default: a network server's. */
  private List<String> prepare = new ArrayList<>();
  /** Entries taken out of the baseline seccomp filter (allowSyscalls). */
  private List<String> allowSyscalls = new ArrayList<>();
  /** false: no baseline seccomp filter (noBaselineFilter()). */
  private boolean baselineFilter = true;
  /** How long after the starter is created the application may run unconfined; past it, a halt with 78. */
  private java.time.Duration listenTimeout = java.time.Duration.ofSeconds(30);

  public java.time.Duration getListenTimeout() { return listenTimeout; }
  public void setListenTimeout(java.time.Duration timeout) { this.listenTimeout = timeout; }
  public List<String> getAllowSyscalls() { return allowSyscalls; }
  public void setAllowSyscalls(List<String> entries) { this.allowSyscalls = entries; }
  public boolean isBaselineFilter() { return baselineFilter; }
  public void setBaselineFilter(boolean on) { this.baselineFilter = on; }
  public boolean isEnabled() { return enabled; }
  public void setEnabled(boolean enabled) { this.enabled = enabled; }
  public String getRoot() { return root; }
  public void setRoot(String root) { this.root = root; }
  public String getUser() { return user; }
  public void setUser(String user) { this.user = user; }
  public Long getGroup() { return group; }
  public void setGroup(Long group) { this.group = group; }
  public List<Long> getSupplementaryGroups() { return supplementaryGroups; }
  public void setSupplementaryGroups(List<Long> groups) { this.supplementaryGroups = groups; }
  public List<String> getAllowWritable() { return allowWritable; }
  public void setAllowWritable(List<String> dirs) { this.allowWritable = dirs; }
  public List<String> getAllowDeviceNodes() { return allowDeviceNodes; }
  public void setAllowDeviceNodes(List<String> nodes) { this.allowDeviceNodes = nodes; }
  public List<String> getAllowSetuidFiles() { return allowSetuidFiles; }
  public void setAllowSetuidFiles(List<String> files) { this.allowSetuidFiles = files; }
  public List<String> getAllowMounts() { return allowMounts; }
  public void setAllowMounts(List<String> mounts) { this.allowMounts = mounts; }
  public boolean isAllowSharedUid() { return allowSharedUid; }
  public void setAllowSharedUid(boolean allow) { this.allowSharedUid = allow; }
  public List<String> getKeepCapabilities() { return keepCapabilities; }
  public void setKeepCapabilities(List<String> capabilities) { this.keepCapabilities = capabilities; }
  public List<String> getDenySyscalls() { return denySyscalls; }
  public void setDenySyscalls(List<String> calls) { this.denySyscalls = calls; }
  public boolean isDenyExec() { return denyExec; }
  public void setDenyExec(boolean deny) { this.denyExec = deny; }
  public String getSyslogIdent() { return syslogIdent; }
  public void setSyslogIdent(String ident) { this.syslogIdent = ident; }
  public List<String> getPrepare() { return prepare; }
  public void setPrepare(List<String> facilities) { this.prepare = facilities; }
}
