package dev.confine.it;

import dev.confine.internal.ErrnoException;
import dev.confine.internal.FileStatus;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the same calls through each binding in turn (jffi, then FFM; never confines) and prints
 * "RESULT binding call value" for each: values, and errno names for the calls made to fail. The
 * parent asserts the two bindings agree call by call. Runs as root on Java 22+.
 *
 * <p>Arguments: a directory that carries a POSIX ACL entry, and a file that carries file
 * capabilities (security.capability) in a directory where a Unix socket may be bound.
 */
public final class BindingChild {
  private BindingChild() {}

  private interface Call {
    Object run() throws ErrnoException;
  }

  public static void main(String[] args) throws Exception {
    String aclDirectory = args[0];
    for (String binding : List.of("jffi", "ffm")) {
      Kernel k = NativeKernel.withBinding(binding);
      List<String> lines = new ArrayList<>();
      record(lines, binding, "binding", k::binding);
      record(lines, binding, "getresuid", () -> k.getresuid().toString());
      record(lines, binding, "getresgid", () -> k.getresgid().toString());
      record(lines, binding, "getgroups", k::getgroups);
      record(lines, binding, "capabilities", () -> k.capabilities().toString());
      record(lines, binding, "getpwnam-root", () -> k.getpwnam("root"));
      record(lines, binding, "getpwnam-missing", () -> k.getpwnam("no-such-user-confine"));
      record(lines, binding, "getpwuid-65534", () -> k.getpwuid(65534));
      record(lines, binding, "getcwd", k::getcwd);
      record(lines, binding, "umask", () -> {
        int old = k.umask(022);
        return old + "," + k.umask(old);
      });
      record(lines, binding, "lstat-etc-passwd", () -> k.lstat("/etc/passwd").map(BindingChild::identity));
      record(lines, binding, "open-etc", () -> {
        int fd = k.openDirectoryNoFollow("/etc");
        try {
          FileStatus etc = k.fstat(fd);
          FileStatus passwd = k.statAt(fd, "passwd");
          int parent = k.openParent(fd);
          FileStatus top = k.fstat(parent);
          k.close(parent);
          return identity(etc) + " passwd " + identity(passwd) + " parent " + identity(top);
        } finally {
          k.close(fd);
        }
      });
      record(lines, binding, "open-missing", () -> k.openDirectoryNoFollow("/no-such-directory-confine"));
      record(lines, binding, "open-a-file", () -> k.openDirectoryNoFollow("/etc/passwd"));
      record(lines, binding, "close-bad", () -> {
        k.close(1 << 20);
        return "closed";
      });
      record(lines, binding, "fchdir-bad", () -> {
        k.fchdir(1 << 20);
        return "changed";
      });
      record(lines, binding, "statat-missing", () -> {
        int fd = k.openDirectoryNoFollow("/etc");
        try {
          return k.statAt(fd, "no-such-file-confine");
        } finally {
          k.close(fd);
        }
      });
      record(lines, binding, "acl", () -> k.acl(aclDirectory, false).map(Object::toString));
      record(lines, binding, "acl-none", () -> k.acl("/etc", false));
      record(lines, binding, "filecaps", () -> k.fileCapabilities(args[1]));
      record(lines, binding, "filecaps-none", () -> k.fileCapabilities("/etc/passwd"));
      record(lines, binding, "peer-bad", () -> k.unixSocketPeer(1 << 20));
      record(lines, binding, "peer-pipe", () -> k.unixSocketPeer(0));
      record(lines, binding, "peer-pair", () -> unixPair(k, java.nio.file.Path.of(args[1]).resolveSibling(binding + ".sock")));
      record(lines, binding, "mounts-nonempty", () -> !k.mounts().isEmpty());
      record(lines, binding, "pid1-listed", () -> k.otherProcesses().containsKey(1L));
      record(lines, binding, "last-capability", k::lastCapability);
      record(lines, binding, "bounding-0", () -> k.inBoundingSet(0));
      record(lines, binding, "bounding-bad", () -> k.inBoundingSet(999));
      record(lines, binding, "securebits", k::securebits);
      record(lines, binding, "dumpable", k::dumpable);
      record(lines, binding, "no-new-privs", k::noNewPrivileges);
      record(lines, binding, "capget", () -> {
        long[] sets = k.capget();
        return Long.toHexString(sets[0]) + " " + Long.toHexString(sets[1]) + " " + Long.toHexString(sets[2]);
      });
      record(lines, binding, "thread-list", () -> {
        int fd = k.openThreadList();
        try {
          return "threads>0 " + !k.threadStatuses(fd).isEmpty() + " fds-0-1-2 " + k.descriptorNumbers(fd).containsAll(List.of(0, 1, 2))
              + " caller-listed " + k.threadStatuses(fd).stream().anyMatch(t -> {
                try {
                  return t.tid == k.threadId();
                } catch (ErrnoException e) {
                  return false;
                }
              });
        } finally {
          k.close(fd);
        }
      });
      record(lines, binding, "setresuid-unchanged", () -> {
        k.setresuid(0xFFFF_FFFFL, 0xFFFF_FFFFL, 0xFFFF_FFFFL); // (uid_t) -1 three times: changes nothing
        return k.getresuid().toString();
      });
      record(lines, binding, "setgroups-same", () -> {
        List<Long> groups = k.getgroups();
        k.setgroups(groups);
        return k.getgroups();
      });
      lines.forEach(System.out::println);
    }
    System.out.println("DONE");
  }

  /** The peers of both ends of a connected Unix stream pair made here: this process, this uid. */
  private static String unixPair(Kernel k, java.nio.file.Path address) throws ErrnoException {
    try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(address));
      // Listed after the listener is open: NIO's first use makes a socketpair of its own (its pre-close descriptor).
      java.util.Set<Integer> before = fds(k);
      try (java.nio.channels.SocketChannel client = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(address));
          java.nio.channels.SocketChannel accepted = server.accept()) {
        if (!client.isConnected() || !accepted.isConnected()) {
          return "not connected";
        }
        List<String> peers = new ArrayList<>();
        for (int fd : fds(k)) {
          if (!before.contains(fd)) {
            peers.add(k.unixSocketPeer(fd).map(p -> (p.pid == ProcessHandle.current().pid() ? "self" : "pid " + p.pid) + " uid " + p.uid)
                .orElse("none"));
          }
        }
        java.util.Collections.sort(peers);
        return peers.toString();
      }
    } catch (java.io.IOException e) {
      return "threw " + e;
    } finally {
      try {
        java.nio.file.Files.deleteIfExists(address);
      } catch (java.io.IOException e) {
        // the directory goes with the IT's jail
      }
    }
  }

  private static java.util.Set<Integer> fds(Kernel k) throws ErrnoException {
    java.util.Set<Integer> fds = new java.util.TreeSet<>();
    k.openFiles().forEach(f -> fds.add(f.fd));
    return fds;
  }

  private static String identity(FileStatus s) {
    return s.type + " " + Integer.toOctalString(s.permissions) + " " + s.uid + ":" + s.gid + " dev " + s.device + " ino " + s.inode;
  }

  private static void record(List<String> lines, String binding, String name, Call call) {
    String value;
    try {
      value = String.valueOf(call.run());
    } catch (ErrnoException e) {
      value = "errno " + e.errnoName();
    } catch (RuntimeException e) {
      value = "threw " + e;
    }
    lines.add("RESULT " + binding + " " + name + " " + value);
  }
}
