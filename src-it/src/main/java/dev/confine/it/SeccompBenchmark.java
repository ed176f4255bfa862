package dev.confine.it;

import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Function;
import com.kenai.jffi.HeapInvocationBuffer;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.linux.LinuxArch;
import dev.confine.internal.linux.SeccompFilter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Prints what the seccomp filter costs per system call: getppid(2) in a loop, before and after
 * installing the filter, in a fresh child JVM per mode (none; allow-all: the filter that only
 * carries no_new_privs, what every policy installed before the baseline; default: the baseline
 * filter and then allow-all, what the default policy installs now; deny: the default deny list),
 * and the same from C with the exact program (one filter: allow-all, deny).
 * A program, not a timed test. Run as any user (no_new_privs needs no privilege), after
 * {@code mvn -B -q package -DskipTests}:
 *
 * <pre>
 * java -cp "src-it/target/confine-it-children.jar:$(cat src-it/target/child-classpath.txt)" dev.confine.it.SeccompBenchmark
 * </pre>
 *
 * The parent never installs a filter; each child does, on itself, and exits.
 */
public final class SeccompBenchmark {
  private static final long CALLS = 5_000_000;
  private static final int REPEATS = 3;

  private SeccompBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(args[1]);
      return;
    }
    LinuxArch arch = LinuxArch.current().orElseThrow();
    long[] deny = SeccompFilter.denyList(arch, SeccompFilter.DEFAULT_DENY_LIST);
    System.out.println("java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cpus, "
        + CALLS + " getppid calls per round, best of 5 rounds; deny list " + deny.length + " BPF instructions");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    System.out.println("baseline filter " + SeccompFilter.baseline(arch, List.of()).length + " BPF instructions");
    for (String mode : List.of("none", "allow", "default", "deny")) {
      for (int r = 0; r < REPEATS; r++) {
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SeccompBenchmark.class.getName(), "child", mode)
            .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          out.lines().forEach(System.out::println);
        }
        p.waitFor();
      }
    }
    c(deny);
  }

  private static void c(long[] deny) throws Exception {
    Path dir = Files.createTempDirectory("seccomp-bench");
    Path source = dir.resolve("bench.c");
    Files.writeString(source, String.join("\n",
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "#include <time.h>",
        "#include <unistd.h>",
        "#include <sys/prctl.h>",
        "#include <sys/syscall.h>",
        "#include <linux/filter.h>",
        "#include <linux/seccomp.h>",
        "static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }",
        "static double run(long n) { double best = 1e18; for (int r = 0; r < 5; r++) { double t0 = now();",
        "  for (long i = 0; i < n; i++) syscall(SYS_getppid); double d = (now() - t0) / n; if (d < best) best = d; } return best; }",
        "int main(int argc, char **argv) { static struct sock_filter insns[4096]; FILE *f = fopen(argv[1], \"rb\");",
        "  size_t len = fread(insns, sizeof insns[0], 4096, f); fclose(f); long n = " + CALLS + ";",
        "  double before = run(n); struct sock_fprog prog = { (unsigned short) len, insns };",
        "  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)) { perror(\"seccomp\"); return 1; }",
        "  double after = run(n);",
        "  printf(\"C    mode=%-5s insns=%zu: before %.1f ns/call, after %.1f ns/call, delta %.1f ns\\n\", argv[2], len, before, after, after - before);",
        "  return 0; }",
        ""));
    Path binary = dir.resolve("bench");
    Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString()).inheritIO().start();
    if (gcc.waitFor() != 0) {
      System.out.println("C: gcc failed, no C figures");
      return;
    }
    for (String mode : List.of("allow", "deny")) {
      long[] program = mode.equals("allow") ? SeccompFilter.allowAll() : deny;
      Path file = dir.resolve(mode + ".bpf");
      ByteBuffer bytes = ByteBuffer.allocate(program.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (long insn : program) {
        bytes.putLong(insn);
      }
      Files.write(file, bytes.array());
      for (int r = 0; r < REPEATS; r++) {
        new ProcessBuilder(binary.toString(), file.toString(), mode).inheritIO().start().waitFor();
      }
    }
    for (Path p : List.of(dir.resolve("allow.bpf"), dir.resolve("deny.bpf"), binary, source, dir)) {
      Files.deleteIfExists(p);
    }
  }

  private static void child(String mode) throws Exception {
    LinuxArch arch = LinuxArch.current().orElseThrow();
    Function getppid = new Function(Library.getDefault().getSymbolAddress("syscall"), Type.SLONG, 1, new Type[] {Type.SLONG},
        CallingConvention.DEFAULT, false);
    long nr = arch.number("getppid");
    double before = measure(getppid, nr);
    if (!mode.equals("none")) {
      NativeKernel kernel = NativeKernel.get();
      kernel.setNoNewPrivileges();
      if (mode.equals("default")) {
        kernel.installSeccompFilterOnAllThreads(SeccompFilter.baseline(arch, List.of()));
      }
      kernel.installSeccompFilterOnAllThreads(
          mode.equals("deny") ? SeccompFilter.denyList(arch, SeccompFilter.DEFAULT_DENY_LIST) : SeccompFilter.allowAll());
    }
    double after = measure(getppid, nr);
    System.out.printf("Java mode=%-7s: before %.1f ns/call, after %.1f ns/call, delta %.1f ns%n", mode, before, after, after - before);
  }

  private static double measure(Function function, long nr) {
    Invoker invoker = Invoker.getInstance();
    for (long i = 0; i < CALLS / 4; i++) {
      call(invoker, function, nr);
    }
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (long i = 0; i < CALLS; i++) {
        call(invoker, function, nr);
      }
      best = Math.min(best, (System.nanoTime() - t0) / (double) CALLS);
    }
    return best;
  }

  private static long call(Invoker invoker, Function function, long nr) {
    HeapInvocationBuffer buffer = new HeapInvocationBuffer(function);
    buffer.putLong(nr);
    return invoker.invokeLong(function, buffer);
  }
}
