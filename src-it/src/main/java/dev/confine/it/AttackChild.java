package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A child JVM that plays the attacker: it sets up (as root) what a careless daemon might leave,
 * confines itself (through the library, or through the raw sequence without one of its checks,
 * to show that check is what stops the attack), then tries to get out. It prints one
 * "PROBE name value" line per attempt, then "READY", and waits for "exit" on stdin so the
 * parent can inspect it through /proc.
 *
 * <p>Arguments: scenario, then the scenario's own (see each method).
 */
public final class AttackChild {
  private static final AttackLibC LIBC = AttackLibC.load();
  private static final Kernel KERNEL = NativeKernel.get();
  private static final int AT_FDCWD = -100;
  private static final int O_RDONLY = OpenFlags.O_RDONLY.intValue();
  private static final int O_DIRECTORY = OpenFlags.O_DIRECTORY.intValue();
  private static final long PTRACE_SEIZE = 0x4206;
  private static final int RENAME_EXCHANGE = 2;

  private AttackChild() {}

  public static void main(String[] args) throws Exception {
    String scenario = args[0];
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    switch (scenario) {
      case "leaked-fd": leakedFd(rest); break;
      case "cwd-outside": cwdOutside(rest); break;
      case "nested-chroot": nestedChroot(rest); break;
      case "regain-root": regainRoot(rest); break;
      case "setuid-exec": setuidExec(rest); break;
      case "look": look(rest); break;
      case "signals": signals(rest); break;
      case "churn": churn(rest); break;
      case "symlink-race": symlinkRace(rest); break;
      case "try-apply": tryApplyScenario(rest); break;
      case "apply-twice": applyTwice(rest); break;
      case "apply-concurrent": applyConcurrent(rest); break;
      default: throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    ChildSide.readyThenAwaitExit();
  }

  // ---- scenarios ----

  /**
   * jail uid gid secret: holds a descriptor of the host's "/" (no O_CLOEXEC, as a careless
   * library would), asks the library to confine (refused), then confines with the raw sequence,
   * which has no preflight, and reads {@code secret} (relative to the host's "/") through the fd.
   */
  private static void leakedFd(String[] a) throws Exception {
    int leaked = LIBC.open("/", O_RDONLY | O_DIRECTORY);
    probe("leaked-fd", leaked >= 0 ? "ok" : AttackLibC.lastErrno(LIBC));
    probe("apply", tryApply(policy(a[0], a[1], a[2])));
    // Allowing it by name does not help: an open directory outside the root stays an ERROR.
    probe("apply-allowed", tryApply(policy(a[0], a[1], a[2]).toBuilder().allowOpenDirectory(leaked).build()));
    probe("uids-after-refusal", KERNEL.getresuid().toString());
    rawConfine(a[0], Long.parseLong(a[1]), Long.parseLong(a[2]), true, true);
    probe("raw-etc-passwd-visible", Files.exists(Path.of("/etc/passwd")));
    probe("raw-uids", KERNEL.getresuid().toString());
    probe("escape-openat", readAt(leaked, a[3]));
    probe("escape-fchdir", LIBC.fchdir(leaked) == 0 ? readAt(AT_FDCWD, a[3]) : "fchdir " + AttackLibC.lastErrno(LIBC));
  }

  /**
   * jail uid gid secretName variant: started with its working directory outside the jail, where
   * {@code secretName} lies. variant "library" confines with apply(); "raw-no-chdir" chroots
   * without moving the working directory into the new root.
   */
  private static void cwdOutside(String[] a) throws Exception {
    String variant = a[4];
    if (variant.equals("library")) {
      probe("apply", tryApply(policy(a[0], a[1], a[2])));
    } else {
      KERNEL.chroot(a[0]);
      KERNEL.setgroups(List.of());
      KERNEL.setresgid(Long.parseLong(a[2]), Long.parseLong(a[2]), Long.parseLong(a[2]));
      KERNEL.setresuid(Long.parseLong(a[1]), Long.parseLong(a[1]), Long.parseLong(a[1]));
      probe("apply", "raw-no-chdir");
    }
    probe("etc-passwd-visible", Files.exists(Path.of("/etc/passwd")));
    probe("relative-secret", readAt(AT_FDCWD, a[3]));
    probe("dotdot-secret", readAt(AT_FDCWD, "../../../../../../../../" + a[3]));
    probe("dotdot-etc-passwd", readAt(AT_FDCWD, "../../../../../../../../etc/passwd"));
    probe("dotdot-marker", readAt(AT_FDCWD, "../../../../../../../../inside.txt"));
    probe("getcwd", getcwd());
  }

  /**
   * jail uid gid secret variant: the classic escape, mkdir x; chroot x; cd .. (many times);
   * chroot ".". variant "library" confines with apply(); "raw-keep-root" does the raw sequence
   * but keeps uid 0, to show the escape works for root (so the test can fail).
   */
  private static void nestedChroot(String[] a) throws Exception {
    if (a[4].equals("library")) {
      probe("apply", tryApply(policy(a[0], a[1], a[2])));
    } else {
      rawConfine(a[0], 0, 0, false, true);
      probe("apply", "raw-keep-root");
    }
    probe("mkdir", errnoOf(LIBC.mkdir("/work/x", 0700)));
    probe("chroot-x", errnoOf(LIBC.chroot("/work/x")));
    for (int i = 0; i < 32; i++) {
      LIBC.chdir("..");
    }
    probe("chroot-dot", errnoOf(LIBC.chroot(".")));
    probe("secret", readAt(AT_FDCWD, "/" + a[3]));
    probe("uids", KERNEL.getresuid().toString());
  }

  /** jail uid gid: every way back to uid or gid 0 a process has without capabilities. */
  private static void regainRoot(String[] a) throws Exception {
    probe("apply", tryApply(policy(a[0], a[1], a[2])));
    probe("setuid-0", errnoOf(LIBC.setuid(0)));
    probe("seteuid-0", errnoOf(LIBC.seteuid(0)));
    probe("setresuid-keep-0-keep", errnoOf(LIBC.setresuid(-1, 0, -1)));
    probe("setresuid-0-0-0", errnoOf(LIBC.setresuid(0, 0, 0)));
    probe("setgid-0", errnoOf(LIBC.setgid(0)));
    probe("setegid-0", errnoOf(LIBC.setegid(0)));
    probe("setresgid-keep-0-keep", errnoOf(LIBC.setresgid(-1, 0, -1)));
    probe("setgroups-0", errnoOf(LIBC.setgroups(1, new int[] {0})));
    // setfsuid(2) returns the previous fsuid whether or not it changed anything; asking for an
    // invalid id (-1) changes nothing and returns the current one: the only in-process read.
    probe("setfsuid-0-returned", LIBC.setfsuid(0));
    probe("fsuid-now", LIBC.setfsuid(-1));
    probe("setfsgid-0-returned", LIBC.setfsgid(0));
    probe("fsgid-now", LIBC.setfsgid(-1));
    probe("read-root-only-file", readAt(AT_FDCWD, "/root-only.txt"));
    probe("uids", KERNEL.getresuid().toString());
    probe("gids", KERNEL.getresgid().toString());
    probe("groups", KERNEL.getgroups().toString());
    int directories = 0;
    for (int fd = 0; fd < 1024; fd++) {
      if (LIBC.fchdir(fd) == 0) {
        directories++;
      }
    }
    LIBC.chdir("/");
    probe("fchdir-able-fds", directories);
  }

  /** jail uid gid binary: confines, then runs a setuid-root binary that lies in the jail. */
  private static void setuidExec(String[] a) throws Exception {
    probe("apply", tryApply(policy(a[0], a[1], a[2])));
    // The parent (root, outside) places the setuid binary now: preflight saw a clean jail.
    System.out.println("APPLIED");
    System.out.flush();
    String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    probe("go", go);
    Runtime runtime = Runtime.getRuntime(LIBC);
    Pointer argv = Memory.allocateDirect(runtime, 2 * runtime.addressSize());
    byte[] name = (a[3] + "\0").getBytes(StandardCharsets.UTF_8);
    Pointer arg0 = Memory.allocateDirect(runtime, name.length);
    arg0.put(0, name, 0, name.length);
    argv.putPointer(0, arg0);
    argv.putAddress(runtime.addressSize(), 0L);
    Pointer envp = Memory.allocateDirect(runtime, runtime.addressSize());
    envp.putAddress(0, 0L);
    System.out.flush();
    int[] pid = new int[1];
    int rc = LIBC.posix_spawn(pid, a[3], null, null, argv, envp);
    if (rc != 0) {
      probe("spawn", "errno" + rc);
      return;
    }
    int[] status = new int[1];
    LIBC.waitpid(pid[0], status, 0);
    probe("spawn", "exit " + ((status[0] >> 8) & 0xff));
  }

  /** jail uid gid path...: confines, then reads each path (first bytes, or the listing). */
  private static void look(String[] a) throws Exception {
    confine(a[0], a[1], a[2]);
    for (int i = 3; i < a.length; i++) {
      String path = a[i];
      if (path.startsWith("superblock:")) {
        probe("superblock:" + path.substring(11), ext4Magic(path.substring(11)));
      } else if (Files.isDirectory(Path.of(path))) {
        try (var list = Files.list(Path.of(path))) {
          probe("list:" + path, list.map(p -> p.getFileName().toString()).sorted().limit(20).collect(Collectors.joining(",")));
        } catch (Exception e) {
          probe("list:" + path, e.getClass().getSimpleName());
        }
      } else {
        probe("read:" + path, readAt(AT_FDCWD, path));
      }
    }
  }

  /** jail uid gid otherUidPid sameUidPid: signal and trace a process of another uid, then of the same. */
  private static void signals(String[] a) throws Exception {
    probe("apply", tryApply(policy(a[0], a[1], a[2])));
    int other = Integer.parseInt(a[3]);
    int same = Integer.parseInt(a[4]);
    probe("kill-other", errnoOf(LIBC.kill(other, 0)));
    probe("ptrace-other", errnoOf((int) LIBC.ptrace(PTRACE_SEIZE, other, null, null)));
    probe("kill-same", errnoOf(LIBC.kill(same, 0)));
    probe("ptrace-same", errnoOf((int) LIBC.ptrace(PTRACE_SEIZE, same, null, null)));
  }

  /**
   * jail uid gid: 50 threads keep making short-lived threads while apply() runs and after, so
   * that threads are born during every step of the sequence.
   */
  private static void churn(String[] a) throws Exception {
    Map<String, String> rootThreadsSeen = new ConcurrentHashMap<>();
    ChildSide.ThreadChurn churn = new ChildSide.ThreadChurn(50, "spawner-");
    Thread.sleep(200);
    long before = churn.born();
    probe("apply", tryApply(policy(a[0], a[1], a[2])));
    long during = churn.born() - before;
    // Threads born after apply() ask for themselves too.
    for (int i = 0; i < 200; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  String ids = KERNEL.getresuid().toString();
                  if (!ids.equals(a[1] + " " + a[1] + " " + a[1])) {
                    rootThreadsSeen.put(Thread.currentThread().getName(), ids);
                  }
                } catch (ErrnoException e) {
                  rootThreadsSeen.put(Thread.currentThread().getName(), e.errnoName());
                }
              },
              "after-" + i);
      t.start();
      t.join();
    }
    probe("threads-born-around-apply", during);
    probe("new-threads-not-confined", rootThreadsSeen.toString());
    System.out.println("CHURNING");
    System.out.flush();
    // keep churning while the parent looks; the parent ends this process
  }

  /**
   * base uid gid attempts: base/jail is a directory (with inside.txt), base/decoy a symlink to
   * "/"; a root thread keeps exchanging the two names (renameat2 RENAME_EXCHANGE) while apply()
   * is tried on base/jail until it succeeds. Every refusal is counted by its reason.
   */
  private static void symlinkRace(String[] a) throws Exception {
    String jail = a[0] + "/jail";
    String decoy = a[0] + "/decoy";
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong swaps = new AtomicLong();
    Thread swapper =
        new Thread(
            () -> {
              while (!stop.get()) {
                if (LIBC.renameat2(AT_FDCWD, jail, AT_FDCWD, decoy, RENAME_EXCHANGE) == 0) {
                  swaps.incrementAndGet();
                }
              }
            },
            "swapper");
    swapper.setDaemon(true);
    swapper.start();
    while (swaps.get() < 100) {
      Thread.onSpinWait();
    }
    ConfinementPolicy policy = policy(jail, a[1], a[2]);
    // The swap is visible to preflight (a read-only check), so the attempts below really race.
    int checks = 0;
    boolean sawSymlink = false;
    while (!sawSymlink && checks < 100_000) {
      sawSymlink = policy.check().has("root-symlink");
      checks++;
    }
    probe("preflight-saw-symlink", sawSymlink + " after " + checks + " checks");
    Map<String, Integer> outcomes = new TreeMap<>();
    int attempts = Integer.parseInt(a[3]);
    boolean confined = false;
    for (int i = 0; i < attempts && !confined; i++) {
      String outcome = tryApply(policy);
      confined = outcome.equals("ok");
      outcomes.merge(outcome.replaceAll("\\(.*", "") + reason(outcome), 1, Integer::sum);
    }
    stop.set(true);
    swapper.join();
    probe("swaps", swaps.get());
    probe("outcomes", outcomes.toString());
    probe("confined", confined);
    probe("marker", readAt(AT_FDCWD, "/inside.txt"));
    probe("etc-passwd-visible", Files.exists(Path.of("/etc/passwd")));
  }

  /** Why an apply() of the race was refused, in a word. */
  private static String reason(String outcome) {
    if (outcome.contains("ELOOP")) {
      return ":ELOOP";
    }
    if (outcome.contains("changed between preflight and open")) {
      return ":inode-changed";
    }
    if (outcome.contains("ENOTDIR")) {
      return ":ENOTDIR";
    }
    if (outcome.contains("root-symlink")) {
      return ":root-symlink";
    }
    return outcome.equals("ok") ? "" : ":" + outcome.replaceAll("[^A-Za-z0-9 ]", "").replace(' ', '_');
  }

  /** root uid-or-name [gid]: one apply(), its outcome, and the process's state afterwards. */
  private static void tryApplyScenario(String[] a) throws Exception {
    ConfinementPolicy.Builder builder = Confinement.builder().root(a[0]);
    if (a[1].matches("[0-9]+")) {
      builder.user(Long.parseLong(a[1]));
    } else {
      builder.user(a[1]);
    }
    if (a.length > 2) {
      builder.group(Long.parseLong(a[2]));
    }
    probe("apply", tryApply(builder.build()));
    probe("uids", KERNEL.getresuid().toString());
    probe("getcwd", getcwd());
  }

  /** jail uid gid: apply() twice in a row. */
  private static void applyTwice(String[] a) throws Exception {
    ConfinementPolicy policy = policy(a[0], a[1], a[2]);
    probe("first", tryApply(policy));
    probe("second", tryApply(policy));
    probe("uids", KERNEL.getresuid().toString());
  }

  /** jail uid gid: apply() from two threads released at once. */
  private static void applyConcurrent(String[] a) throws Exception {
    ConfinementPolicy policy = policy(a[0], a[1], a[2]);
    CyclicBarrier barrier = new CyclicBarrier(2);
    String[] outcomes = new String[2];
    Thread[] threads = new Thread[2];
    for (int i = 0; i < 2; i++) {
      int n = i;
      threads[i] =
          new Thread(
              () -> {
                try {
                  barrier.await();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                outcomes[n] = tryApply(policy);
              });
      threads[i].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    List<String> sorted = new ArrayList<>(List.of(outcomes));
    sorted.sort(null);
    probe("outcomes", String.join(" | ", sorted));
    probe("uids", KERNEL.getresuid().toString());
  }

  // ---- helpers ----

  /**
   * The policy; the test may force-allow findings with the builder's named options:
   * -Dattack.allowWritable=dir, -Dattack.allowDeviceNodes=a,b, -Dattack.allowSharedUid=true,
   * -Dattack.allowNewPrivileges=true (no_new_privs off), -Dattack.noBaselineFilter=true.
   */
  private static ConfinementPolicy policy(String root, String uid, String gid) {
    ConfinementPolicy.Builder builder = Confinement.builder().root(root).user(Long.parseLong(uid)).group(Long.parseLong(gid));
    String writable = System.getProperty("attack.allowWritable");
    if (writable != null) {
      builder.allowWritable(writable);
    }
    String devices = System.getProperty("attack.allowDeviceNodes");
    if (devices != null) {
      String[] nodes = devices.split(",");
      builder.allowDeviceNodes(nodes[0], java.util.Arrays.copyOfRange(nodes, 1, nodes.length));
    }
    if (Boolean.getBoolean("attack.allowSharedUid")) {
      builder.allowSharedUid();
    }
    if (Boolean.getBoolean("attack.allowNewPrivileges")) {
      builder.allowNewPrivileges();
    }
    if (Boolean.getBoolean("attack.noBaselineFilter")) {
      builder.noBaselineFilter();
    }
    return builder.build();
  }

  /** Confines through apply(), or with -Dattack.raw=true through the raw sequence (no preflight). */
  private static void confine(String root, String uid, String gid) throws ErrnoException {
    if (Boolean.getBoolean("attack.raw")) {
      rawConfine(root, Long.parseLong(uid), Long.parseLong(gid), true, true);
      probe("apply", "raw");
    } else {
      probe("apply", tryApply(policy(root, uid, gid)));
    }
  }

  /** "ok", or the exception's class with the preflight codes or the message. */
  private static String tryApply(ConfinementPolicy policy) {
    try {
      dev.confine.ConfinementReport report = policy.apply();
      probe("warnings", report.preflight().warnings().stream().map(Finding::code).sorted().distinct().collect(Collectors.joining(",")));
      probe("ending-threads", report.verifications().stream().filter(v -> v.contains("were ending during the drop")).findFirst().orElse("none"));
      return "ok";
    } catch (PreflightException e) {
      return "PreflightException(" + e.report().errors().stream().map(Finding::code).sorted().collect(Collectors.joining(",")) + ")";
    } catch (ConfinementException e) {
      return "ConfinementException(" + e.getMessage() + ")";
    } catch (IllegalStateException e) {
      return "IllegalStateException(" + e.getMessage() + ")";
    }
  }

  /** The confine sequence without its preflight; optionally without dropping uid 0. */
  private static void rawConfine(String jail, long uid, long gid, boolean dropIds, boolean chdirRoot) throws ErrnoException {
    int fd = KERNEL.openDirectoryNoFollow(jail);
    KERNEL.fchdir(fd);
    KERNEL.chroot(".");
    if (chdirRoot) {
      KERNEL.chdir("/");
    }
    KERNEL.close(fd);
    if (dropIds) {
      KERNEL.setgroups(List.of());
      KERNEL.setresgid(gid, gid, gid);
      KERNEL.setresuid(uid, uid, uid);
    }
  }

  private static String readAt(int dirfd, String path) {
    return AttackLibC.readAt(LIBC, dirfd, path);
  }

  /** Reads an ext4 superblock through a block device node: 0xef53 if the raw disk is readable. */
  private static String ext4Magic(String device) {
    int fd = LIBC.open(device, O_RDONLY);
    if (fd < 0) {
      return AttackLibC.lastErrno(LIBC);
    }
    try {
      byte[] buf = new byte[2048];
      long n = LIBC.read(fd, buf, buf.length);
      if (n < 1024 + 0x3a) {
        return "short read " + n;
      }
      int magic = (buf[1024 + 0x38] & 0xff) | (buf[1024 + 0x39] & 0xff) << 8;
      return String.format("magic 0x%04x", magic);
    } finally {
      LIBC.close(fd);
    }
  }

  private static String getcwd() {
    try {
      return KERNEL.getcwd();
    } catch (ErrnoException e) {
      return e.errnoName();
    }
  }

  private static String errnoOf(int rc) {
    return rc == 0 ? "OK" : rc < 0 ? AttackLibC.lastErrno(LIBC) : "returned " + rc;
  }

  private static void probe(String name, Object value) {
    System.out.println("PROBE " + name + " " + value);
    System.out.flush();
  }
}
