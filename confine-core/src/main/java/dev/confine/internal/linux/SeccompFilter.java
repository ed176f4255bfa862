package dev.confine.internal.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Classic-BPF seccomp programs, as arrays of {@code struct sock_filter} packed into longs
 * (code | jt << 16 | jf << 24 | k << 32, little-endian as the kernel reads them).
 *
 * <p>{@link #allowAll()} refuses nothing: installed with TSYNC it only carries no_new_privs to every
 * thread. {@link #denyList} refuses the named calls with EPERM. A list keyed by syscall number is
 * sound only if every way of naming a call is covered: a foreign AUDIT_ARCH (i386 through int 0x80
 * on x86_64, arm32 compat on aarch64) kills the process, because the numbers mean other calls
 * there; x32 calls (nr | 0x40000000) are refused as a block; clone(2) with a namespace flag is
 * refused by argument; clone3(2) gets ENOSYS, as its flags sit behind a pointer BPF cannot read,
 * and glibc then falls back to clone(2).
 */
public final class SeccompFilter {
  /** The calls a confined Java server never needs: mounts, namespaces, modules, kexec, keyrings, bpf, ... */
  public static final List<String> DEFAULT_DENY_LIST =
      List.of(
          "ptrace", "process_vm_readv", "process_vm_writev",
          "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
          "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
          "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
          "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
          "open_by_handle_at", "name_to_handle_at", "fanotify_init", "lookup_dcookie",
          "swapon", "swapoff", "reboot", "acct", "quotactl", "vhangup", "syslog",
          "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
          "sethostname", "setdomainname", "iopl", "ioperm", "uselib",
          // io_uring runs operations without passing them through seccomp
          "io_uring_setup", "io_uring_enter", "io_uring_register",
          // another process's descriptors, memory or state: pidfd_getfd takes a directory
          // descriptor from a process of the same uid outside the jail
          "pidfd_getfd", "kcmp", "process_madvise",
          // open_tree with mount attributes (6.15): the mount API's newest door
          "open_tree_attr",
          // the x86 LDT: a long-standing kernel attack surface no Java program uses
          "modify_ldt");

  /** An entry of the baseline that refuses ioctl(2) with this request on any descriptor. */
  public static final String IOCTL_TIOCSTI = "ioctl:TIOCSTI";
  /** An entry of the baseline: the virtual console's TIOCLINUX (selection paste, the same push as TIOCSTI). */
  public static final String IOCTL_TIOCLINUX = "ioctl:TIOCLINUX";
  /** An entry of the baseline: clone(2) with any CLONE_NEW* flag (clone3 always gets ENOSYS). */
  public static final String CLONE_NAMESPACES = "clone:namespaces";

  /** TIOCSTI and TIOCLINUX (asm-generic/ioctls.h; the same on x86_64 and aarch64). */
  static final int TIOCSTI = 0x5412;
  static final int TIOCLINUX = 0x541C;

  /**
   * The baseline filter, installed by default in every thread (TSYNC) whatever else the policy
   * says: what a confined JVM server never needs and what a process of the target uid would use to
   * reach past the uid change. {@link #DEFAULT_DENY_LIST} without the io_uring calls (Netty's
   * io_uring transport makes them; what io_uring does is bounded by the uid and the root like any
   * other call), plus TIOCSTI and TIOCLINUX by argument (bubblewrap's and Docker's rule: a
   * process on a root shell's terminal could push a command into it) and clone(2) with a
   * namespace flag. The session keyring stays possessed across setresuid: keyctl, add_key and
   * request_key are what reach root's keys. docs/../SECURITY.md gives the reason for each entry.
   */
  public static final List<String> BASELINE = baseline();

  private static List<String> baseline() {
    List<String> entries = new ArrayList<>();
    for (String name : DEFAULT_DENY_LIST) {
      if (!name.startsWith("io_uring_")) {
        entries.add(name);
      }
    }
    entries.add(IOCTL_TIOCSTI);
    entries.add(IOCTL_TIOCLINUX);
    entries.add(CLONE_NAMESPACES);
    return List.copyOf(entries);
  }

  /** What {@link #denyExec} refuses outright; clone and clone3 are judged by their flags. */
  public static final List<String> EXEC_CALLS = List.of("execve", "execveat", "fork", "vfork");

  /** clone(2)'s CLONE_THREAD: set for a thread, never for a process. */
  static final int CLONE_THREAD = 0x00010000;

  private static final int LD_W_ABS = 0x20;
  private static final int JEQ_K = 0x15;
  private static final int JGE_K = 0x35;
  private static final int JSET_K = 0x45;
  private static final int RET_K = 0x06;

  static final int RET_KILL_PROCESS = 0x80000000;
  static final int RET_ERRNO = 0x00050000;
  static final int RET_ALLOW = 0x7fff0000;

  // struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
  private static final int OFF_NR = 0;
  private static final int OFF_ARCH = 4;
  private static final int OFF_ARG0_LOW = 16;
  private static final int OFF_ARG1_LOW = 24;

  /** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET (CLONE_NEWTIME is clone3-only). */
  static final int CLONE_NAMESPACE_FLAGS =
      0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

  private SeccompFilter() {}

  /** One instruction, "allow": the filter that carries no_new_privs and nothing else. */
  public static long[] allowAll() {
    return new long[] {insn(RET_K, 0, 0, RET_ALLOW)};
  }

  /**
   * Refuses {@code syscalls} with EPERM on {@code arch}, as described above.
   *
   * @throws IllegalArgumentException if a name has no number on this architecture: skipping it
   *     would leave a hole the caller believes closed
   */
  public static long[] denyList(LinuxArch arch, List<String> syscalls) {
    List<String> entries = new ArrayList<>(syscalls);
    entries.add(CLONE_NAMESPACES); // denySyscalls() has always refused a namespace by clone(2) too
    return program(arch, entries);
  }

  /**
   * The baseline filter without the entries {@code taken out} (each an entry of {@link #BASELINE}).
   *
   * @throws IllegalArgumentException if an entry taken out is not in the baseline
   */
  public static long[] baseline(LinuxArch arch, List<String> takenOut) {
    for (String entry : takenOut) {
      if (!BASELINE.contains(entry)) {
        throw new IllegalArgumentException("not an entry of the baseline filter: \"" + entry + "\"");
      }
    }
    List<String> entries = new ArrayList<>(BASELINE);
    entries.removeAll(takenOut);
    return program(arch, entries);
  }

  /**
   * Refuses with EPERM the syscalls named in {@code entries}, and by argument: ioctl(2) with
   * TIOCSTI or TIOCLINUX (the request is an unsigned int: only the low word of the argument is
   * compared, as the kernel reads it, so high bits set by a caller change nothing), and clone(2)
   * with a namespace flag. clone3 gets ENOSYS. A name with no number on this architecture but on
   * another (iopl on aarch64) needs no refusal here.
   */
  private static long[] program(LinuxArch arch, List<String> entries) {
    Asm a = prologue(arch);
    for (String name : entries) {
      if (name.equals(CLONE_NAMESPACES) || name.equals(IOCTL_TIOCSTI) || name.equals(IOCTL_TIOCLINUX)
          || name.equals("clone") || name.equals("clone3")) {
        continue; // by argument, below
      }
      if (!arch.knows(name) && isKnown(name)) {
        continue; // iopl, ioperm, uselib: x86 only; a call that does not exist here needs no refusal
      }
      a.jeq(arch.number(name), "deny", null);
    }
    boolean tiocsti = entries.contains(IOCTL_TIOCSTI);
    boolean tioclinux = entries.contains(IOCTL_TIOCLINUX);
    if (tiocsti || tioclinux) {
      a.jeq(arch.number("ioctl"), "ioctl", null);
    }
    cloneByArgument(a, arch);
    if (entries.contains(CLONE_NAMESPACES)) {
      a.jset(CLONE_NAMESPACE_FLAGS, "clone-deny", null); // "deny" lies behind: BPF jumps only forward
    }
    a.ret(RET_ALLOW);
    a.label("clone-deny");
    a.ret(RET_ERRNO | Errno.EPERM);
    if (tiocsti || tioclinux) {
      a.label("ioctl");
      a.ld(OFF_ARG1_LOW);
      if (tiocsti) {
        a.jeq(TIOCSTI, "ioctl-deny", null);
      }
      if (tioclinux) {
        a.jeq(TIOCLINUX, "ioctl-deny", null);
      }
      a.ret(RET_ALLOW);
      a.label("ioctl-deny");
      a.ret(RET_ERRNO | Errno.EPERM);
    }
    a.label("kill");
    a.ret(RET_KILL_PROCESS);
    return a.assemble();
  }

  /**
   * Refuses, with EPERM, every way to run a program or make a process on {@code arch}: execve,
   * execveat, fork and vfork (x86_64 only; aarch64 forks through clone), and clone(2) without
   * CLONE_THREAD; clone3(2) gets ENOSYS, as its flags lie behind a pointer, and glibc then falls
   * back to clone(2), where a thread passes and a process does not. A foreign AUDIT_ARCH kills the
   * process and x32 calls are refused as a block, as in {@link #denyList}.
   */
  public static long[] denyExec(LinuxArch arch) {
    Asm a = prologue(arch);
    for (String name : EXEC_CALLS) {
      if (arch.knows(name)) {
        a.jeq(arch.number(name), "deny", null);
      }
    }
    cloneByArgument(a, arch);
    a.jset(CLONE_THREAD, "clone-thread", null);
    a.ret(RET_ERRNO | Errno.EPERM);
    a.label("clone-thread");
    a.ret(RET_ALLOW);
    a.label("kill");
    a.ret(RET_KILL_PROCESS);
    return a.assemble();
  }

  /**
   * The start both filters share: a foreign AUDIT_ARCH jumps to "kill" (a 32-bit call on a 64-bit
   * kernel has other numbers), then the call number is loaded and x32 calls go to "deny" as a block.
   */
  private static Asm prologue(LinuxArch arch) {
    Asm a = new Asm();
    a.ld(OFF_ARCH);
    a.jeq(arch.auditArch, null, "kill");
    a.ld(OFF_NR);
    if (arch.x32Bit > 0) {
      a.jge(arch.x32Bit, "deny", null);
    }
    return a;
  }

  /**
   * After the list: clone3 gets ENOSYS (its flags lie behind a pointer, and glibc falls back to
   * clone), every other call is allowed, "deny" answers EPERM; clone jumps to "clone" with its
   * flags loaded, where the caller decides by them.
   */
  private static void cloneByArgument(Asm a, LinuxArch arch) {
    a.jeq(arch.number("clone3"), "enosys", null);
    a.jeq(arch.number("clone"), "clone", null);
    a.ret(RET_ALLOW);
    a.label("deny");
    a.ret(RET_ERRNO | Errno.EPERM);
    a.label("enosys");
    a.ret(RET_ERRNO | Errno.ENOSYS);
    a.label("clone");
    a.ld(OFF_ARG0_LOW);
  }

  /**
   * Calls confine's tables carry that a policy may not deny: apply()'s verification makes them to
   * show that root cannot be regained, which a filter refusing them would answer in the kernel's
   * place; and after the drop, with no CAP_SETUID or CAP_SETGID kept (none can be), the kernel
   * refuses them already.
   */
  public static final java.util.Set<String> NOT_DENIABLE = java.util.Set.of("setuid", "setgid");

  /** True if the name is a syscall on at least one architecture confine supports. */
  public static boolean isKnown(String name) {
    for (LinuxArch arch : LinuxArch.values()) {
      if (arch.knows(name)) {
        return true;
      }
    }
    return false;
  }

  static long insn(int code, int jt, int jf, int k) {
    return (code & 0xffffL) | ((jt & 0xffL) << 16) | ((jf & 0xffL) << 24) | ((k & 0xffffffffL) << 32);
  }

  /** One line per instruction, for reports and tests. */
  public static String disassemble(long[] program) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < program.length; i++) {
      long x = program[i];
      out.append(String.format("%3d: code=0x%02x jt=%d jf=%d k=0x%08x%n", i, x & 0xffff, (x >>> 16) & 0xff, (x >>> 24) & 0xff, x >>> 32));
    }
    return out.toString();
  }

  /** Forward-only labels: BPF jumps only forward, by at most 255 instructions. */
  private static final class Asm {
    private final List<int[]> code = new ArrayList<>();
    private final List<String[]> targets = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    void ld(int offset) {
      add(LD_W_ABS, offset, null, null);
    }

    void ret(int k) {
      add(RET_K, k, null, null);
    }

    void jeq(int k, String t, String f) {
      add(JEQ_K, k, t, f);
    }

    void jge(int k, String t, String f) {
      add(JGE_K, k, t, f);
    }

    void jset(int k, String t, String f) {
      add(JSET_K, k, t, f);
    }

    void label(String label) {
      labels.put(label, code.size());
    }

    private void add(int op, int k, String t, String f) {
      code.add(new int[] {op, k});
      targets.add(new String[] {t, f});
    }

    long[] assemble() {
      long[] out = new long[code.size()];
      for (int i = 0; i < out.length; i++) {
        int[] c = code.get(i);
        out[i] = insn(c[0], offset(i, targets.get(i)[0]), offset(i, targets.get(i)[1]), c[1]);
      }
      return out;
    }

    private int offset(int at, String label) {
      if (label == null) {
        return 0;
      }
      int d = labels.get(label) - at - 1;
      if (d < 0 || d > 255) {
        throw new IllegalStateException("BPF jump out of range: " + label + " from " + at);
      }
      return d;
    }
  }
}
