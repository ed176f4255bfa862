package dev.confine.it;

import static dev.confine.it.RouteChild.policy;
import static dev.confine.it.RouteChild.probe;
import static dev.confine.it.RouteChild.rawConfine;
import static dev.confine.it.RouteChild.refusal;
import static dev.confine.it.RouteChild.uids;

import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.internal.linux.LinuxArch;
import dev.confine.internal.linux.SeccompFilter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A child JVM for the three routes of the security review that the default policy closes
 * (SecureDefaultIT): a push into a root shell's terminal (TIOCSTI), root's session keyring kept
 * across the uid change (keyctl), another process's namespaces (setns). Each scenario sets up, as
 * root, what the route needs, confines (mode "library": the default policy; "library-nobaseline":
 * the default policy with noBaselineFilter(); "raw": RouteChild's raw sequence; "raw-filter": the
 * raw sequence with the library's baseline program installed as root after chroot), then tries the
 * route and prints "PROBE name value" lines, then "READY".
 *
 * <p>Arguments: scenario jail uid gid mode, then the scenario's own (see each method).
 */
public final class SecureDefaultChild {
  private static final AttackLibC LIBC = AttackLibC.load();
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
  private static final LinuxArch ARCH = LinuxArch.current().orElseThrow();

  private static final int TIOCSTI = 0x5412;
  private static final int KEYCTL_JOIN_SESSION_KEYRING = 1;
  private static final int KEYCTL_SEARCH = 10;
  private static final int KEYCTL_READ = 11;
  private static final int KEY_SPEC_SESSION_KEYRING = -3;
  private static final int CLONE_NEWUSER = 0x10000000;

  private SecureDefaultChild() {}

  public static void main(String[] args) throws Exception {
    String jail = args[1];
    long uid = Long.parseLong(args[2]);
    long gid = Long.parseLong(args[3]);
    String mode = args[4];
    String[] rest = java.util.Arrays.copyOfRange(args, 5, args.length);
    switch (args[0]) {
      case "tty": tty(jail, uid, gid, mode, rest); return; // never reads stdin: see there
      case "keys": keys(jail, uid, gid, mode, rest); break;
      case "ns": namespaces(jail, uid, gid, mode, rest); break;
      default: throw new IllegalArgumentException("unknown scenario " + args[0]);
    }
    ChildSide.readyThenAwaitExit();
  }

  /** Confines as {@code mode} says; the apply probe, and the report's notes for the library. */
  private static void confine(String jail, long uid, long gid, String mode, ConfinementPolicy.Builder builder) throws Exception {
    switch (mode) {
      case "library":
        break;
      case "library-nobaseline":
        builder.noBaselineFilter();
        break;
      case "raw":
        rawConfine(jail, uid, gid);
        probe("apply", "raw");
        return;
      case "raw-filter":
        rawConfine(jail, uid, gid, SeccompFilter.baseline(ARCH, List.of()));
        probe("apply", "raw-filter");
        return;
      default:
        throw new IllegalArgumentException("unknown mode " + mode);
    }
    try {
      ConfinementReport report = builder.build().apply();
      probe("apply", "ok");
      probe("notes", String.join(" | ", report.notes()).replace('\n', ' '));
    } catch (ConfinementException e) {
      probe("apply", refusal(e)); // the parent's assertion on "apply" shows it
    }
  }

  // ---- route 1: TIOCSTI into the controlling terminal of a root shell ----

  /**
   * target: started by an interactive root shell as a job on a pty (its fds 0 to 2 that terminal,
   * its controlling terminal, its own process group, not a session leader). Prints where it stands
   * (pid, process group, session, tty_nr, tpgid, from /proc/self/stat before chroot), confines,
   * then pushes "touch target\n" into fd 0 with TIOCSTI, one byte at a time, as a process of the
   * target uid would. Whatever the push puts in the input queue is read by the shell once this job
   * has ended: so this scenario never reads stdin (it would eat the pushed line), and waits for
   * the parent to create /exit-now in the jail instead of an "exit" line.
   */
  private static void tty(String jail, long uid, long gid, String mode, String[] a) throws Exception {
    String[] stat = Files.readString(Path.of("/proc/self/stat")).replaceFirst("^.*\\) ", "").trim().split(" ");
    probe("pid", ProcessHandle.current().pid());
    probe("pgrp", stat[2]);
    probe("session", stat[3]);
    probe("tty_nr", stat[4]);
    probe("tpgid", stat[5]);
    confine(jail, uid, gid, mode, policy(jail, uid, gid));
    probe("uids", uids());
    byte[] line = ("touch " + a[0] + "\n").getBytes(StandardCharsets.UTF_8);
    Pointer c = Memory.allocateDirect(RUNTIME, 1);
    int pushed = 0;
    TreeSet<String> errors = new TreeSet<>();
    for (byte b : line) {
      c.putByte(0, b);
      if (sys("ioctl", 0, TIOCSTI, c) == 0) {
        pushed++;
      } else {
        errors.add(AttackLibC.lastErrno(LIBC));
      }
    }
    probe("tiocsti-pushed", pushed + "/" + line.length);
    probe("tiocsti-errors", errors.isEmpty() ? "none" : String.join(",", errors));
    System.out.println("READY");
    System.out.flush();
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (!Files.exists(Path.of("/exit-now")) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  // ---- route 2: root's session keyring ----

  /**
   * keyringName: as root, joins a new session keyring of that name and adds a "user" key
   * "confine-it-secret" (payload "s3cret") to it, as root's login session would hold; starts a
   * thread that waits (it inherits the calling thread's credentials, keyring included); confines;
   * then the calling thread and that thread each try request_key, KEYCTL_SEARCH, KEYCTL_READ (of
   * the key's serial, known from before) and add_key of their own, as the target uid.
   */
  private static void keys(String jail, long uid, long gid, String mode, String[] a) throws Exception {
    long keyring = sys("keyctl", KEYCTL_JOIN_SESSION_KEYRING, a[0]);
    probe("keyring", keyring > 0 ? "OK" : AttackLibC.lastErrno(LIBC));
    long key = sys("add_key", "user", "confine-it-secret", "s3cret", 6, KEY_SPEC_SESSION_KEYRING);
    probe("key", key > 0 ? "OK" : AttackLibC.lastErrno(LIBC));
    probe("root-search", found(search(), key)); // the search works, as root, before the drop
    CountDownLatch go = new CountDownLatch(1);
    List<String> earlier = new ArrayList<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                go.await();
              } catch (InterruptedException e) {
                return;
              }
              attempts("earlier", key, earlier);
            },
            "earlier-thread");
    thread.start();
    confine(jail, uid, gid, mode, policy(jail, uid, gid));
    List<String> caller = new ArrayList<>();
    attempts("caller", key, caller);
    go.countDown();
    thread.join(30_000);
    caller.forEach(System.out::println);
    earlier.forEach(System.out::println);
    System.out.flush();
  }

  /** The four attempts on the calling thread, as PROBE lines into {@code out}. */
  private static void attempts(String who, long key, List<String> out) {
    out.add("PROBE " + who + "-uids " + uids());
    long requested = sys("request_key", "user", "confine-it-secret", 0, 0);
    out.add("PROBE " + who + "-request_key " + found(requested, key));
    out.add("PROBE " + who + "-search " + found(search(), key));
    Pointer buffer = Memory.allocateDirect(RUNTIME, 64);
    long n = sys("keyctl", KEYCTL_READ, key, buffer, 64);
    String read;
    if (n < 0) {
      read = AttackLibC.lastErrno(LIBC);
    } else {
      byte[] got = new byte[(int) Math.min(n, 64)];
      buffer.get(0, got, 0, got.length);
      read = "CONTENT " + new String(got, StandardCharsets.US_ASCII);
    }
    out.add("PROBE " + who + "-read " + read);
    long planted = sys("add_key", "user", "confine-it-planted-" + who, "x", 1, KEY_SPEC_SESSION_KEYRING);
    out.add("PROBE " + who + "-add_key " + (planted > 0 ? "OK" : AttackLibC.lastErrno(LIBC)));
  }

  private static long search() {
    return sys("keyctl", KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", "confine-it-secret", 0);
  }

  /**
   * syscall(2) by name: a String argument is passed as a NUL-terminated copy, a Pointer by its
   * address, a Number as is; missing arguments are 0. The copies stay reachable until the call has
   * returned. On failure the errno is AttackLibC.lastErrno's right after.
   */
  private static long sys(String name, Object... args) {
    long[] a = new long[6];
    List<Pointer> keep = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      Object arg = args[i];
      if (arg instanceof String) {
        Pointer p = string((String) arg);
        keep.add(p);
        a[i] = p.address();
      } else if (arg instanceof Pointer) {
        a[i] = ((Pointer) arg).address();
      } else {
        a[i] = ((Number) arg).longValue();
      }
    }
    long result = LIBC.syscall(ARCH.number(name), a[0], a[1], a[2], a[3], a[4], a[5]);
    java.lang.ref.Reference.reachabilityFence(keep);
    java.lang.ref.Reference.reachabilityFence(args);
    return result;
  }

  /** The errno of a failed call (read right after it), or whether it found {@code key}. */
  private static String found(long result, long key) {
    if (result < 0) {
      return AttackLibC.lastErrno(LIBC);
    }
    return result == key ? "FOUND" : "OTHER " + result;
  }

  // ---- route 3: another process's namespaces ----

  /**
   * helperPid hostFile: as root, opens /proc/helperPid/ns/user and ns/mnt and keeps them (a
   * careless daemon might hold such descriptors; /proc is not in the jail, so after chroot only a
   * descriptor reaches them). Confines with allowSharedUid() (the helper runs as the target uid).
   * Then: setns into the user namespace from this JVM (the kernel refuses a multithreaded process
   * with EINVAL whatever the filter, so EPERM here can only be the filter), and the route as it
   * works: a static program in the jail (/nsescape, single-threaded, inheriting the descriptors and
   * the filter) enters the user namespace, then the mount namespace, whose root is the host's, and
   * reads hostFile by its absolute path.
   */
  private static void namespaces(String jail, long uid, long gid, String mode, String[] a) throws Exception {
    int user = LIBC.open("/proc/" + a[0] + "/ns/user", OpenFlags.O_RDONLY.intValue());
    int mnt = LIBC.open("/proc/" + a[0] + "/ns/mnt", OpenFlags.O_RDONLY.intValue());
    probe("ns-fds", user >= 0 && mnt >= 0 ? "OK" : AttackLibC.lastErrno(LIBC));
    confine(jail, uid, gid, mode, policy(jail, uid, gid).allowSharedUid());
    probe("uids", uids());
    probe("jvm-read", AttackLibC.readAt(LIBC, -100, a[1])); // chrooted: the host's path is not here
    long r = sys("setns", user, CLONE_NEWUSER);
    probe("jvm-setns-user", r == 0 ? "OK" : AttackLibC.lastErrno(LIBC));
    probe("helper-exit", spawnAndWait("/nsescape", "nsescape", String.valueOf(user), String.valueOf(mnt), a[1]));
  }

  /** posix_spawn (the descriptors without O_CLOEXEC are inherited), then waitpid: "exit N" or the errno. */
  private static String spawnAndWait(String path, String... argv) {
    List<Pointer> keep = new ArrayList<>();
    Pointer args = Memory.allocateDirect(RUNTIME, 8L * (argv.length + 1));
    for (int i = 0; i < argv.length; i++) {
      Pointer s = string(argv[i]);
      keep.add(s);
      args.putAddress(8L * i, s.address());
    }
    args.putAddress(8L * argv.length, 0);
    Pointer env = Memory.allocateDirect(RUNTIME, 8);
    env.putAddress(0, 0);
    keep.add(args);
    keep.add(env);
    int[] pid = new int[1];
    int rc = LIBC.posix_spawn(pid, path, null, null, args, env);
    java.lang.ref.Reference.reachabilityFence(keep);
    if (rc != 0) {
      return "spawn " + jnr.constants.platform.Errno.valueOf(rc);
    }
    int[] status = new int[1];
    if (LIBC.waitpid(pid[0], status, 0) < 0) {
      return "waitpid " + AttackLibC.lastErrno(LIBC);
    }
    return (status[0] & 0x7f) == 0 ? "exit " + ((status[0] >> 8) & 0xff) : "signal " + (status[0] & 0x7f);
  }

  /** A NUL-terminated copy of {@code s} in native memory. */
  private static Pointer string(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    Pointer p = Memory.allocateDirect(RUNTIME, bytes.length + 1);
    p.put(0, bytes, 0, bytes.length);
    p.putByte(bytes.length, (byte) 0);
    return p;
  }
}
