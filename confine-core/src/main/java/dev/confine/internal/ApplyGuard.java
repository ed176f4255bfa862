package dev.confine.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * apply() succeeds at most once per process, and never runs twice at once. A failure before the
 * point of no return leaves the process as it was, so another attempt is allowed; one after it
 * does not.
 */
public final class ApplyGuard {
  /** The process's guard: the one piece of static mutable state in confine. */
  public static final ApplyGuard PROCESS = new ApplyGuard();

  private enum State { IDLE, RUNNING, CONFINED, BROKEN }

  private final AtomicReference<State> state = new AtomicReference<>(State.IDLE);

  public void enter() {
    if (state.compareAndSet(State.IDLE, State.RUNNING)) {
      return;
    }
    switch (state.get()) {
      case RUNNING: throw new IllegalStateException("apply() is already running in this process (another thread called it)");
      case CONFINED: throw new IllegalStateException("apply() already confined this process; it runs once per process");
      default: throw new IllegalStateException("an earlier apply() failed after chroot; this process must exit");
    }
  }

  /** Nothing irreversible happened: another attempt may run. */
  public void abandon() {
    state.set(State.IDLE);
  }

  public void confined() {
    state.set(State.CONFINED);
  }

  public void broken() {
    state.set(State.BROKEN);
  }
}
