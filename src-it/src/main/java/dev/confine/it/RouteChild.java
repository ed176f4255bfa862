package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.linux.LinuxArch;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A child JVM for the escape routes of the review (issue 12): each scenario sets up, as root, what
 * a daemon's own code or its launcher might leave, then confines through the library, or through
 * the raw sequence ("raw": open, fchdir, chroot, chdir, close, setgroups, setresgid, setresuid,
 * nothing checked) to show the route open without the protection. It prints "PROBE name value"
 * lines, then "READY", and waits for "exit". Where the library halts, the parent sees status 71.
 *
 * <p>Issue 23 adds two: "filecap" (a jail file with file capabilities, run by a thread started
 * before the drop) and "inherited" (a root-only file opened before apply()); its review's
 * reproduction adds "uring" (an io_uring ring made as root by the launcher that started this JVM).
 *
 * <p>Arguments: scenario jail uid gid, then the scenario's own (see each method).
 */
public final class RouteChild {
  private static final AttackLibC LIBC = AttackLibC.load();
  private static final Kernel KERNEL = NativeKernel.get();
  private static final LinuxArch ARCH = LinuxArch.current().orElseThrow();
  private static final int O_RDONLY = OpenFlags.O_RDONLY.intValue();
  private static final int O_DIRECTORY = OpenFlags.O_DIRECTORY.intValue();
  private static final int CLONE_FS = 0x00000200;

  /** Kept in a field, as a careless hook would: the stream holds a directory descriptor. */
  @SuppressWarnings("unused")
  private static DirectoryStream<Path> kept;

  private RouteChild() {}

  public static void main(String[] args) throws Exception {
    String jail = args[1];
    long uid = Long.parseLong(args[2]);
    long gid = Long.parseLong(args[3]);
    String[] rest = java.util.Arrays.copyOfRange(args, 4, args.length);
    switch (args[0]) {
      case "hook-dir": hookDir(jail, uid, gid, rest); break;
      case "hook-chmod": hookChmod(jail, uid, gid, rest); break;
      case "late-fd": lateFd(jail, uid, gid, rest); break;
      case "unshare-fs": unshareFs(jail, uid, gid, rest); break;
      case "write": write(jail, uid, gid, rest); break;
      case "device": device(jail, uid, gid, rest); break;
      case "pidfd": pidfd(jail, uid, gid, rest); break;
      case "confine": confineOnly(jail, uid, gid, rest); break;
      case "bind-source": bindSource(jail, uid, gid, rest); break;
      case "filecap": fileCapabilities(jail, uid, gid, rest); break;
      case "inherited": inherited(jail, uid, gid, rest); break;
      case "uring": uring(jail, uid, gid, rest); break;
      default: throw new IllegalArgumentException("unknown scenario " + args[0]);
    }
    ChildSide.readyThenAwaitExit();
  }

  /**
   * outsideDir: a beforeChroot hook opens a directory of the host and keeps it (the library must
   * refuse: preflight runs after the hooks); then the raw sequence, with the same stream still
   * open, reads outsideDir/secret.txt through its descriptor.
   */
  private static void hookDir(String jail, long uid, long gid, String[] a) throws Exception {
    Path outside = Path.of(a[0]);
    ConfinementPolicy policy =
        policy(jail, uid, gid).beforeChroot("keep-a-directory", () -> {
          try {
            kept = Files.newDirectoryStream(outside);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).build();
    probe("apply", tryApply(policy));
    probe("uids-after-refusal", KERNEL.getresuid().toString());
    int fd = descriptorOf(outside);
    probe("hook-fd", fd);
    rawConfine(jail, uid, gid);
    probe("raw-uids", KERNEL.getresuid().toString());
    probe("escape-openat", readAt(fd, "secret.txt"));
  }

  /**
   * relativeDir: a beforeChroot hook makes a directory of the jail world-writable after a
   * check() that passed (the library must refuse: preflight runs after the hooks); then the raw
   * sequence writes into it as the target.
   */
  private static void hookChmod(String jail, long uid, long gid, String[] a) throws Exception {
    Path dir = Path.of(jail, a[0]);
    probe("check-before", policy(jail, uid, gid).build().check().errors().size() + " errors");
    ConfinementPolicy policy =
        policy(jail, uid, gid).beforeChroot("open-up", () -> {
          try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).build();
    probe("apply", tryApply(policy));
    rawConfine(jail, uid, gid);
    probe("raw-write", writeFile("/" + a[0] + "/planted"));
  }

  /**
   * outsideDir mode: a descriptor of a host directory is kept where no scan of /proc/self/fd can
   * see it (in flight in a socket pair, as SCM_RIGHTS), and another thread takes it back the
   * moment chroot has happened, between the last look before chroot and the verification after
   * the drop. mode "library": apply() must halt (status 71); "raw": the thread reads
   * outsideDir/secret.txt as the target uid.
   */
  private static void lateFd(String jail, long uid, long gid, String[] a) throws Exception {
    String outside = a[0];
    int[] pair = new int[2];
    check(LIBC.socketpair(1, 1, 0, pair), "socketpair"); // AF_UNIX, SOCK_STREAM
    int fd = LIBC.open(outside, O_RDONLY | O_DIRECTORY);
    check(fd, "open " + outside);
    sendFd(pair[0], fd);
    LIBC.close(fd);
    CountDownLatch dropped = new CountDownLatch(1);
    Thread late =
        new Thread(
            () -> {
              // Spin until the host's directory disappears from view: chroot has happened.
              while (Files.exists(Path.of(outside))) {
                Thread.onSpinWait();
              }
              int got = receiveFd(pair[1]);
              probe("late-fd-received", got);
              try {
                dropped.await();
              } catch (InterruptedException e) {
                return;
              }
              probe("late-read", readAt(got, "secret.txt") + " as uids " + uids());
            },
            "late-opener");
    late.setDaemon(true);
    late.start();
    if (a[1].equals("library")) {
      probe("apply", tryApply(policy(jail, uid, gid).build()));
    } else {
      rawConfine(jail, uid, gid);
      probe("apply", "raw");
    }
    dropped.countDown();
    late.join(10_000);
  }

  /**
   * secretPath mode: a thread calls unshare(CLONE_FS) before apply(): it keeps the host's root
   * and working directory whatever chroot does in the caller. mode "library": apply() must halt;
   * "raw": that thread reads secretPath by its host path after the drop.
   */
  private static void unshareFs(String jail, long uid, long gid, String[] a) throws Exception {
    CountDownLatch unshared = new CountDownLatch(1);
    CountDownLatch dropped = new CountDownLatch(1);
    Thread own =
        new Thread(
            () -> {
              long r = LIBC.syscall(ARCH.number("unshare"), CLONE_FS, 0, 0, 0, 0, 0);
              probe("unshare-clone-fs", r == 0 ? "OK" : AttackLibC.lastErrno(LIBC));
              unshared.countDown();
              try {
                dropped.await();
              } catch (InterruptedException e) {
                return;
              }
              probe("own-thread-read", readAt(-100, a[0]) + " as uids " + uids());
            },
            "own-fs");
    own.setDaemon(true);
    own.start();
    unshared.await();
    if (a[1].equals("library")) {
      probe("apply", tryApply(policy(jail, uid, gid).build()));
    } else {
      rawConfine(jail, uid, gid);
      probe("apply", "raw");
    }
    probe("caller-etc-passwd-visible", Files.exists(Path.of("/etc/passwd")));
    dropped.countDown();
    own.join(10_000);
  }

  /**
   * relativeDir mode: a directory of the jail that the target may write (its own, whatever its
   * mode; or through an ACL). mode "library": preflight must refuse; "raw": write a file into it
   * (chmod-ing it first where only the owner's right to chmod allows that).
   */
  private static void write(String jail, long uid, long gid, String[] a) throws Exception {
    if (a[1].equals("library")) {
      probe("apply", tryApply(policy(jail, uid, gid).build()));
      return;
    }
    rawConfine(jail, uid, gid);
    String dir = "/" + a[0];
    String first = writeFile(dir + "/planted");
    probe("write-first", first);
    if (!first.equals("OK")) {
      probe("chmod", LIBC.chmod(dir, 0755) == 0 ? "OK" : AttackLibC.lastErrno(LIBC));
      probe("write-after-chmod", writeFile(dir + "/planted"));
    }
  }

  /** relativeDevice mode: a device node on a mount inside the jail; "raw" reads it after the drop. */
  private static void device(String jail, long uid, long gid, String[] a) throws Exception {
    if (a[1].equals("library")) {
      probe("apply", tryApply(policy(jail, uid, gid).build()));
      return;
    }
    rawConfine(jail, uid, gid);
    int fd = LIBC.open("/" + a[0], O_RDONLY);
    if (fd < 0) {
      probe("device-read", AttackLibC.lastErrno(LIBC));
      return;
    }
    byte[] buffer = new byte[16];
    long n = LIBC.read(fd, buffer, buffer.length);
    LIBC.close(fd);
    probe("device-read", n >= 0 ? "read " + n + " bytes" : "read " + AttackLibC.lastErrno(LIBC));
  }

  /**
   * helperPid fd deny|default|none: confines (with the deny list; with the default policy, whose
   * baseline filter refuses pidfd_getfd too; with no filter at all), then takes descriptor fd of
   * another process of the same uid with pidfd_open and pidfd_getfd, and reads secret.txt
   * through it.
   */
  private static void pidfd(String jail, long uid, long gid, String[] a) throws Exception {
    ConfinementPolicy.Builder builder = policy(jail, uid, gid).allowSharedUid();
    if (a[2].equals("deny")) {
      builder.denySyscalls();
    } else if (a[2].equals("none")) {
      builder.noBaselineFilter();
    }
    probe("apply", tryApply(builder.build()));
    long pidfd = LIBC.syscall(ARCH.number("pidfd_open"), Long.parseLong(a[0]), 0, 0, 0, 0, 0);
    probe("pidfd_open", pidfd >= 0 ? "OK" : AttackLibC.lastErrno(LIBC));
    long stolen = pidfd < 0 ? -1 : LIBC.syscall(ARCH.number("pidfd_getfd"), pidfd, Long.parseLong(a[1]), 0, 0, 0, 0);
    probe("pidfd_getfd", stolen >= 0 ? "OK" : AttackLibC.lastErrno(LIBC));
    probe("stolen-read", stolen >= 0 ? readAt((int) stolen, "secret.txt") : "none");
  }

  /**
   * keptDir secretPath mode: the jail is a bind mount of another directory (the parent mounts it
   * in a private mount namespace), and the daemon keeps keptDir, a directory in the bind's
   * source, open, allowed with allowOpenDirectory: the same device and inode as the jail's own
   * directories, on another mount (issue 23). mode "library": apply() must refuse before chroot;
   * "raw": after the raw drop, the kept descriptor reads secretPath through "..", from the host's "/".
   */
  private static void bindSource(String jail, long uid, long gid, String[] a) throws Exception {
    Path kept = Path.of(a[0]);
    int fd = LIBC.open(kept.toString(), O_RDONLY | O_DIRECTORY);
    check(fd, "open " + kept);
    probe("kept-fd", fd);
    dev.confine.internal.FileStatus source = KERNEL.lstat(kept.getParent().toString()).orElseThrow();
    dev.confine.internal.FileStatus root = KERNEL.lstat(jail).orElseThrow();
    probe("same-device-and-inode", source.device == root.device && source.inode == root.inode);
    probe("same-mount", source.mountId.equals(root.mountId));
    if (a[2].equals("library")) {
      try {
        policy(jail, uid, gid).allowOpenDirectory(fd).build().apply();
        probe("apply", "ok");
      } catch (PreflightException e) {
        probe("apply", "PreflightException(" + e.report().errors().stream().map(Finding::code).sorted().distinct().collect(Collectors.joining(",")) + ")");
        e.report().errors().stream().filter(f -> f.code().equals("open-directory-fd")).forEach(f -> probe("refusal", f.message()));
      }
      probe("uids-after-refusal", uids());
      return;
    }
    rawConfine(jail, uid, gid);
    String up = "../".repeat(kept.getNameCount()); // from keptDir to the top: past the jail, had ".." stopped there
    probe("escape-openat", readAt(fd, up + a[1].substring(1)) + " as uids " + uids());
  }

  /** mode: confines through the library or raw, and waits (the parent looks from outside). */
  private static void confineOnly(String jail, long uid, long gid, String[] a) throws Exception {
    if (a[0].equals("library")) {
      probe("apply", tryApply(policy(jail, uid, gid).build()));
    } else {
      rawConfine(jail, uid, gid);
      probe("apply", "raw");
    }
    probe("uids", uids());
  }

  /**
   * program mode: program (relative to the jail) carries file capabilities (cap_setuid+ep). mode
   * "library": check() and apply() under allowNewPrivileges(), which must refuse naming the
   * file; "raw": a thread started before the drop runs the program after it (the JVM's VFORK
   * launch mechanism, as jspawnhelper is not in the jail) and prints what it printed.
   */
  private static void fileCapabilities(String jail, long uid, long gid, String[] a) throws Exception {
    String program = "/" + a[0];
    if (a[1].equals("library")) {
      ConfinementPolicy policy = policy(jail, uid, gid).allowNewPrivileges().build();
      for (Finding f : policy.check().findings()) {
        if (f.code().equals("file-capabilities")) {
          probe("check-file-capabilities", f.severity() + " " + f.message());
        }
      }
      try {
        policy.apply();
        probe("apply", "ok");
      } catch (PreflightException e) {
        probe("apply", "PreflightException(" + e.report().errors().stream().map(Finding::code).sorted().distinct().collect(Collectors.joining(","))
            + ")");
        probe("apply-message", e.getMessage().replace('\n', ' '));
      }
      probe("uids-after-refusal", uids());
      probe("host-visible", Files.exists(Path.of("/etc/passwd")));
      return;
    }
    CountDownLatch dropped = new CountDownLatch(1);
    java.util.concurrent.CompletableFuture<String> ran = new java.util.concurrent.CompletableFuture<>();
    Thread early =
        new Thread(
            () -> {
              try {
                dropped.await();
                Process process = new ProcessBuilder(program).redirectErrorStream(true).start();
                String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
                ran.complete("exit " + process.waitFor() + ": " + out.replace('\n', ' '));
              } catch (Exception e) {
                ran.complete("FAILED " + e);
              }
            },
            "started-before-drop");
    early.setDaemon(true);
    early.start();
    rawConfine(jail, uid, gid);
    probe("apply", "raw");
    probe("uids", uids());
    dropped.countDown();
    probe("exec-from-early-thread", ran.get(30, java.util.concurrent.TimeUnit.SECONDS));
  }

  /**
   * secretPath: opened for reading as root before apply(), kept open (as a daemon's code might),
   * then: check() (the finding), apply() with refuseInheritedDescriptors() (must refuse before
   * chroot), apply() as the default (a WARNING only: it confines), and a read through the kept
   * descriptor as the target (the control: what the WARNING is about is real).
   */
  private static void inherited(String jail, long uid, long gid, String[] a) throws Exception {
    Path secret = Path.of(a[0]);
    try (java.io.FileInputStream kept = new java.io.FileInputStream(secret.toFile())) {
      probe("fd", descriptorOf(secret));
      for (Finding f : policy(jail, uid, gid).build().check().findings()) {
        if (f.code().equals("inherited-descriptor")) {
          probe("check-inherited", f.severity() + " " + f.message());
        }
      }
      ConfinementPolicy strict = policy(jail, uid, gid).refuseInheritedDescriptors().build();
      probe("strict-apply", tryApply(strict));
      probe("strict-uids", uids());
      probe("strict-host-visible", Files.exists(secret));
      probe("apply", tryApply(policy(jail, uid, gid).build()));
      probe("uids", uids());
      probe("host-visible", Files.exists(secret));
      byte[] got = new byte[64];
      int n = kept.read(got);
      probe("read-kept", n < 0 ? "EOF" : "read " + n + " bytes" + (new String(got, 0, Math.max(n, 0), java.nio.charset.StandardCharsets.ISO_8859_1)
          .startsWith("root:") ? ", starting root:" : ""));
    } catch (java.io.IOException e) {
      probe("read-kept", "FAILED " + e);
    }
  }

  /**
   * mode hostSecret rootOnly, run behind IoUringRouteIT's launcher, which made an io_uring ring as
   * root (host "/" as fixed file 0, root's credentials as a personality) and left it open across
   * exec: RING_FD, RING_PERSONALITY and RING_PARAMS in the environment. "library": check() and
   * apply() under the default policy, which must refuse before chroot naming the ring's fd; "raw":
   * the raw sequence, then /probe (the same program, in the jail) inherits the ring and uses it as
   * 65534, to show what the refusal is about.
   */
  private static void uring(String jail, long uid, long gid, String[] a) throws Exception {
    String ring = System.getenv("RING_FD");
    probe("ring-fd", ring);
    if (a[0].equals("library")) {
      ConfinementPolicy policy = policy(jail, uid, gid).build();
      for (Finding f : policy.check().findings()) {
        if (f.code().equals("io-uring-ring")) {
          probe("check-io-uring-ring", f.severity() + " " + f.message());
        }
      }
      try {
        policy.apply();
        probe("apply", "ok");
      } catch (ConfinementException e) {
        probe("apply", refusal(e));
        probe("apply-message", e.getMessage().replace('\n', ' '));
      }
      probe("uids-after-refusal", uids());
      probe("host-visible", Files.exists(Path.of(a[1])));
      return;
    }
    rawConfine(jail, uid, gid);
    probe("apply", "raw");
    probe("uids", uids());
    // posix_spawn, not ProcessBuilder: the JDK closes every descriptor above 2 in the child, and
    // the program must inherit the ring as a daemon's child would.
    probe("probe-exit",
        spawnAndWait("/probe", "probe", "probe", ring, System.getenv("RING_PERSONALITY"), System.getenv("RING_PARAMS"), a[1], a[2]));
  }

  /** Runs {@code path} with {@code argv} and an empty environment, inheriting every descriptor; its exit as "exit N" or "signal N". */
  private static String spawnAndWait(String path, String... argv) {
    Runtime runtime = Runtime.getRuntime(LIBC);
    List<Pointer> keep = new java.util.ArrayList<>();
    Pointer args = Memory.allocateDirect(runtime, 8L * (argv.length + 1));
    for (int i = 0; i < argv.length; i++) {
      byte[] b = argv[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
      Pointer s = Memory.allocateDirect(runtime, b.length + 1);
      s.put(0, b, 0, b.length);
      s.putByte(b.length, (byte) 0);
      keep.add(s);
      args.putAddress(8L * i, s.address());
    }
    args.putAddress(8L * argv.length, 0);
    Pointer env = Memory.allocateDirect(runtime, 8);
    env.putAddress(0, 0);
    int[] pid = new int[1];
    int rc = LIBC.posix_spawn(pid, path, null, null, args, env);
    // The strings must outlive the call: argv holds only their addresses.
    java.lang.ref.Reference.reachabilityFence(keep);
    if (rc != 0) {
      return "spawn-failed " + rc;
    }
    int[] status = new int[1];
    LIBC.waitpid(pid[0], status, 0);
    return (status[0] & 0x7f) == 0 ? "exit " + ((status[0] >> 8) & 0xff) : "signal " + (status[0] & 0x7f);
  }

  // ---- helpers ----

  static ConfinementPolicy.Builder policy(String jail, long uid, long gid) {
    ConfinementPolicy.Builder builder = Confinement.builder().root(jail).user(uid).group(gid);
    String writable = System.getProperty("attack.allowWritable");
    if (writable != null) {
      builder.allowWritable(writable);
    }
    return builder;
  }

  static String tryApply(ConfinementPolicy policy) {
    try {
      policy.apply();
      return "ok";
    } catch (ConfinementException e) {
      return refusal(e);
    }
  }

  /** How a probe names a refusal: the preflight errors' codes, or the message. */
  static String refusal(ConfinementException e) {
    if (e instanceof PreflightException) {
      return "PreflightException(" + ((PreflightException) e).report().errors().stream().map(Finding::code).sorted().distinct().collect(Collectors.joining(",")) + ")";
    }
    return "ConfinementException(" + e.getMessage().replace('\n', ' ') + ")";
  }

  /** The confine sequence with nothing checked: what the library does, minus every look. */
  static void rawConfine(String jail, long uid, long gid) throws ErrnoException {
    rawConfine(jail, uid, gid, null);
  }

  /**
   * As {@link #rawConfine(String, long, long)}, with {@code filter} (null: none) installed in every
   * thread as root right after chroot, where the library installs its baseline: one layer alone.
   */
  static void rawConfine(String jail, long uid, long gid, long[] filter) throws ErrnoException {
    int fd = KERNEL.openDirectoryNoFollow(jail);
    KERNEL.fchdir(fd);
    KERNEL.chroot(".");
    KERNEL.chdir("/");
    KERNEL.close(fd);
    if (filter != null) {
      KERNEL.installSeccompFilterOnAllThreads(filter);
    }
    KERNEL.setgroups(List.of());
    KERNEL.setresgid(gid, gid, gid);
    KERNEL.setresuid(uid, uid, uid);
  }

  /** The descriptor whose /proc/self/fd link names {@code path}, or -1. */
  private static int descriptorOf(Path path) throws java.io.IOException {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          if (Files.readSymbolicLink(fd).equals(path)) {
            return Integer.parseInt(fd.getFileName().toString());
          }
        } catch (java.io.IOException e) {
          // the listing's own descriptor, closed by now
        }
      }
    }
    return -1;
  }

  static String uids() {
    try {
      return KERNEL.getresuid().toString();
    } catch (ErrnoException e) {
      return e.errnoName();
    }
  }

  private static String writeFile(String path) {
    try {
      Files.writeString(Path.of(path), "planted by the confined process\n");
      return "OK";
    } catch (java.io.IOException e) {
      return e.getClass().getSimpleName();
    }
  }

  private static String readAt(int dirfd, String path) {
    return AttackLibC.readAt(LIBC, dirfd, path);
  }

  // struct msghdr (64-bit Linux): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48.
  // struct cmsghdr: len 0 (size_t), level 8, type 12, data 16; CMSG_LEN(int) 20, CMSG_SPACE(int) 24.

  private static void sendFd(int socket, int fd) {
    Runtime runtime = Runtime.getRuntime(LIBC);
    Pointer data = Memory.allocateDirect(runtime, 1);
    data.putByte(0, (byte) 'x');
    Pointer iov = Memory.allocateDirect(runtime, 16);
    iov.putAddress(0, data.address());
    iov.putLong(8, 1);
    Pointer control = Memory.allocateDirect(runtime, 24);
    control.putLong(0, 20);
    control.putInt(8, 1); // SOL_SOCKET
    control.putInt(12, 1); // SCM_RIGHTS
    control.putInt(16, fd);
    Pointer msg = Memory.allocateDirect(runtime, 56);
    msg.putAddress(16, iov.address());
    msg.putLong(24, 1);
    msg.putAddress(32, control.address());
    msg.putLong(40, 24);
    if (LIBC.sendmsg(socket, msg, 0) != 1) {
      throw new IllegalStateException("sendmsg: " + AttackLibC.lastErrno(LIBC));
    }
  }

  private static int receiveFd(int socket) {
    Runtime runtime = Runtime.getRuntime(LIBC);
    Pointer data = Memory.allocateDirect(runtime, 1);
    Pointer iov = Memory.allocateDirect(runtime, 16);
    iov.putAddress(0, data.address());
    iov.putLong(8, 1);
    Pointer control = Memory.allocateDirect(runtime, 24);
    Pointer msg = Memory.allocateDirect(runtime, 56);
    msg.putAddress(16, iov.address());
    msg.putLong(24, 1);
    msg.putAddress(32, control.address());
    msg.putLong(40, 24);
    if (LIBC.recvmsg(socket, msg, 0) != 1 || control.getInt(12) != 1) {
      return -1;
    }
    return control.getInt(16);
  }

  private static void check(int rc, String what) {
    if (rc < 0) {
      throw new IllegalStateException(what + ": " + AttackLibC.lastErrno(LIBC));
    }
  }

  static void probe(String name, Object value) {
    System.out.println("PROBE " + name + " " + value);
    System.out.flush();
  }
}
