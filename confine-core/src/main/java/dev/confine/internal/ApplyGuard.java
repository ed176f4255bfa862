package dev.confine.internal;

/**
 * apply() succeeds at most once per process, and never runs twice at once. A failure before the
 * point of no return leaves the process as it was, so another attempt is allowed; one after it
 * does not.
 *
 * <p>Exact under a StackOverflowError: {@link #enter()} either changes the state and returns
 * without another call, or changes nothing. The field writes are plain stores inside the lock;
 * the messages are built only on the refusing path, after the state was read.
 */
public final class ApplyGuard {
  /** The process's guard: the one piece of static mutable state in confine. */
  public static final ApplyGuard PROCESS = new ApplyGuard();

  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int CONFINED = 2;
  private static final int BROKEN = 3;

  private int state = IDLE;

  public void enter() {
    int seen;
    synchronized (this) {
      seen = state;
      if (seen == IDLE) {
        state = RUNNING;
        return;
      }
    }
    switch (seen) {
      case RUNNING: throw new IllegalStateException("apply() is already running in this process (another thread called it)");
      case CONFINED: throw new IllegalStateException("apply() already confined this process; it runs once per process");
      default: throw new IllegalStateException("an earlier apply() failed after chroot; this process must exit");
    }
  }

  /** Nothing irreversible happened: another attempt may run. */
  public synchronized void abandon() {
    state = IDLE;
  }

  public synchronized void confined() {
    state = CONFINED;
  }

  public synchronized void broken() {
    state = BROKEN;
  }
}
