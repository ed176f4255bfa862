package dev.confine.internal;

/** Ends the process when confinement fails past the point of no return. */
@FunctionalInterface
public interface Terminator {
  /**
   * Runtime.halt, not exit: shutdown hooks and finalisers must not run as root in a half-made jail;
   * and the termination signals held across the sequence, for the same reason.
   */
  Terminator SYSTEM =
      new Terminator() {
        @Override
        public void halt(int status) {
          Runtime.getRuntime().halt(status);
        }

        @Override
        public SignalHold holdSignals() {
          return SignalHold.hold();
        }
      };

  void halt(int status);

  /**
   * Holds SIGTERM, SIGINT and SIGHUP from before chroot to the end of apply(): the real process's
   * (SYSTEM); a test's terminator, whose process is the test's own, holds none.
   */
  default SignalHold holdSignals() {
    return SignalHold.NONE;
  }
}
