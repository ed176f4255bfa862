package dev.confine.internal;

/** The fields of a passwd entry that confine uses. */
public final class PasswdEntry {
  public final String name;
  public final long uid;
  public final long gid;

  public PasswdEntry(String name, long uid, long gid) {
    this.name = name;
    this.uid = uid;
    this.gid = gid;
  }

  @Override
  public String toString() {
    return name + ":" + uid + ":" + gid;
  }
}
