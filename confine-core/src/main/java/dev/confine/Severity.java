package dev.confine;

/** How much a preflight finding matters. */
public enum Severity {
  /** apply() refuses to confine while this holds. */
  ERROR,
  /** Confinement goes ahead, but it is weaker than it looks. */
  WARNING,
  /** Worth knowing; nothing to fix. */
  INFO
}
