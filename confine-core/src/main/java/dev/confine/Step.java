package dev.confine;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One system call of the confinement sequence, as data: which call, with which arguments, and
 * whether it lies past the point of no return.
 *
 * <p>The same list of steps is shown by {@link ConfinementPolicy#plan()}, executed for real by
 * {@link ConfinementPolicy#apply()}, and executed against the fake kernel of the test kit.
 * Arguments are {@link String} (paths, names, symbols such as {@code "<root fd>"}), {@link Long}
 * (ids, flags and modes) or a {@code List<Long>} (the group list).
 */
public final class Step {
  /** Stands for the descriptor returned by the step that opens the new root. */
  public static final String ROOT_FD = "<root fd>";

  private final Syscall syscall;
  private final List<Object> arguments;
  private final boolean irreversible;
  private final String purpose;

  Step(Syscall syscall, List<Object> arguments, boolean irreversible, String purpose) {
    this.syscall = requireNonNull(syscall, "syscall");
    this.arguments = List.copyOf(arguments);
    this.irreversible = irreversible;
    this.purpose = requireNonNull(purpose, "purpose");
    for (Object argument : this.arguments) {
      if (!(argument instanceof String || argument instanceof Long || argument instanceof List)) {
        throw new IllegalArgumentException("unsupported argument type: " + argument.getClass());
      }
    }
  }

  public Syscall syscall() {
    return syscall;
  }

  public List<Object> arguments() {
    return arguments;
  }

  /**
   * True once the process can no longer be put back as it was: from {@code chroot} on. A failure
   * here never leaves the process running as root.
   */
  public boolean irreversible() {
    return irreversible;
  }

  /** Why this step is there, in a few words. */
  public String purpose() {
    return purpose;
  }

  /** The call as C would read: {@code setresuid(65534, 65534, 65534)}. */
  public String call() {
    return syscall.cName()
        + arguments.stream().map(Step::render).collect(Collectors.joining(", ", "(", ")"));
  }

  private static String render(Object argument) {
    // Strings are quoted, except placeholders ("<root fd>") and C constants ("PR_CAPBSET_DROP").
    if (argument instanceof String && !((String) argument).startsWith("<") && !((String) argument).matches("[A-Z][A-Z0-9_]*")) {
      return '"' + (String) argument + '"';
    }
    if (argument instanceof List) {
      return ((List<?>) argument).stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
    }
    return String.valueOf(argument);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Step
        && ((Step) other).syscall == syscall
        && ((Step) other).arguments.equals(arguments)
        && ((Step) other).irreversible == irreversible;
  }

  @Override
  public int hashCode() {
    return syscall.hashCode() * 31 + arguments.hashCode() + (irreversible ? 1 : 0);
  }

  @Override
  public String toString() {
    return call() + (irreversible ? "  [irreversible]" : "") + "  // " + purpose;
  }
}
