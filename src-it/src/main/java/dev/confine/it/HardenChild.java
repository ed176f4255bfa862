package dev.confine.it;

import dev.confine.Capability;
import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.SyslogFacility;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.linux.LinuxArch;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A child JVM that confines itself with the hardening options, then reports what it can do, one
 * "PROBE name value" line each, and waits for "exit" on stdin.
 *
 * <p>Arguments: root uid gid, then any of: --keep (NET_BIND_SERVICE), --allow-new-privileges,
 * --deny, --churn=N (N threads creating short-lived threads during apply()), --bind=PORT (bind on
 * the calling thread and on a thread started before apply()), --exec=PATH (run a program in the
 * jail), --allow-setuid=RELATIVE, --syslog=IDENT (openSyslogFirst with LOCAL3; without it, the
 * message goes through plain syslog(3)), --message=TEXT, --keep-raw (NET_RAW), --raw-socket (open
 * socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) on the calling thread and on the pre-existing one),
 * --syscalls (call each of {@link #PROBED} through syscall(2) as root before apply(), then after
 * it from the calling thread, the pre-existing thread and a thread started after apply()),
 * --open-dir (after apply(), open the jail's "/" as a directory and keep it: the parent's check
 * for directory descriptors must see it), --deny-exec (denyExec()), --exec-everywhere=PATH (after
 * apply(), start PATH from the calling thread, the pre-existing one and a new one, and start a
 * thread: "PROBE exec-WHERE exit N" or "FAILED message", "PROBE thread-start OK").
 */
public final class HardenChild {
  /**
   * The calls the deny-list test makes, with arguments chosen so that, without the filter, the
   * kernel fails them for a reason of its own that is not EPERM (a missing path, a bad descriptor,
   * no such process, an unknown command), even for root; so an EPERM can only come from the
   * filter. pivot_root is the exception: the kernel checks CAP_SYS_ADMIN before it looks at its
   * arguments, so without the capability it is EPERM either way.
   */
  static final List<String> PROBED =
      List.of("mount", "umount2", "unshare", "ptrace", "chroot", "bpf", "keyctl", "pivot_root", "setns", "io_uring_setup", "clone", "clone3",
          "pidfd_getfd", "kcmp", "process_madvise", "open_tree_attr", "modify_ldt");

  private static final String MISSING = "/confine-no-such-directory";

  private HardenChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementPolicy.Builder builder =
        Confinement.builder().root(Path.of(args[0])).user(Long.parseLong(args[1])).group(Long.parseLong(args[2]));
    boolean rawSocket = false;
    boolean syscalls = false;
    boolean openDir = false;
    int churn = 0;
    int port = -1;
    String exec = null;
    String execEverywhere = null;
    String syslogIdent = null;
    String message = "hello from the jail";
    for (int i = 3; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--keep")) {
        builder.keepCapabilities(Capability.NET_BIND_SERVICE);
      } else if (a.equals("--keep-raw")) {
        builder.keepCapabilities(Capability.NET_RAW);
      } else if (a.equals("--raw-socket")) {
        rawSocket = true;
      } else if (a.equals("--syscalls")) {
        syscalls = true;
      } else if (a.equals("--open-dir")) {
        openDir = true;
      } else if (a.equals("--allow-new-privileges")) {
        builder.allowNewPrivileges();
      } else if (a.equals("--deny")) {
        builder.denySyscalls();
      } else if (a.equals("--no-baseline")) {
        builder.noBaselineFilter();
      } else if (a.equals("--deny-exec")) {
        builder.denyExec();
      } else if (a.startsWith("--exec-everywhere=")) {
        execEverywhere = a.substring(18);
      } else if (a.startsWith("--churn=")) {
        churn = Integer.parseInt(a.substring(8));
      } else if (a.startsWith("--bind=")) {
        port = Integer.parseInt(a.substring(7));
      } else if (a.startsWith("--exec=")) {
        exec = a.substring(7);
      } else if (a.startsWith("--allow-setuid=")) {
        builder.allowSetuidFiles(a.substring(15));
      } else if (a.startsWith("--syslog=")) {
        syslogIdent = a.substring(9);
      } else if (a.startsWith("--message=")) {
        message = a.substring(10);
      } else {
        throw new IllegalArgumentException(a);
      }
    }
    if (syslogIdent != null) {
      builder.openSyslogFirst(syslogIdent, SyslogFacility.LOCAL3);
    }

    // A thread that exists before apply(): the bind attempt from a "pre-existing" thread.
    SynchronousQueue<Runnable> work = new SynchronousQueue<>();
    Thread other =
        new Thread(
            () -> {
              try {
                while (true) {
                  work.take().run();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "pre-existing");
    other.setDaemon(true);
    other.start();
    // Loaded before chroot: after it, no class the JDK has not loaded yet is guaranteed to load.
    Class.forName("java.lang.ProcessBuilder");
    Class.forName("java.lang.ProcessImpl");
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    // Bound before chroot: jnr-ffi loads libc by path.
    AttackLibC libc = rawSocket || syscalls || openDir ? AttackLibC.load() : null;
    Probes probes = syscalls ? new Probes(libc) : null;
    if (syscalls) {
      probes.runAll("root").forEach(System.out::println);
    }

    ChildSide.ThreadChurn churners = churn > 0 ? new ChildSide.ThreadChurn(churn, "churn-") : null;
    long before = churners == null ? 0 : churners.born();

    ConfinementReport report = builder.build().apply();
    long during = churners == null ? 0 : churners.born() - before;
    System.out.println("CONFINED " + report.summary());
    for (String line : report.toString().split("\n")) {
      System.out.println("REPORT " + line);
    }
    for (String line : report.verifications()) {
      System.out.println("REPORT verified " + line);
    }
    if (churn > 0) {
      Thread.sleep(300); // churn on after the drop too: new threads must come out dropped
      churners.stop();
      System.out.println("PROBE churn-threads-started " + (churners.born() - before) + " (during apply " + during + ")");
    }
    if (port >= 0) {
      final int p = port;
      System.out.println("PROBE bind-caller " + bind(p));
      CompletableFuture<String> fromOther = new CompletableFuture<>();
      work.put(() -> fromOther.complete(bind(p)));
      System.out.println("PROBE bind-other " + fromOther.get(30, TimeUnit.SECONDS));
    }
    if (rawSocket) {
      System.out.println("PROBE raw-caller " + rawSocket(libc));
      CompletableFuture<String> fromOther = new CompletableFuture<>();
      work.put(() -> fromOther.complete(rawSocket(libc)));
      System.out.println("PROBE raw-other " + fromOther.get(30, TimeUnit.SECONDS));
    }
    if (syscalls) {
      probes.runAll("caller").forEach(System.out::println);
      CompletableFuture<List<String>> fromOther = new CompletableFuture<>();
      work.put(() -> fromOther.complete(probes.runAll("preexisting")));
      fromOther.get(30, TimeUnit.SECONDS).forEach(System.out::println);
      CompletableFuture<List<String>> fromNew = new CompletableFuture<>();
      Thread after = new Thread(() -> fromNew.complete(probes.runAll("new")), "started-after-apply");
      after.start();
      fromNew.get(30, TimeUnit.SECONDS).forEach(System.out::println);
      after.join();
    }
    if (openDir) {
      int fd = libc.open("/", jnr.constants.platform.OpenFlags.O_RDONLY.intValue() | jnr.constants.platform.OpenFlags.O_DIRECTORY.intValue());
      System.out.println("PROBE opened-dir " + (fd >= 0 ? fd : "FAILED " + AttackLibC.lastErrno(libc)));
    }
    if (execEverywhere != null) {
      final String program = execEverywhere;
      System.out.println("PROBE exec-caller " + run(program));
      CompletableFuture<String> fromOther = new CompletableFuture<>();
      work.put(() -> fromOther.complete(run(program)));
      System.out.println("PROBE exec-preexisting " + fromOther.get(30, TimeUnit.SECONDS));
      CompletableFuture<String> fromNew = new CompletableFuture<>();
      Thread after = new Thread(() -> fromNew.complete(run(program)), "started-after-apply");
      after.start();
      System.out.println("PROBE exec-new " + fromNew.get(30, TimeUnit.SECONDS));
      after.join();
      System.out.println("PROBE thread-start " + (after.getState() == Thread.State.TERMINATED ? "OK" : after.getState()));
    }
    if (exec != null) {
      Process process = new ProcessBuilder(exec).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      System.out.println("PROBE exec-status " + process.waitFor());
      System.out.println("PROBE exec " + out.replace('\n', ' '));
    }
    if (syslogIdent != null) {
      report.syslog().orElseThrow().warning(message);
      System.out.println("PROBE syslog-sent handle");
    } else if (!message.equals("hello from the jail")) {
      NativeKernel.get().syslog((19 << 3) | 4, message); // LOCAL3.WARNING, with no openlog before chroot
      System.out.println("PROBE syslog-sent plain");
    }
    ChildSide.readyThenAwaitExit();
  }

  /** Starts the program and waits: "exit N", or "FAILED" and the IOException's message. */
  private static String run(String program) {
    try {
      Process process = new ProcessBuilder(program).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return "exit " + process.waitFor();
    } catch (IOException e) {
      return "FAILED " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "FAILED interrupted";
    }
  }

  /** socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) on this thread: "OK" (and closed) or "FAILED errno". */
  private static String rawSocket(AttackLibC libc) {
    int fd = libc.socket(2, 3, 1);
    if (fd < 0) {
      return "FAILED " + AttackLibC.lastErrno(libc);
    }
    libc.close(fd);
    return "OK";
  }

  /** The PROBED calls through syscall(2), each reported as "PROBE sys-NAME-WHERE result [errno]". */
  private static final class Probes {
    private final AttackLibC libc;
    private final LinuxArch arch = LinuxArch.current().orElseThrow();
    private final Pointer missing;
    private final Pointer none;
    private final Pointer tmpfs;

    Probes(AttackLibC libc) {
      this.libc = libc;
      Runtime runtime = Runtime.getRuntime(libc);
      missing = string(runtime, MISSING);
      none = string(runtime, "none");
      tmpfs = string(runtime, "tmpfs");
    }

    private static Pointer string(Runtime runtime, String value) {
      Pointer p = Memory.allocateDirect(runtime, value.length() + 1);
      p.putString(0, value, value.length() + 1, StandardCharsets.US_ASCII);
      return p;
    }

    /** Arguments of each call: see PROBED for why these. */
    private long[] arguments(String name) {
      switch (name) {
        case "mount": return new long[] {none.address(), missing.address(), tmpfs.address(), 0, 0}; // ENOENT: target looked up first
        case "umount2": return new long[] {missing.address(), 0, 0, 0, 0}; // ENOENT
        case "unshare": return new long[] {0x10000000L, 0, 0, 0, 0}; // CLONE_NEWUSER: EINVAL in a multithreaded process
        case "ptrace": return new long[] {16, 0x3fff_fff0L, 0, 0, 0}; // PTRACE_ATTACH to no such pid: ESRCH
        case "chroot": return new long[] {missing.address(), 0, 0, 0, 0}; // ENOENT
        case "bpf": return new long[] {9999, 0, 0, 0, 0}; // no such command: EINVAL
        case "keyctl": return new long[] {9999, 0, 0, 0, 0}; // no such operation: EOPNOTSUPP (95, which jnr-constants calls ENOTSUP)
        case "pivot_root": return new long[] {missing.address(), missing.address(), 0, 0, 0}; // EPERM without CAP_SYS_ADMIN
        case "setns": return new long[] {-1, 0, 0, 0, 0}; // EBADF
        case "io_uring_setup": return new long[] {1, 0, 0, 0, 0}; // params NULL: EFAULT
        // CLONE_NEWNS|CLONE_FS is refused (EINVAL) at the top of copy_process, before anything is
        // created: no process is ever forked here, with or without the filter.
        case "clone": return new long[] {0x00020000L | 0x00000200L, 0, 0, 0, 0};
        case "clone3": return new long[] {0, 0, 0, 0, 0}; // args NULL, size 0: EINVAL (the filter: ENOSYS)
        case "pidfd_getfd": return new long[] {-1, 0, 0, 0, 0}; // no such pidfd: EBADF
        case "kcmp": return new long[] {0x3fff_fff0L, 0x3fff_fff0L, 0, 0, 0}; // no such pids: ESRCH
        case "process_madvise": return new long[] {-1, 0, 0, 0, 0}; // no such pidfd: EBADF
        case "open_tree_attr": return new long[] {-100, missing.address(), 0, 0, 0}; // AT_FDCWD, a missing path: ENOENT
        // write, bytecount 0: EINVAL, which modify_ldt returns as an unsigned 32-bit value that
        // glibc's syscall() does not take for an error (4294967274, no errno)
        case "modify_ldt": return new long[] {1, 0, 0, 0, 0};
        default: throw new IllegalArgumentException(name);
      }
    }

    List<String> runAll(String where) {
      List<String> lines = new ArrayList<>();
      for (String name : PROBED) {
        if (!arch.knows(name)) {
          continue; // modify_ldt: x86 only
        }
        long[] a = arguments(name);
        long result = libc.syscall(arch.number(name), a[0], a[1], a[2], a[3], a[4], 0);
        String errno = result < 0 ? " " + AttackLibC.lastErrno(libc) : "";
        lines.add("PROBE sys-" + name + "-" + where + " " + result + errno);
      }
      return lines;
    }
  }

  private static String bind(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return "OK";
    } catch (IOException e) {
      return "FAILED " + e.getMessage();
    }
  }
}
