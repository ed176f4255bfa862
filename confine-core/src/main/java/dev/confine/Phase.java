package dev.confine;

/**
 * The phases of {@link ConfinementPolicy#apply()}, each timed in the report, listed there in this
 * order. apply() runs {@link #PREPARE_JVM} before {@link #PREFLIGHT}, so that preflight sees what
 * the preparations and the caller's hooks did; {@link #PREFLIGHT} also holds the second look at
 * the descriptors, right before the sequence.
 */
public enum Phase {
  /** Binding the native calls (jffi, or java.lang.foreign), the first time in this process. */
  BIND_NATIVE,
  /** Looking up the user and groups while /etc is still visible. */
  RESOLVE_IDENTITY,
  /** Checking the jail and the process; nothing is changed. */
  PREFLIGHT,
  /** Readying the JVM for life in an empty directory. */
  PREPARE_JVM,
  /** The sequence of system calls itself. */
  SYSCALLS,
  /** Checking, after the drop, that it holds. */
  VERIFY,
  /** From the call of apply() to its return. */
  TOTAL
}
