package dev.confine.testing;

/**
 * What a {@link FakeKernel} throws from {@code apply()} where the real process would have been
 * ended by glibc's {@code abort()}: a set*id call that failed in one thread only
 * ({@link FakeKernel#failNextInThread}). glibc applies setgroups, setresgid and setresuid to every
 * thread (SIGSETXID) and aborts as soon as two threads got different results: no code of confine
 * or of the daemon runs after it, and the process ends by SIGABRT (status 134). An Error, as the
 * real outcome is no return at all; {@link FakeKernel#haltStatus()} then says 134.
 */
public final class ProcessAborted extends Error {
  private static final long serialVersionUID = 1L;

  /** The exit status a shell reports for a process ended by SIGABRT: 128 + 6. */
  public static final int STATUS = 134;

  private final long threadId;

  public ProcessAborted(String message, long threadId) {
    super(message);
    this.threadId = threadId;
  }

  /** The thread whose call failed while the others' succeeded. */
  public long threadId() {
    return threadId;
  }
}
