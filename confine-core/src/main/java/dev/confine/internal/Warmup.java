package dev.confine.internal;

import java.util.Optional;

/**
 * What apply() would load, link and spin on its own thread after binding the native layer, done
 * meanwhile on a thread of its own (issue 28). Binding is jffi extracting and loading its stub:
 * 270 to 310 classes, jffi's and the JDK's, on one core (BENCHMARKS.md: 42 ms cold on Java 17, 62
 * on Temurin 25); a server has more. Meanwhile this thread readies what jffi's stub loader uses of the JDK (String.format,
 * the SecureRandom its temporary file is named with), links the sequence's step lambdas (a plan of the same policy
 * evaluates each), readies the signal hold (sun.misc.Signal by reflection, the handler's proxy
 * class) and loads and initializes the classes of preflight, the sequence, the verification and the
 * report.
 *
 * <p>Nothing here decides or checks anything, and it changes nothing apply() would not: the
 * classes are the ones apply() loads anyway, each with a static initializer that only sets
 * constants (SignalHold's Api: reflection), and the SecureRandom, made only where the policy
 * prepares SECURE_RANDOM, keeps open what that preparation keeps open (NativePRNG's /dev/random
 * and /dev/urandom). The caller's thread does all of it again, as before, where it needs it (the
 * sequence's own recorder pass links every lambda before chroot): a warm-up that failed or did not
 * get to something only costs time.
 *
 * <p>The thread ends before preflight: apply() joins it when preflight begins, before preflight
 * lists the threads, so no check, no set*id broadcast and no verification ever meets it (it may
 * run on during the identity's resolution and the JVM preparations, which look at no thread).
 * (Joined means its Java part has ended; the kernel task, gone microseconds later, would at most
 * be read by preflight as an ordinary thread that ended meanwhile, which preflight tolerates.)
 */
final class Warmup {
  private Warmup() {}

  /**
   * Starts the warm-up for {@code policy}; a daemon, so that it never keeps the JVM up. With one
   * processor there is nothing to overlap: the work is left to the caller's thread, as before.
   */
  static Thread start(PolicyView policy) {
    if (Runtime.getRuntime().availableProcessors() < 2) {
      return null;
    }
    return started(new Run(policy));
  }

  /** {@code work} on a started warm-up thread; null if no thread could be started. */
  static Thread started(Runnable work) {
    Worker thread = new Worker(work);
    thread.setDaemon(true);
    try {
      thread.start();
    } catch (OutOfMemoryError | RuntimeException e) {
      // No thread to be had (a pids limit, "unable to create native thread"): the warm-up only
      // saves time, so apply() goes on without it rather than refuse.
      return null;
    }
    return thread;
  }

  /**
   * How long apply() waits for the warm-up before it refuses: its work is class loading and one
   * SecureRandom (whose seeding could block on /dev/random early in a boot on kernels before 5.6).
   */
  static final long JOIN_LIMIT_NANOS = 30_000_000_000L;

  /**
   * Waits until the warm-up has ended, at most {@code limitNanos}; an interrupt is kept for the
   * caller, not lost. Returns whether it has ended (true for no thread).
   */
  static boolean join(Thread thread, long limitNanos) {
    if (thread == null) {
      return true;
    }
    long deadline = System.nanoTime() + limitNanos;
    boolean interrupted = false;
    while (thread.isAlive()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        thread.join(Math.max(1, left / 1_000_000L));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  /** {@link #join(Thread, long)} with {@link #JOIN_LIMIT_NANOS}. */
  static boolean join(Thread thread) {
    return join(thread, JOIN_LIMIT_NANOS);
  }

  /** What ended a joined warm-up thread's work early, if anything did. */
  static Optional<Throwable> failure(Thread thread) {
    return thread instanceof Worker ? Optional.ofNullable(((Worker) thread).failure) : Optional.empty();
  }

  /**
   * The warm-up's thread, which keeps what ended its work: a class whose static initializer failed
   * here is, for the caller's thread, a NoClassDefFoundError that on Java 17 does not say why
   * ("Could not initialize class"); apply() adds this to its own failure as a suppressed exception.
   */
  private static final class Worker extends Thread {
    private final Runnable work;
    private volatile Throwable failure;

    Worker(Runnable work) {
      super("confine-warmup");
      this.work = work;
    }

    @Override
    public void run() {
      try {
        work.run();
      } catch (Throwable t) {
        // Only time is lost: the caller's thread meets the same failure, if it is one, where it
        // does the same work, and reports it there, with this attached (Confiner.apply).
        failure = t;
      }
    }
  }

  /** The warm-up's work; a class of its own rather than a lambda, which would itself be spun cold. */
  private static final class Run implements Runnable {
    private final PolicyView policy;

    Run(PolicyView policy) {
      this.policy = policy;
    }

    @Override
    public void run() {
      {
        // First what binding itself comes to, in its order and ahead of it: jffi names its stub
        // with String.format (java.util.Formatter, the default locale's number symbols: some 100
        // of the JDK's classes), then writes it to File.createTempFile, whose name comes from a
        // SecureRandom (the security providers, NativePRNG, which opens /dev/random and
        // /dev/urandom as createTempFile's would, and SHA: some 70). jffi itself is not touched; with
        // FFM asked for, none of this.
        if (!"ffm".equals(System.getProperty(NativeKernel.BINDING_PROPERTY, ""))) {
          String.format("%d", 0);
          // Only where the policy prepares SECURE_RANDOM, which opens the same devices before
          // chroot anyway: jffi may find its library installed and name no temporary file.
          if (policy.jvmFacilities().contains(dev.confine.JvmFacility.SECURE_RANDOM)) {
            new java.security.SecureRandom().nextLong();
          }
        }
        Sequence.plan(policy, Optional.empty());
        SignalHold.prepare();
        // Class literals, so that a rename cannot leave a stale name, evaluated here (on this
        // thread), not in a static field of Warmup's (on the caller's); a class missing from the
        // list is loaded where it is needed.
        Class<?>[] later = {
          dev.confine.internal.preflight.Preflight.class,
          dev.confine.internal.preflight.PreflightContext.class,
          OpenFile.class,
          FileStatus.class,
          FileStatus.Type.class,
          Kernel.Ids.class,
          Kernel.SocketPeer.class,
          Kernel.WalkVisitor.class,
          dev.confine.internal.linux.ThreadStatus.class,
          Capabilities.class,
          Mount.class,
          dev.confine.internal.linux.ProcCgroup.class,
          dev.confine.internal.linux.ProcCgroup.Line.class,
          dev.confine.Finding.class,
          dev.confine.Severity.class,
          dev.confine.PreflightReport.class,
          Sequence.Executor.class,
          dev.confine.internal.linux.SeccompFilter.class,
          Verifier.class,
          dev.confine.VerificationException.class,
          dev.confine.internal.linux.Errno.class,
          dev.confine.ContainerView.class,
          dev.confine.ConfinementReport.class,
        };
        for (Class<?> c : later) {
          try {
            Class.forName(c.getName(), true, c.getClassLoader());
          } catch (ClassNotFoundException e) {
            throw new NoClassDefFoundError(c.getName()); // cannot happen: c is a loaded class's literal
          }
        }
      }
    }
  }
}
