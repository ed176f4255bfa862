package dev.confine.internal;

import dev.confine.ConfinementException;
import java.util.ArrayList;
import java.util.List;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.invoke.LambdaConversionException;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The termination signals held across the irreversible part of apply(). The JVM answers SIGTERM,
 * SIGINT and SIGHUP by starting its shutdown in a thread of its own, which runs the daemon's
 * shutdown hooks with whatever the process is at that moment: between chroot and setresuid that is
 * root inside a half-made jail (issue 26, SignalFaultIT). While held, such a signal is recorded by
 * a handler that does nothing else; released, the previous handlers are put back and the first
 * recorded signal raised again, so that the hooks run in the confined process. If the sequence
 * fails past the point of no return the process halts with the signals still held: no hook runs.
 *
 * <p>A signal the JVM does not handle (-Xrs, or ignored since the JVM started) ends the process
 * without hooks, or does nothing: sun.misc.Signal refuses it, and it is left as it is.
 *
 * <p>With the signals held, nothing would end a sequence that hangs: glibc's set*id broadcast
 * waits for ever for a thread that blocks its SIGSETXID (one born after preflight looked, issue
 * 26), as root in the jail. So the hold also starts a watchdog that halts the process (status 71)
 * if apply() has not ended {@value #DEFAULT_WATCHDOG_SECONDS} s after it began the sequence
 * (-Dconfine.watchdogSeconds=N; 0, the test-only control, starts none). A SIGSTOP that lasts
 * longer than that ends in the same halt once continued.
 */
public final class SignalHold {
  /** Holds nothing: the simulation's, whose process is the test's own. */
  static final SignalHold NONE = new SignalHold(List.of(), List.of(), List.of(), new AtomicInteger());

  /**
   * The test-only switch (as the agent's -Dconfine.agent.noGate): -Dconfine.noSignalHold=true
   * leaves the signals as they are during apply(), only to show what the hold prevents.
   */
  static final String NO_HOLD_PROPERTY = "confine.noSignalHold";

  private static final List<String> HELD = List.of("TERM", "INT", "HUP");

  /** The bound on the irreversible part of apply(), in seconds; 0 (a test's control) for none. */
  static final String WATCHDOG_PROPERTY = "confine.watchdogSeconds";

  static final long DEFAULT_WATCHDOG_SECONDS = 30;

  /** sun.misc.Signal objects, their numbers, and the handlers they had (sun.misc.SignalHandler). */
  private final List<Object> signals;
  private final List<Integer> numbers;
  private final List<Object> previous;
  private final AtomicInteger recorded;
  /** Null where none runs (NONE, or the control). */
  private volatile Watchdog watchdog;

  private SignalHold(List<Object> signals, List<Integer> numbers, List<Object> previous, AtomicInteger recorded) {
    this.signals = signals;
    this.numbers = numbers;
    this.previous = previous;
    this.recorded = recorded;
  }

  /**
   * sun.misc.Signal (module jdk.unsupported, required) through reflection: javac warns of every
   * use of it by name ("internal proprietary API"), and no @SuppressWarnings silences that.
   */
  private static final class Api {
    static final Class<?> HANDLER;
    static final Constructor<?> SIGNAL;
    static final Method NUMBER;
    static final Method HANDLE;
    static final Method RAISE;
    /**
     * HANDLE as a method handle typed (Object, Object)Object, adapted here, when this class
     * initializes (on apply()'s warm-up thread, by prepare()): through Method.invoke, Java 18+
     * adapts it at the first call, on apply()'s thread (two lambda form classes spun, issue 28).
     */
    static final MethodHandle HANDLE_EXACT;

    static {
      try {
        Class<?> signal = Class.forName("sun.misc.Signal");
        HANDLER = Class.forName("sun.misc.SignalHandler");
        SIGNAL = signal.getConstructor(String.class);
        NUMBER = signal.getMethod("getNumber");
        HANDLE = signal.getMethod("handle", signal, HANDLER);
        RAISE = signal.getMethod("raise", signal);
        HANDLE_EXACT =
            MethodHandles.publicLookup().unreflect(HANDLE).asType(MethodType.methodType(Object.class, Object.class, Object.class));
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private Api() {}

    /** Signal.handle(signal, handler); an IllegalArgumentException it throws comes out as itself. */
    static Object handle(Object signal, Object handler) {
      try {
        return (Object) HANDLE_EXACT.invokeExact(signal, handler);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e); // handle declares no checked exception: not reached
      }
    }

    /** Calls a static method of sun.misc.Signal; an IllegalArgumentException it throws comes out as itself. */
    static Object call(Method method, Object... args) {
      try {
        return method.invoke(null, args);
      } catch (InvocationTargetException e) {
        if (e.getCause() instanceof RuntimeException) {
          throw (RuntimeException) e.getCause();
        }
        throw new IllegalStateException(e.getCause());
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
  }
  /** Halts the process if the irreversible part has not ended in time: it hangs as root in the jail. */
  private static final class Watchdog implements Runnable {
    private final long nanos;
    private final byte[] message;
    /** fd 2 without System.err's lock, which a hung thread may hold. */
    private final java.io.FileOutputStream err = new java.io.FileOutputStream(java.io.FileDescriptor.err);
    private final Thread thread;
    private volatile boolean ended;

    Watchdog(long seconds) {
      this.nanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
      this.message = ("confine: the irreversible part of apply() did not end within " + seconds + " s (a thread that blocks glibc's"
              + " SIGSETXID hangs set*id for ever); the process may hold root in a half-made jail: halting with status "
              + dev.confine.FailureMode.HALT_STATUS + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      this.thread = new Thread(this, "confine-watchdog");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void run() {
      long deadline = System.nanoTime() + nanos;
      for (long left = nanos; !ended && left > 0; left = deadline - System.nanoTime()) {
        java.util.concurrent.locks.LockSupport.parkNanos(this, left);
      }
      if (ended) {
        return;
      }
      try {
        err.write(message);
      } catch (Throwable ignored) {
        // The halt comes first.
      }
      Runtime.getRuntime().halt(dev.confine.FailureMode.HALT_STATUS);
    }

    void end() {
      ended = true;
      java.util.concurrent.locks.LockSupport.unpark(thread);
    }
  }

  /**
   * What the recording handler does: a class of its own, not a lambda, so that it is loaded from
   * the jar (by {@link #prepare} on apply()'s warm-up thread) rather than spun on the cold path.
   */
  private static final class Record {
    private final AtomicInteger recorded;
    private final int number;

    Record(AtomicInteger recorded, int number) {
      this.recorded = recorded;
      this.number = number;
    }

    /** sun.misc.SignalHandler.handle(Signal): records the signal, and nothing else. */
    void handle(Object signal) {
      recorded.compareAndSet(0, number);
    }
  }

  /**
   * Makes the sun.misc.SignalHandler that hands handle(Signal) to a {@link Record}: a class for the
   * interface from LambdaMetafactory, made once, when this initializes (on apply()'s warm-up
   * thread, by {@link #prepare}). Not a java.lang.reflect.Proxy: its first proxy class cost 20 ms
   * on a cold Java 17 and 53 on Temurin 25, which makes a dynamic module for it and spins it with the
   * ClassFile API (class-load logs, issue 28). The handler's equals and hashCode are identity's, as
   * the proxy's were; its toString is the class's name.
   */
  private static final class Recorders {
    /** (Record)SignalHandler, typed (Record)Object: javac names no sun.misc type. */
    static final MethodHandle MAKE;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodType handle = MethodType.methodType(void.class, Api.SIGNAL.getDeclaringClass());
        MAKE =
            LambdaMetafactory.metafactory(
                    lookup,
                    "handle",
                    MethodType.methodType(Api.HANDLER, Record.class),
                    handle,
                    lookup.findVirtual(Record.class, "handle", MethodType.methodType(void.class, Object.class)),
                    handle)
                .getTarget()
                .asType(MethodType.methodType(Object.class, Record.class));
      } catch (ReflectiveOperationException | LambdaConversionException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private Recorders() {}
  }

  /** A sun.misc.SignalHandler that hands its calls to {@code record}. */
  private static Object recorder(Record record) {
    try {
      return (Object) Recorders.MAKE.invokeExact(record);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e); // the factory declares nothing: not reached
    }
  }

  /**
   * Readies what {@link #hold} needs, holding nothing: sun.misc.Signal's methods found by
   * reflection and the handler's class made ({@link Recorders}).
   * apply() calls it on its warm-up thread while its own binds the native layer; hold() works the
   * same without it.
   */
  static void prepare() {
    recorder(new Record(new AtomicInteger(), 0));
    try {
      // A Signal object and its number: reflection's accessors made for the constructor and
      // getNumber. Neither changes a handler (handle() is left to hold()).
      Api.NUMBER.invoke(Api.SIGNAL.newInstance(HELD.get(0)));
    } catch (ReflectiveOperationException | RuntimeException e) {
      // hold() meets it again, and says so.
    }
  }

  /**
   * Swaps the recording handler in for each termination signal the JVM handles. If the JVM's
   * shutdown has already begun (a signal or System.exit before this), it puts the handlers back and
   * refuses: the hooks are running, and chroot must not happen under them.
   */
  static SignalHold hold() {
    if (Boolean.getBoolean(NO_HOLD_PROPERTY)) {
      return NONE;
    }
    AtomicInteger recorded = new AtomicInteger();
    List<Object> signals = new ArrayList<>();
    List<Integer> numbers = new ArrayList<>();
    List<Object> previous = new ArrayList<>();
    SignalHold hold;
    try {
      for (String name : HELD) {
        Object signal;
        int number;
        try {
          signal = Api.SIGNAL.newInstance(name);
          number = (Integer) Api.NUMBER.invoke(signal);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("sun.misc.Signal(\"" + name + "\"): " + e, e);
        }
        // Records the signal, and nothing else; made (its class too) before chroot.
        Object record = recorder(new Record(recorded, number));
        try {
          previous.add(Api.handle(signal, record));
          signals.add(signal);
          numbers.add(number);
        } catch (IllegalArgumentException notHandledByTheJvm) {
          // -Xrs: the default action, no hooks. Nothing to hold.
        }
      }
      hold = new SignalHold(signals, numbers, previous, recorded);
      long seconds = Long.getLong(WATCHDOG_PROPERTY, DEFAULT_WATCHDOG_SECONDS);
      if (seconds > 0) {
        hold.watchdog = new Watchdog(seconds);
      }
    } catch (RuntimeException | Error e) {
      // Failed part way (an OutOfMemoryError making the second handler, a watchdog thread not
      // started): the handlers already swapped are put back, and a signal recorded meanwhile
      // raised, so that apply() refuses with the process as it was, SIGTERM acted on again.
      new SignalHold(signals, numbers, previous, recorded).release();
      throw e;
    }
    if (shuttingDown()) {
      hold.release();
      throw new ConfinementException(
          "the JVM is shutting down (a signal or System.exit arrived before apply() held the termination signals):"
              + " its shutdown hooks are running; nothing irreversible was done");
    }
    return hold;
  }

  /** Runtime.addShutdownHook refuses once the shutdown hooks have begun. */
  private static boolean shuttingDown() {
    Thread probe = new Thread("confine-shutdown-probe"); // never started: a Thread with nothing to run
    try {
      Runtime.getRuntime().addShutdownHook(probe);
    } catch (IllegalStateException shutdownInProgress) {
      return true;
    }
    Runtime.getRuntime().removeShutdownHook(probe);
    return false;
  }

  /** apply() has ended, one way or another: no halt from the watchdog. */
  void endWatch() {
    Watchdog w = watchdog;
    if (w != null) {
      w.end();
      watchdog = null;
    }
  }

  /** Puts the previous handlers back, then raises the first signal recorded meanwhile, if any. */
  void release() {
    endWatch();
    for (int i = 0; i < signals.size(); i++) {
      try {
        Api.handle(signals.get(i), previous.get(i));
      } catch (IllegalArgumentException e) {
        // It was taken from the JVM's handler: it can be given back. Nothing else to do.
      }
    }
    int number = recorded.get();
    for (int i = 0; i < signals.size(); i++) {
      if (numbers.get(i) == number) {
        try {
          Api.call(Api.RAISE, signals.get(i));
        } catch (IllegalArgumentException e) {
          // Ignored meanwhile: then it does nothing, as it would have.
        }
      }
    }
  }

  /** The signal recorded while held (0 if none). */
  int recorded() {
    return recorded.get();
  }
}
