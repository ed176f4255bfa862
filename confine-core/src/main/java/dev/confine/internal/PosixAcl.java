package dev.confine.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A POSIX ACL as the kernel stores it in {@code system.posix_acl_access} and
 * {@code system.posix_acl_default}: a version (2), then entries of tag, permissions and id, all
 * little-endian (linux/posix_acl_xattr.h). Only what decides "who may write" is kept.
 */
public final class PosixAcl {
  /** The entry kinds of acl(5). */
  public enum Tag { USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER }

  /** One entry: {@code user:65534:rwx} is (USER, 65534, 7). The id is -1 where the tag has none. */
  public static final class Entry {
    public final Tag tag;
    public final long id;
    public final int permissions;

    public Entry(Tag tag, long id, int permissions) {
      this.tag = tag;
      this.id = id;
      this.permissions = permissions;
    }

    @Override
    public String toString() {
      String perms = ((permissions & 4) != 0 ? "r" : "-") + ((permissions & 2) != 0 ? "w" : "-") + ((permissions & 1) != 0 ? "x" : "-");
      switch (tag) {
        case USER: return "user:" + id + ":" + perms;
        case GROUP: return "group:" + id + ":" + perms;
        case USER_OBJ: return "user::" + perms;
        case GROUP_OBJ: return "group::" + perms;
        case MASK: return "mask::" + perms;
        default: return "other::" + perms;
      }
    }
  }

  private static final int VERSION = 2;
  private static final int WRITE = 2;
  private static final int READ = 4;

  public final List<Entry> entries;

  public PosixAcl(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Decodes the xattr value.
   *
   * @throws IllegalArgumentException if it is not a version-2 ACL of whole entries, or names an
   *     unknown tag: what cannot be read cannot be judged harmless
   */
  public static PosixAcl parse(byte[] value) {
    if (value.length < 4 || (value.length - 4) % 8 != 0) {
      throw new IllegalArgumentException("not a POSIX ACL: " + value.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    int version = b.getInt(0);
    if (version != VERSION) {
      throw new IllegalArgumentException("POSIX ACL version " + version + ", expected " + VERSION);
    }
    List<Entry> entries = new ArrayList<>();
    for (int at = 4; at < value.length; at += 8) {
      int tag = b.getShort(at) & 0xffff;
      int perm = b.getShort(at + 2) & 0xffff;
      long id = Integer.toUnsignedLong(b.getInt(at + 4));
      switch (tag) {
        case 0x01: entries.add(new Entry(Tag.USER_OBJ, -1, perm)); break;
        case 0x02: entries.add(new Entry(Tag.USER, id, perm)); break;
        case 0x04: entries.add(new Entry(Tag.GROUP_OBJ, -1, perm)); break;
        case 0x08: entries.add(new Entry(Tag.GROUP, id, perm)); break;
        case 0x10: entries.add(new Entry(Tag.MASK, -1, perm)); break;
        case 0x20: entries.add(new Entry(Tag.OTHER, -1, perm)); break;
        default: throw new IllegalArgumentException("POSIX ACL entry with unknown tag 0x" + Integer.toHexString(tag));
      }
    }
    return new PosixAcl(entries);
  }

  /** The value the kernel stores for these entries (for tests and the fake kernel). */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(VERSION);
    for (Entry e : entries) {
      int tag = 1 << e.tag.ordinal();
      b.putShort((short) tag).putShort((short) e.permissions).putInt(e.id < 0 ? -1 : (int) e.id);
    }
    return b.array();
  }

  /**
   * The entries through which someone other than the file's owner gets write permission: a named
   * user or group, or the owning group, each only as far as the mask lets it (acl(7)'s access
   * check). {@code users} and {@code groups} narrow it to those ids; empty means anyone's.
   * {@code fileGroup} is the file's group, which GROUP_OBJ stands for. "other" is the mode's and
   * is judged there.
   */
  public List<Entry> grantsWrite(Optional<Long> user, Set<Long> groups, boolean anyGroup, long fileGroup) {
    int mask = 7;
    for (Entry e : entries) {
      if (e.tag == Tag.MASK) {
        mask = e.permissions;
      }
    }
    List<Entry> found = new ArrayList<>();
    if ((mask & WRITE) == 0) {
      return found;
    }
    for (Entry e : entries) {
      if ((e.permissions & WRITE) == 0) {
        continue;
      }
      boolean matches;
      switch (e.tag) {
        case USER: matches = user.map(u -> u == e.id).orElse(e.id != 0); break;
        case GROUP: matches = anyGroup || groups.contains(e.id); break;
        case GROUP_OBJ: matches = anyGroup || groups.contains(fileGroup); break;
        default: matches = false; break;
      }
      if (matches) {
        found.add(e);
      }
    }
    return found;
  }

  /**
   * Whether someone other than the file's owner may read it, by acl(7)'s access check: a named
   * user entry for {@code user}; else the owning group's entry (if {@code fileGroup} is among
   * {@code groups}) and named group entries, any of them granting r, and if any matched but none
   * grants it, no; else the other entry. Named and group entries count only as far as the mask
   * lets them. The owner's own bits are the caller's to judge.
   */
  public boolean grantsRead(long user, Set<Long> groups, long fileGroup) {
    int mask = 7;
    int other = 0;
    for (Entry e : entries) {
      if (e.tag == Tag.MASK) {
        mask = e.permissions;
      } else if (e.tag == Tag.OTHER) {
        other = e.permissions;
      }
    }
    for (Entry e : entries) {
      if (e.tag == Tag.USER && e.id == user) {
        return (e.permissions & mask & READ) != 0;
      }
    }
    boolean groupMatched = false;
    for (Entry e : entries) {
      boolean matches = (e.tag == Tag.GROUP_OBJ && groups.contains(fileGroup)) || (e.tag == Tag.GROUP && groups.contains(e.id));
      if (matches) {
        groupMatched = true;
        if ((e.permissions & mask & READ) != 0) {
          return true;
        }
      }
    }
    return !groupMatched && (other & READ) != 0;
  }

  @Override
  public String toString() {
    List<String> shown = new ArrayList<>();
    for (Entry e : entries) {
      shown.add(e.toString());
    }
    return String.join(",", shown);
  }
}
