package dev.confine.internal;

/** Ends the process when confinement fails past the point of no return. */
@FunctionalInterface
public interface Terminator {
  /** Runtime.halt, not exit: shutdown hooks and finalisers must not run as root in a half-made jail. */
  Terminator SYSTEM = status -> Runtime.getRuntime().halt(status);

  void halt(int status);
}
