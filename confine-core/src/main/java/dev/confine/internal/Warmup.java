package dev.confine.internal;

import java.util.Optional;

/**
 * What apply() would load, link and spin on its own thread after binding the native layer, done
 * meanwhile on a thread of its own (issue 28). Binding is jffi extracting and loading its stub:
 * 270 to 310 classes, jffi's and the JDK's, on one core (BENCHMARKS.md: 42 ms cold on Java 17, 62
 * on Temurin 25); a server has more. Meanwhile this thread makes reflection's accessors in the shapes
 * binding and apply() use ({@link Shapes}), readies what jffi's stub loader uses of the JDK (String.format,
 * the SecureRandom its temporary file is named with), links the sequence's step lambdas (a plan of the same policy
 * evaluates each), readies the signal hold (sun.misc.Signal by reflection, the handler's class) and loads and initializes the classes of preflight, the sequence, the verification and the
 * report. jffi's own classes it loads and links (verifies) without initializing them ({@link
 * #linkJffi()}).
 *
 * <p>Nothing here decides or checks anything, and it changes nothing apply() would not: the
 * classes are the ones apply() loads anyway, each with a static initializer that only sets
 * constants (SignalHold's Api: reflection; ProcessChecks: a Pattern), the environment is only read
 * (the JDK's copy of it, which apply() reads NOTIFY_SOCKET from), and the SecureRandom, made only where the policy
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

  /**
   * jffi's classes that binding and the first calls load after jffi's stub loader, in that order:
   * loaded and linked (verified: some 15 ms of the caller's BIND_NATIVE and RESOLVE_IDENTITY on a
   * cold JVM, jffi's jar being verified as every class path jar is), never initialized: no code of
   * jffi's runs here, and its static initializers (the stub's load, jffi.unsafe.disabled's read)
   * run on the caller's thread as before. The first few (Invoker, Platform, Foreign) are left out:
   * the caller's thread is there before this thread could be.
   */
  private static final String[] JFFI_LATER = {
    "com.kenai.jffi.Init",
    "com.kenai.jffi.internal.StubLoader",
    "com.kenai.jffi.Util",
    "com.kenai.jffi.internal.StubLoader$OS",
    "com.kenai.jffi.internal.StubLoader$CPU",
    "com.kenai.jffi.internal.StubLoader$1",
    "com.kenai.jffi.Platform$CPU",
    "com.kenai.jffi.Invoker$LP64",
    "com.kenai.jffi.ObjectParameterInvoker",
    "com.kenai.jffi.NativeObjectParameterInvoker",
    "com.kenai.jffi.HeapObjectParameterInvoker",
    "com.kenai.jffi.Library",
    "com.kenai.jffi.Library$DefaultLibrary",
    "com.kenai.jffi.internal.Cleaner",
    "com.kenai.jffi.Type",
    "com.kenai.jffi.Function",
    "com.kenai.jffi.CallContext",
    "com.kenai.jffi.CallContextCache",
    "com.kenai.jffi.MemoryIO",
    "com.kenai.jffi.MemoryIO$NativeImpl64",
    "com.kenai.jffi.UnsafeMemoryIO$UnsafeMemoryIO64",
    "com.kenai.jffi.HeapInvocationBuffer",
    "com.kenai.jffi.HeapInvocationBuffer$DefaultEncoder",
    "com.kenai.jffi.HeapInvocationBuffer$ArrayIO",
    "com.kenai.jffi.HeapInvocationBuffer$LE64ArrayIO",
    "com.kenai.jffi.ObjectBuffer",
    "com.kenai.jffi.LastError",
  };

  /**
   * Loads and links {@link #JFFI_LATER} through the loader DirectLibC takes jffi from. Linking is
   * asked for by listing a class's constructors (the JVM links a class before it reflects on its
   * members), as no API links without initializing.
   */
  private static void linkJffi() {
    ClassLoader loader;
    try {
      loader = com.kenai.jffi.Invoker.class.getClassLoader(); // a class literal: loads, does not initialize
    } catch (LinkageError e) {
      return; // no jffi: the binding says so on the caller's thread
    }
    for (String name : JFFI_LATER) {
      try {
        Class.forName(name, false, loader).getDeclaredConstructors();
      } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
        // Another jffi than the one measured: the caller's thread loads what it needs.
      }
    }
  }

  /**
   * Reflection's accessors in the shapes apply()'s own thread uses, made here first. Since Java 18
   * (JEP 416) Method.invoke, Field.get and Constructor.newInstance go through method handles, and
   * the first use of a shape (static or not, the erased parameter and return types) spins lambda
   * form classes, kept for the JVM's life and shared by every member of that shape: on Temurin 25,
   * about 1 ms each on a cold JVM, some 10 of them on apply()'s thread (Java 17 calls through
   * native accessors and spins none). The shapes: jffi's Foreign reads its Version fields (Field.get,
   * static int); its Init calls StubLoader.isLoaded() (static, boolean); its Cleaner calls
   * java.lang.ref.Cleaner.create() (static, an object) and register(Object, Runnable) (a final
   * class's method, two objects, an object); JvmFigures calls OperatingSystemMXBean's
   * getTotalMemorySize() (an interface's, a long). (SignalHold's Signal.handle is a method handle
   * adapted when its class initializes.) The members here do nothing.
   */
  static final class Shapes implements java.util.function.LongSupplier {
    static final int VERSION = 1;

    static boolean isLoaded() {
      return true;
    }

    static Object create() {
      return null;
    }

    Object register(Object object, Runnable action) {
      return null;
    }

    @Override
    public long getAsLong() {
      return 0;
    }

    static void warm() throws ReflectiveOperationException {
      // Initialized first, as the classes reflected on there are: a static member of a class not
      // yet initialized gets another accessor (one with an initialization barrier).
      Shapes shapes = new Shapes();
      Shapes.class.getDeclaredField("VERSION").get(null);
      Shapes.class.getDeclaredMethod("isLoaded").invoke(null);
      Shapes.class.getDeclaredMethod("create").invoke(null);
      Shapes.class.getDeclaredMethod("register", Object.class, Runnable.class).invoke(shapes, shapes, null);
      java.util.function.LongSupplier.class.getMethod("getAsLong").invoke(shapes);
    }
  }

  /**
   * More of preflight's, the sequence's and the verification's classes that apply()'s thread loads,
   * by name: they are not visible from here (other packages' package-private classes, private
   * nested ones). Anonymous classes are left out, their names being their order in the file.
   * WarmupTest loads each, so that a rename cannot leave a stale name.
   */
  static final String[] LATER_BY_NAME = {
    "dev.confine.internal.preflight.ProcessChecks",
    "dev.confine.internal.NativeKernel$StatusReader",
    "dev.confine.internal.preflight.FilterChecks",
    "dev.confine.internal.preflight.JailChecks",
    "dev.confine.internal.preflight.JailChecks$Target",
    "dev.confine.internal.preflight.Collector",
    "dev.confine.internal.preflight.SyslogChecks",
    "dev.confine.internal.preflight.ContainerChecks",
    "dev.confine.internal.preflight.ContainerChecks$Hierarchy",
    "dev.confine.internal.preflight.Preflight$Result",
    "dev.confine.internal.Confiner$InputArguments",
    "dev.confine.internal.linux.SeccompFilter$Asm",
    "dev.confine.internal.jvm.JvmFigures",
    "dev.confine.internal.jvm.JvmFigures$TotalMemory",
    "dev.confine.internal.SignalHold$Watchdog",
  };

  /** The warm-up's work; a class of its own rather than a lambda, which would itself be spun cold. */
  private static final class Run implements Runnable {
    private final PolicyView policy;
    private Throwable failure;

    Run(PolicyView policy) {
      this.policy = policy;
    }

    @Override
    public void run() {
      // With FFM asked for, nothing of jffi's: no String.format, no SecureRandom, no jffi classes.
      boolean jffi = !"ffm".equals(System.getProperty(NativeKernel.BINDING_PROPERTY, ""));
      try {
        // First what binding itself comes to, in its order and ahead of it: jffi names its stub
        // with String.format (java.util.Formatter, the default locale's number symbols: some 100
        // of the JDK's classes), then writes it to File.createTempFile, whose name comes from a
        // SecureRandom (the security providers, NativePRNG, which opens /dev/random and
        // /dev/urandom as createTempFile's would, and SHA: some 70). The caller's thread reaches
        // the first some 14 ms after this thread starts and the second some 35 ms (Temurin 25, a
        // class-load log): each is done here first, or this thread's work is done twice.
        if (jffi) {
          String.format("%d", 0);
          // Only where the policy prepares SECURE_RANDOM, which opens the same devices before
          // chroot anyway: jffi may find its library installed and name no temporary file.
          if (policy.jvmFacilities().contains(dev.confine.JvmFacility.SECURE_RANDOM)) {
            new java.security.SecureRandom().nextLong();
          }
        }
      } catch (Throwable t) {
        failed(t); // only time is lost
      }
      try {
        // Then reflection's accessors in the shapes binding's later steps and apply() use (Shapes):
        // jffi's Cleaner some 50 ms in, JvmFigures' read after preflight. (jffi's first two, its
        // version fields and StubLoader.isLoaded(), come before this thread could make them.)
        Shapes.warm();
      } catch (Throwable t) {
        failed(t);
      }
      try {
        if (jffi) {
          linkJffi();
        }
        // What the caller's thread meets at the end of binding and in resolving the identity,
        // before the plan below: the process's environment (read once, by the JDK, for
        // NOTIFY_SOCKET) and our classes there.
        System.getenv(NotifyEnvironment.NOTIFY_SOCKET);
        Class<?>[] next = {
          dev.confine.internal.linux.OpenFlags.class,
          Identity.class,
          LibC.PasswdResult.class,
          PasswdEntry.class,
          NotifyEnvironment.class,
        };
        for (Class<?> c : next) {
          Class.forName(c.getName(), true, c.getClassLoader());
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
          Class.forName(c.getName(), true, c.getClassLoader());
        }
        for (String name : LATER_BY_NAME) {
          Class.forName(name, true, Warmup.class.getClassLoader());
        }
      } catch (Throwable t) {
        failed(t);
      }
      if (failure != null) {
        // To the Worker, which keeps it for apply() (see there).
        if (failure instanceof Error) {
          throw (Error) failure;
        }
        if (failure instanceof RuntimeException) {
          throw (RuntimeException) failure;
        }
        throw new IllegalStateException(failure);
      }
    }

    /**
     * A stage that failed costs only time: the next one is tried all the same, and the caller's
     * thread meets the same failure, if it is one, where it does the same work. The first is kept
     * (the rest added to it), for apply() to attach to its own.
     */
    private void failed(Throwable t) {
      if (failure == null) {
        failure = t;
      } else if (failure != t) {
        failure.addSuppressed(t);
      }
    }
  }
}
