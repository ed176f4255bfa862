package dev.confine.it;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.linux.LinuxArch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A child JVM that makes one system call of confine's sequence fail for real (issue 26): as root,
 * before apply(), it installs with TSYNC a seccomp filter that returns {@code errno} for that call
 * (optionally only when one argument's low 32 bits equal a value) and allows everything else; then
 * it calls the default policy's apply(). The parent judges, from /proc, whether the outcome failed
 * closed: refused with the process as it was, or halted.
 *
 * <p>Arguments: {@code jail cwd syscall errno [argIndex argValue]}: the process first chdirs to
 * {@code cwd} (a directory outside the jail) so that a working directory moved and not put back
 * shows in /proc/PID/cwd. With {@code control cwd} instead, it installs the filter for chdir with
 * EIO and only tries chdir("/"): it never confines (the control shows the filter acts).
 *
 * <p>It prints "PROBE name value" lines, then "READY", and waits for "exit".
 */
public final class FaultChild {
  private static final Kernel KERNEL = NativeKernel.get();

  // struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
  private static final int OFF_NR = 0;
  private static final int OFF_ARCH = 4;
  private static final int OFF_ARGS = 16;
  private static final int LD_W_ABS = 0x20;
  private static final int JEQ_K = 0x15;
  private static final int RET_K = 0x06;
  private static final int RET_ERRNO = 0x00050000;
  private static final int RET_ALLOW = 0x7fff0000;

  /**
   * The set*id calls confine makes through glibc, which LinuxArch does not list (it lists what the
   * FFM binding makes through syscall(2)): asm/unistd_64.h and asm-generic/unistd.h.
   */
  private static final Map<LinuxArch, Map<String, Integer>> MISSING =
      Map.of(
          LinuxArch.X86_64, Map.of("setgroups", 116, "setresuid", 117, "setresgid", 119),
          LinuxArch.AARCH64, Map.of("setgroups", 159, "setresuid", 147, "setresgid", 149));

  private FaultChild() {}

  public static void main(String[] args) throws Exception {
    LinuxArch arch = LinuxArch.current().orElseThrow();
    if (args[0].equals("control")) {
      KERNEL.chdir(args[1]);
      KERNEL.installSeccompFilterOnAllThreads(program(arch, number(arch, "chdir"), errno("EIO"), -1, 0));
      try {
        KERNEL.chdir("/");
        probe("control-chdir", "ok");
      } catch (ErrnoException e) {
        probe("control-chdir", e.errnoName());
      }
      probe("control-cwd", KERNEL.getcwd());
      ChildSide.readyThenAwaitExit();
      return;
    }
    String jail = args[0];
    String cwd = args[1];
    int nr = number(arch, args[2]);
    int errno = errno(args[3]);
    int argIndex = args.length > 5 ? Integer.parseInt(args[4]) : -1;
    int argValue = args.length > 5 ? Integer.decode(args[5]) : 0;

    // One more thread, idle: the outcome must hold for every thread, not only the caller.
    Thread idle =
        new Thread(
            () -> {
              try {
                Thread.sleep(Long.MAX_VALUE);
              } catch (InterruptedException e) {
                // ends with the process
              }
            },
            "fault-idle");
    idle.setDaemon(true);
    idle.start();
    KERNEL.chdir(cwd);
    probe("cwd-before", KERNEL.getcwd());
    // Root has CAP_SYS_ADMIN: the filter needs no no_new_privs, so none is set that the
    // sequence would otherwise have set itself.
    KERNEL.installSeccompFilterOnAllThreads(program(arch, nr, errno, argIndex, argValue));
    probe("filter", args[2] + (argIndex >= 0 ? " args[" + argIndex + "]=" + args[5] : "") + " -> " + args[3]);
    try {
      Confinement.builder().root(jail).user(65534).group(65534).build().apply();
      probe("apply", "ok");
    } catch (ConfinementException e) {
      probe("apply", e.getClass().getSimpleName() + " past=" + e.pastPointOfNoReturn() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
    // Proves that the daemon's own code ran after apply() returned, whatever it returned.
    probe("after-apply-ran", "yes");
    ChildSide.readyThenAwaitExit();
  }

  /** Whether this child can name {@code syscall} on {@code arch} (the IT skips a case it cannot). */
  static boolean knows(LinuxArch arch, String syscall) {
    return arch.knows(syscall) || MISSING.get(arch).containsKey(syscall);
  }

  static int number(LinuxArch arch, String syscall) {
    if (arch.knows(syscall)) {
      return arch.number(syscall);
    }
    Integer n = MISSING.get(arch).get(syscall);
    if (n == null) {
      throw new IllegalArgumentException("no syscall number for " + syscall + " on " + arch);
    }
    return n;
  }

  static int errno(String name) {
    return jnr.constants.platform.Errno.valueOf(name).intValue();
  }

  /**
   * errno for {@code nr} on this architecture (with {@code argIndex} >= 0: only when that
   * argument's low 32 bits are {@code argValue}), allow for everything else, a foreign
   * architecture included: this filter tests confine, it does not guard anything.
   */
  static long[] program(LinuxArch arch, int nr, int errno, int argIndex, int argValue) {
    return programReturning(arch, nr, RET_ERRNO | (errno & 0xffff), argIndex, argValue);
  }

  /** As {@link #program}, returning {@code action} (a SECCOMP_RET_ value) for the chosen call. */
  static long[] programReturning(LinuxArch arch, int nr, int action, int argIndex, int argValue) {
    List<Long> p = new ArrayList<>();
    // Jump offsets are counted to the last instruction (allow), filled in once the length is known.
    p.add(insn(LD_W_ABS, 0, 0, OFF_ARCH));
    int archJump = p.size();
    p.add(0L);
    p.add(insn(LD_W_ABS, 0, 0, OFF_NR));
    int nrJump = p.size();
    p.add(0L);
    int argJump = -1;
    if (argIndex >= 0) {
      // Little-endian (x86_64, aarch64): the low half of args[i] comes first.
      p.add(insn(LD_W_ABS, 0, 0, OFF_ARGS + 8 * argIndex));
      argJump = p.size();
      p.add(0L);
    }
    p.add(insn(RET_K, 0, 0, action));
    int allow = p.size();
    p.add(insn(RET_K, 0, 0, RET_ALLOW));
    p.set(archJump, insn(JEQ_K, 0, allow - archJump - 1, arch.auditArch));
    p.set(nrJump, insn(JEQ_K, 0, allow - nrJump - 1, nr));
    if (argJump >= 0) {
      p.set(argJump, insn(JEQ_K, 0, allow - argJump - 1, argValue));
    }
    long[] program = new long[p.size()];
    for (int i = 0; i < program.length; i++) {
      program[i] = p.get(i);
    }
    return program;
  }

  /** struct sock_filter packed as SeccompFilter packs it: code | jt << 16 | jf << 24 | k << 32. */
  private static long insn(int code, int jt, int jf, int k) {
    return (code & 0xffffL) | ((long) (jt & 0xff) << 16) | ((long) (jf & 0xff) << 24) | ((k & 0xffffffffL) << 32);
  }

  static void probe(String name, Object value) {
    System.out.println("PROBE " + name + " " + value);
    System.out.flush();
  }
}
