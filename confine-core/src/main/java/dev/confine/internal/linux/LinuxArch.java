package dev.confine.internal.linux;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Syscall numbers and the seccomp architecture value of the two architectures confine supports.
 * x86_64 and aarch64 number their calls differently (aarch64 uses the asm-generic table), so
 * nothing here is shared by assumption; the numbers come from the kernel's uapi headers
 * (asm/unistd_64.h, asm-generic/unistd.h).
 */
public enum LinuxArch {
  X86_64(0xC000003E, 0x40000000,
      Map.ofEntries(
          Map.entry("clone", 56), Map.entry("ptrace", 101), Map.entry("syslog", 103),
          Map.entry("getpid", 39), Map.entry("getppid", 110), Map.entry("uselib", 134), Map.entry("vhangup", 153),
          Map.entry("pivot_root", 155), Map.entry("adjtimex", 159), Map.entry("chroot", 161),
          Map.entry("acct", 163), Map.entry("settimeofday", 164), Map.entry("mount", 165),
          Map.entry("umount2", 166), Map.entry("swapon", 167), Map.entry("swapoff", 168),
          Map.entry("reboot", 169), Map.entry("sethostname", 170), Map.entry("setdomainname", 171),
          Map.entry("iopl", 172), Map.entry("ioperm", 173), Map.entry("init_module", 175),
          Map.entry("delete_module", 176), Map.entry("quotactl", 179), Map.entry("gettid", 186),
          Map.entry("lookup_dcookie", 212), Map.entry("getdents64", 217),
          Map.entry("clock_settime", 227), Map.entry("kexec_load", 246), Map.entry("add_key", 248),
          Map.entry("request_key", 249), Map.entry("keyctl", 250), Map.entry("unshare", 272),
          Map.entry("perf_event_open", 298), Map.entry("fanotify_init", 300),
          Map.entry("name_to_handle_at", 303), Map.entry("open_by_handle_at", 304),
          Map.entry("clock_adjtime", 305), Map.entry("setns", 308),
          Map.entry("process_vm_readv", 310), Map.entry("process_vm_writev", 311),
          Map.entry("finit_module", 313), Map.entry("seccomp", 317),
          Map.entry("kexec_file_load", 320), Map.entry("bpf", 321), Map.entry("userfaultfd", 323),
          Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426),
          Map.entry("io_uring_register", 427), Map.entry("open_tree", 428),
          Map.entry("move_mount", 429), Map.entry("fsopen", 430), Map.entry("fsconfig", 431),
          Map.entry("fsmount", 432), Map.entry("fspick", 433), Map.entry("clone3", 435),
          Map.entry("mount_setattr", 442),
          // Process creation and programs (denyExec), and the calls that reach into another
          // process or the LDT (deny list): checked against syscall_64.tbl, open_tree_attr
          // from Linux 6.15.
          Map.entry("fork", 57), Map.entry("vfork", 58), Map.entry("execve", 59), Map.entry("modify_ldt", 154),
          Map.entry("kcmp", 312), Map.entry("execveat", 322), Map.entry("pidfd_open", 434),
          Map.entry("pidfd_getfd", 438), Map.entry("process_madvise", 440), Map.entry("open_tree_attr", 467),
          // What the FFM binding makes through syscall(2), one call shape for all (asm/unistd_64.h).
          Map.entry("read", 0), Map.entry("close", 3), Map.entry("lseek", 8), Map.entry("getcwd", 79),
          Map.entry("chdir", 80), Map.entry("fchdir", 81), Map.entry("umask", 95), Map.entry("getgroups", 115),
          Map.entry("getresuid", 118), Map.entry("getresgid", 120), Map.entry("capget", 125), Map.entry("capset", 126),
          Map.entry("prctl", 157), Map.entry("lgetxattr", 192), Map.entry("openat", 257), Map.entry("statx", 332),
          // systemd's notify socket, through the FFM binding (asm/unistd_64.h; x86_64 has its own
          // socket calls, not socketcall(2)).
          Map.entry("socket", 41), Map.entry("connect", 42), Map.entry("sendto", 44),
          // The controlling terminal (ioctl: TIOCNOTTY, and the baseline filter's TIOCSTI rule; getsid).
          Map.entry("ioctl", 16), Map.entry("getsid", 124),
          // The verifier's attempt to regain root, made in the calling thread alone.
          Map.entry("setuid", 105), Map.entry("setgid", 106),
          // preflight's look at inherited Unix sockets (SO_DOMAIN, SO_ACCEPTCONN, SO_PEERCRED).
          Map.entry("getsockopt", 55))),
  AARCH64(0xC00000B7, -1,
      Map.ofEntries(
          Map.entry("lookup_dcookie", 18), Map.entry("umount2", 39), Map.entry("mount", 40),
          Map.entry("pivot_root", 41), Map.entry("chroot", 51), Map.entry("vhangup", 58),
          Map.entry("quotactl", 60), Map.entry("getdents64", 61), Map.entry("acct", 89),
          Map.entry("unshare", 97), Map.entry("kexec_load", 104), Map.entry("init_module", 105),
          Map.entry("delete_module", 106), Map.entry("clock_settime", 112), Map.entry("syslog", 116),
          Map.entry("ptrace", 117), Map.entry("reboot", 142), Map.entry("sethostname", 161),
          Map.entry("setdomainname", 162), Map.entry("settimeofday", 170), Map.entry("adjtimex", 171),
          Map.entry("getpid", 172), Map.entry("getppid", 173), Map.entry("gettid", 178), Map.entry("add_key", 217),
          Map.entry("request_key", 218), Map.entry("keyctl", 219), Map.entry("clone", 220),
          Map.entry("swapon", 224), Map.entry("swapoff", 225), Map.entry("perf_event_open", 241),
          Map.entry("fanotify_init", 262), Map.entry("name_to_handle_at", 264),
          Map.entry("open_by_handle_at", 265), Map.entry("clock_adjtime", 266), Map.entry("setns", 268),
          Map.entry("process_vm_readv", 270), Map.entry("process_vm_writev", 271),
          Map.entry("finit_module", 273), Map.entry("seccomp", 277), Map.entry("bpf", 280),
          Map.entry("userfaultfd", 282), Map.entry("kexec_file_load", 294),
          Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426),
          Map.entry("io_uring_register", 427), Map.entry("open_tree", 428),
          Map.entry("move_mount", 429), Map.entry("fsopen", 430), Map.entry("fsconfig", 431),
          Map.entry("fsmount", 432), Map.entry("fspick", 433), Map.entry("clone3", 435),
          Map.entry("mount_setattr", 442),
          // asm-generic has no fork, vfork or modify_ldt: glibc forks with clone there.
          Map.entry("execve", 221), Map.entry("kcmp", 272), Map.entry("execveat", 281),
          Map.entry("pidfd_open", 434), Map.entry("pidfd_getfd", 438), Map.entry("process_madvise", 440),
          Map.entry("open_tree_attr", 467),
          // What the FFM binding makes through syscall(2) (asm-generic/unistd.h; no open(2) there: openat).
          Map.entry("lgetxattr", 9), Map.entry("getcwd", 17), Map.entry("chdir", 49), Map.entry("fchdir", 50),
          Map.entry("openat", 56), Map.entry("close", 57), Map.entry("lseek", 62), Map.entry("read", 63),
          Map.entry("capget", 90), Map.entry("capset", 91), Map.entry("getresuid", 148), Map.entry("getresgid", 150),
          Map.entry("getgroups", 158), Map.entry("umask", 166), Map.entry("prctl", 167), Map.entry("statx", 291),
          // systemd's notify socket, through the FFM binding (asm-generic/unistd.h).
          Map.entry("socket", 198), Map.entry("connect", 203), Map.entry("sendto", 206),
          // The controlling terminal (ioctl: TIOCNOTTY, and the baseline filter's TIOCSTI rule; getsid).
          Map.entry("ioctl", 29), Map.entry("getsid", 156),
          Map.entry("setgid", 144), Map.entry("setuid", 146),
          Map.entry("getsockopt", 209)));

  /** The AUDIT_ARCH_* value the kernel puts in seccomp_data.arch for this ABI. */
  public final int auditArch;
  /**
   * __X32_SYSCALL_BIT on x86_64: x32 calls arrive with the same AUDIT_ARCH_X86_64 but with
   * nr | 0x40000000, so a filter comparing nr alone would let "x32 mount" through. -1 if none.
   */
  public final int x32Bit;

  private final Map<String, Integer> numbers;

  LinuxArch(int auditArch, int x32Bit, Map<String, Integer> numbers) {
    this.auditArch = auditArch;
    this.x32Bit = x32Bit;
    this.numbers = numbers;
  }

  public int number(String syscall) {
    Integer n = numbers.get(syscall);
    if (n == null) {
      throw new IllegalArgumentException("no syscall number for " + syscall + " on " + this);
    }
    return n;
  }

  public boolean knows(String syscall) {
    return numbers.containsKey(syscall);
  }

  /** Every name this table carries. */
  public java.util.Set<String> names() {
    return numbers.keySet();
  }

  /** The architecture of this JVM; empty where confine has no table (refuse rather than guess). */
  public static Optional<LinuxArch> current() {
    switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
        return Optional.of(X86_64);
      case "aarch64":
      case "arm64":
        return Optional.of(AARCH64);
      default:
        return Optional.empty();
    }
  }
}
