package dev.confine.testing.simulation;

import static java.util.Objects.requireNonNull;

import dev.confine.Syscall;
import dev.confine.internal.ErrnoException;
import dev.confine.internal.Kernel;
import dev.confine.internal.SyscallOf;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel that passes every call on to another and can be told to fail any of them, as okhttp's
 * {@code FaultyFileSystem} decorates a file system: {@link #failNext} arms a failure for the next
 * call of that kind, and every call is recorded as a typed {@link Call}. Calls that cannot fail
 * (umask(2), openlog(3)) are refused at once when armed; an armed failure that no call reached
 * is reported by {@link #unreached()}, never forgotten.
 *
 * <p>It knows no call by name: {@link #kernel()} is a proxy over {@link Kernel}, and each method's
 * {@link SyscallOf} (on the method, in {@code Kernel}) says what the call is failed and recorded as.
 * A new call of {@code Kernel} needs no change here.
 */
public final class FaultyKernel {
  /** One call as it was made: what, with which arguments, and what came of it. */
  public static final class Call {
    public final Syscall syscall;
    public final List<String> arguments;
    /** The result as text ("0", a descriptor, a value), or empty if the call failed. */
    public final Optional<String> result;
    /** The errno of a failed call, or empty. */
    public final OptionalInt errno;
    /** True if this failure was armed with {@link #failNext}, not the kernel's own answer. */
    public final boolean injected;

    Call(Syscall syscall, List<String> arguments, Optional<String> result, OptionalInt errno, boolean injected) {
      this.syscall = syscall;
      this.arguments = List.copyOf(arguments);
      this.result = result;
      this.errno = errno;
      this.injected = injected;
    }

    /** As strace prints it: {@code chroot(".") = 0}, {@code setuid(0) = -1 EPERM}. */
    @Override
    public String toString() {
      return syscall.cName() + "(" + String.join(", ", arguments) + ") = "
          + (errno.isPresent() ? "-1 " + dev.confine.internal.linux.Errno.name(errno.getAsInt()) + (injected ? " (injected)" : "") : result.orElse("0"));
    }
  }

  /** The calls whose C function reports no failure (umask(2), openlog(3)): arming one is a mistake in the test. */
  private static final Set<Syscall> CANNOT_FAIL = cannotFail();

  private final Kernel delegate;
  private final Kernel proxy;
  private final Map<Syscall, Deque<Integer>> armed = new EnumMap<>(Syscall.class);
  private final List<Call> calls = new ArrayList<>();

  public FaultyKernel(Kernel delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
    InvocationHandler handler = (target, method, arguments) -> invoke(method, arguments == null ? new Object[0] : arguments);
    this.proxy = (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class}, handler);
  }

  /** The kernel to run confine against: every call goes through this decorator. */
  public Kernel kernel() {
    return proxy;
  }

  /**
   * The next call of {@code syscall} fails with the named errno ("EPERM", "EIO", ...), whatever
   * the kernel underneath would have answered.
   *
   * @throws IllegalArgumentException for a call that cannot fail, or an unknown errno name
   */
  public synchronized FaultyKernel failNext(Syscall syscall, String errnoName) {
    requireNonNull(syscall, "syscall");
    requireNonNull(errnoName, "errnoName");
    if (CANNOT_FAIL.contains(syscall)) {
      throw new IllegalArgumentException(
          syscall + ": " + syscall.cName() + (syscall == Syscall.UMASK ? "(2) always succeeds (it returns the old mask)" : "(3) reports no failure")
              + ", so no failure can be injected into it");
    }
    armed.computeIfAbsent(syscall, s -> new ArrayDeque<>()).add(dev.confine.internal.linux.Errno.byName(errnoName));
    return this;
  }

  /**
   * False for a call whose C function reports no failure, as its {@link SyscallOf} on {@link Kernel}
   * declares ({@code canFail = false}: umask(2), openlog(3)); read from there, not listed here.
   */
  public static boolean canFail(Syscall syscall) {
    return !CANNOT_FAIL.contains(requireNonNull(syscall, "syscall"));
  }

  /** Failures armed but not reached by any call, as "SYSCALL ERRNO". */
  public synchronized List<String> unreached() {
    List<String> left = new ArrayList<>();
    armed.forEach((syscall, errnos) -> errnos.forEach(errno -> left.add(syscall + " " + dev.confine.internal.linux.Errno.name(errno))));
    return left;
  }

  /** Every call made so far, in order. */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Forgets the calls recorded so far (the scene set before a test is not part of it). */
  public synchronized void clearCalls() {
    calls.clear();
  }

  @FunctionalInterface
  private interface Body {
    Object call() throws ErrnoException;
  }

  /**
   * One call of the proxy: a method with {@link SyscallOf} is failed if armed and recorded, each
   * of its calls in turn (outer first); one without is passed on and not recorded.
   */
  private synchronized Object invoke(Method method, Object[] arguments) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return objectMethod(method, arguments);
    }
    Body body = () -> passOn(method, arguments);
    SyscallOf[] calls = method.getAnnotationsByType(SyscallOf.class);
    for (int i = calls.length - 1; i >= 0; i--) {
      SyscallOf call = calls[i];
      Body inner = body;
      body = call.canFail() ? () -> call(call.value(), arguments(call, arguments), inner) : () -> record(call, method, arguments, inner);
    }
    return body.call();
  }

  private Object passOn(Method method, Object[] arguments) throws ErrnoException {
    try {
      return method.invoke(delegate, arguments);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ErrnoException) {
        throw (ErrnoException) cause;
      }
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(method.getName() + " threw " + cause, cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(method.getName() + ": " + e.getMessage(), e);
    }
  }

  private Object objectMethod(Method method, Object[] arguments) {
    switch (method.getName()) {
      case "equals": return proxy == arguments[0];
      case "hashCode": return System.identityHashCode(proxy);
      default: return "FaultyKernel over " + delegate;
    }
  }

  /**
   * Fails if armed; otherwise delegates, recording the outcome either way. The lock (taken by
   * {@link #invoke}) is held across the delegate's call: the simulated kernel underneath is not
   * thread-safe and never blocks, and a daemon may call from several threads (a ServiceNotifier is
   * safe from any): so calls take effect one at a time, in the order they are recorded.
   */
  private Object call(Syscall syscall, List<String> arguments, Body body) throws ErrnoException {
    Deque<Integer> queue = armed.get(syscall);
    Integer errno = queue == null ? null : queue.poll();
    if (queue != null && queue.isEmpty()) {
      armed.remove(syscall);
    }
    if (errno != null) {
      calls.add(new Call(syscall, arguments, Optional.empty(), OptionalInt.of(errno), true));
      throw new ErrnoException(syscall, arguments, errno);
    }
    try {
      Object result = body.call();
      calls.add(new Call(syscall, arguments, Optional.of(render(result)), OptionalInt.empty(), false));
      return result;
    } catch (ErrnoException e) {
      calls.add(new Call(syscall, arguments, Optional.empty(), OptionalInt.of(e.errno()), false));
      throw e;
    } catch (dev.confine.testing.ProcessAborted e) {
      calls.add(new Call(syscall, arguments, Optional.of("? (failed in thread " + e.threadId() + " only: glibc's abort())"), OptionalInt.empty(), true));
      throw e;
    }
  }

  /** A call whose C function reports no failure: recorded, never failed; one that returns nothing has no result. */
  private Object record(SyscallOf call, Method method, Object[] arguments, Body body) throws ErrnoException {
    Object result = body.call();
    Optional<String> shown =
        method.getReturnType() == void.class ? Optional.empty()
            : Optional.of(call.result().equals("mode") ? mode(result) : render(result));
    calls.add(new Call(call.value(), arguments(call, arguments), shown, OptionalInt.empty(), false));
    return result;
  }

  private static Set<Syscall> cannotFail() {
    Set<Syscall> cannot = EnumSet.noneOf(Syscall.class);
    for (Method method : Kernel.class.getMethods()) {
      for (SyscallOf call : method.getAnnotationsByType(SyscallOf.class)) {
        if (!call.canFail()) {
          cannot.add(call.value());
        }
      }
    }
    return Set.copyOf(cannot);
  }

  private static final Pattern LONE = Pattern.compile("\\{(\\d+)(?::(\\w+))?\\}");
  private static final Pattern PLACE = Pattern.compile("\\{(\\d+)(?::(\\w+)|\\?([^|}]*)\\|([^}]*))?\\}");

  /** The arguments as {@link SyscallOf#args} says a call shows them. */
  static List<String> arguments(SyscallOf call, Object[] values) {
    String[] templates = call.args();
    List<String> rendered = new ArrayList<>();
    if (templates.length == 0) {
      for (Object value : values) {
        rendered.add(shown(value));
      }
      return rendered;
    }
    for (String template : templates) {
      Matcher lone = LONE.matcher(template);
      if (lone.matches() && lone.group(2) == null) {
        rendered.add(shown(values[Integer.parseInt(lone.group(1))]));
      } else if (lone.matches() && lone.group(2).equals("mode")) {
        rendered.add(mode(values[Integer.parseInt(lone.group(1))]));
      } else if (template.matches("-?[0-9]+")) {
        rendered.add(template);
      } else {
        rendered.add(quoted(substituted(template, values)));
      }
    }
    return rendered;
  }

  /** Text with each {@code {n}}, {@code {n:hex}}, {@code {n:length}} or {@code {n?yes|no}} replaced. */
  private static String substituted(String template, Object[] values) {
    Matcher place = PLACE.matcher(template);
    StringBuilder text = new StringBuilder();
    while (place.find()) {
      Object value = values[Integer.parseInt(place.group(1))];
      String format = place.group(2);
      String part =
          place.group(3) != null ? ((Boolean) value ? place.group(3) : place.group(4))
              : "hex".equals(format) ? Long.toHexString((Long) value)
              : "length".equals(format) ? String.valueOf(java.lang.reflect.Array.getLength(value))
              : plain(value);
      place.appendReplacement(text, Matcher.quoteReplacement(part));
    }
    place.appendTail(text);
    return text.toString();
  }

  /** A value as C shows it: a string quoted (but a C constant, "PR_SET_KEEPCAPS", as C writes it), a boolean as 1 or 0. */
  private static String shown(Object value) {
    return value instanceof String || value instanceof byte[] ? quoted(plain(value)) : plain(value);
  }

  private static String plain(Object value) {
    if (value instanceof Boolean) {
      return (Boolean) value ? "1" : "0";
    }
    if (value instanceof byte[]) {
      return new String((byte[]) value, StandardCharsets.UTF_8);
    }
    return String.valueOf(value);
  }

  /** Strings quoted, but C constants ("PR_SET_KEEPCAPS") as C writes them. */
  private static String quoted(String value) {
    return value.matches("[A-Z][A-Z0-9_|]*") ? value : '"' + value + '"';
  }

  /** A file mode as C writes it: 0 and octal digits. */
  private static String mode(Object value) {
    return "0" + Integer.toOctalString((Integer) value);
  }

  /** A result as a line can hold it: lists and maps by their size, masks in hexadecimal. */
  private static String render(Object result) {
    if (result == null) {
      return "0";
    }
    if (result instanceof java.util.Collection) {
      return "[" + ((java.util.Collection<?>) result).size() + " entries]";
    }
    if (result instanceof Map) {
      return "{" + ((Map<?, ?>) result).size() + " entries}";
    }
    if (result instanceof long[]) {
      List<String> masks = new ArrayList<>();
      for (long mask : (long[]) result) {
        masks.add(Long.toHexString(mask));
      }
      return masks.toString();
    }
    return String.valueOf(result);
  }
}
