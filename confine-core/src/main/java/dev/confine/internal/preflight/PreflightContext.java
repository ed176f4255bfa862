package dev.confine.internal.preflight;

import dev.confine.internal.FileStatus;
import dev.confine.internal.PolicyView;
import dev.confine.internal.Identity;
import dev.confine.internal.Kernel;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** What every check may read: the policy, the resolved identity if it resolved, and the kernel. */
public final class PreflightContext {
  public final PolicyView policy;
  public final Optional<Identity> identity;
  public final Kernel kernel;
  /** lstat of the root as it was when preflight began; empty if it does not exist. */
  public final Optional<FileStatus> root;
  /**
   * The JVM's input arguments (RuntimeMXBean's), asked for only by a check that needs them (a CPU
   * limit pinned by -XX:ActiveProcessorCount): the JVM, not the kernel, knows its own flags.
   */
  public final Supplier<List<String>> jvmArguments;
  /** The descriptors as preflight's one look at /proc/self/fd saw them; read at the first check that asks. */
  private List<dev.confine.internal.OpenFile> openFiles;

  /**
   * No arguments, made once when this class initializes (on apply()'s warm-up thread, Warmup) rather
   * than at each use: a method reference spins a class where it is first evaluated.
   */
  private static final Supplier<List<String>> NO_ARGUMENTS = List::of;

  public PreflightContext(PolicyView policy, Optional<Identity> identity, Kernel kernel, Optional<FileStatus> root) {
    this(policy, identity, kernel, root, NO_ARGUMENTS);
  }

  public PreflightContext(
      PolicyView policy, Optional<Identity> identity, Kernel kernel, Optional<FileStatus> root, Supplier<List<String>> jvmArguments) {
    this.policy = policy;
    this.identity = identity;
    this.kernel = kernel;
    this.root = root;
    this.jvmArguments = jvmArguments;
  }

  /**
   * Every open descriptor, listed once per preflight: the checks of directories, inherited
   * descriptors and the terminal judge the same look (apply() looks again right before chroot,
   * with a context of its own).
   */
  public List<dev.confine.internal.OpenFile> openFiles() throws dev.confine.internal.ErrnoException {
    if (openFiles == null) {
      openFiles = List.copyOf(kernel.openFiles());
    }
    return openFiles;
  }

  public String rootPath() {
    return policy.root().toString();
  }

  /** True if {@code path} is the root or lies under it, compared as paths, not strings. */
  public boolean insideRoot(String path) {
    return path.equals(rootPath()) || path.startsWith(rootPath().endsWith("/") ? rootPath() : rootPath() + "/");
  }
}
