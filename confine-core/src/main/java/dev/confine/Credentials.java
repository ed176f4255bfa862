package dev.confine;

import java.util.List;

/**
 * The ids the calling process holds now, read from the kernel (getresuid, getresgid, getgroups):
 * what a health check should show, rather than what was asked for.
 */
public final class Credentials {
  private final List<Long> uids;
  private final List<Long> gids;
  private final List<Long> groups;

  public Credentials(List<Long> uids, List<Long> gids, List<Long> groups) {
    if (uids.size() != 3 || gids.size() != 3) {
      throw new IllegalArgumentException("uids and gids are (real, effective, saved): " + uids + " " + gids);
    }
    this.uids = List.copyOf(uids);
    this.gids = List.copyOf(gids);
    this.groups = List.copyOf(groups);
  }

  /** Real, effective and saved uid. */
  public List<Long> uids() {
    return uids;
  }

  /** Real, effective and saved gid. */
  public List<Long> gids() {
    return gids;
  }

  /** Supplementary groups. */
  public List<Long> groups() {
    return groups;
  }

  /** True if no uid of the three is 0. */
  public boolean rootGone() {
    return !uids.contains(0L);
  }

  @Override
  public String toString() {
    return "uid=" + uids + " gid=" + gids + " groups=" + groups;
  }
}
