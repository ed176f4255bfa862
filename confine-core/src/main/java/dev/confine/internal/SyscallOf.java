package dev.confine.internal;

import dev.confine.Syscall;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link Kernel} method: the {@link Syscall} its failure is reported as, and its arguments as
 * strace shows them. Declared once, here, so that the decorators built from it need no change for
 * a new call: the test kit's {@code FaultyKernel} (which fails any call on request and records
 * each) and the unit tests' {@code ForwardingKernel} are proxies over {@code Kernel}, not a copy
 * of its method list. A method without it is passed on and not recorded (it cannot fail: gettid,
 * getenv, a sleep). {@code KernelCallsTest} holds every method that can fail to having one.
 *
 * <p>A method that makes two calls either of which may fail (a directory listed, then each entry
 * read) carries two, outer first.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(SyscallOf.Each.class)
public @interface SyscallOf {
  Syscall value();

  /**
   * The arguments as a call is shown; empty: each parameter, in order. {@code {n}} alone is
   * parameter n as C shows it (a string quoted, unless it is a constant such as
   * {@code PR_SET_KEEPCAPS}; a boolean as 1 or 0; bytes as their text; anything else as its
   * value); {@code {n:mode}} alone, a file mode as C writes it (0 and octal digits); a number, as
   * written. Any other element is text, {@code {n}} (or {@code {n:hex}}, {@code {n:length}} of an
   * array, {@code {n?yes|no}} of a boolean) substituted, then quoted unless it is a constant.
   */
  String[] args() default {};

  /**
   * False for a C function that reports no failure (umask(2), openlog(3)): recorded, never failed;
   * arming one is the test's mistake.
   */
  boolean canFail() default true;

  /** How the result is shown: "" (its value), or "mode" (0 and octal digits, as umask(2)'s). */
  String result() default "";

  /** The container of a method's two calls. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @interface Each {
    SyscallOf[] value();
  }
}
