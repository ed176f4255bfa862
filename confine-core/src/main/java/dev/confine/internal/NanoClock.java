package dev.confine.internal;

/** A source of monotonic time, so tests can use a fake one. */
@FunctionalInterface
public interface NanoClock {
  NanoClock SYSTEM = System::nanoTime;

  long nanoTime();
}
